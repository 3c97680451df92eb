package org.isqrt4j.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's example compiles (it is {@link ReadmeExample}), runs, and the README shows exactly its code. */
class ReadmeExampleTest {

    private static List<String> between(List<String> lines, String start, String end) {
        int s = -1;
        int e = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(start) && s < 0) {
                s = i;
            } else if (lines.get(i).contains(end) && s >= 0) {
                e = i;
                break;
            }
        }
        assertTrue(s >= 0 && e > s, "markers " + start + " / " + end + " not found");
        return lines.subList(s + 1, e);
    }

    @Test
    void readmeShowsTheCompiledExample() throws Exception {
        Path src = Path.of("src/test/java/org/isqrt4j/properties/ReadmeExample.java");
        Path readme = Path.of("../README.md");
        List<String> code = between(Files.readAllLines(src), "README-EXAMPLE-START", "README-EXAMPLE-END");
        List<String> doc = between(Files.readAllLines(readme), "<!-- README-EXAMPLE-START -->", "<!-- README-EXAMPLE-END -->");
        // The README wraps the code in a ```java fence.
        List<String> fenced = doc.subList(1, doc.size() - 1);
        org.junit.jupiter.api.Assertions.assertEquals(code, fenced, "README example differs from ReadmeExample.java");
    }

    @Test
    void exampleRunsAndPrintsShapes() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ReadmeExample.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("C " + (8 * 64 * 65 / 2) + ", dL/dX " + (8 * 64 * 49)), out);
    }
}
