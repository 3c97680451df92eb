package org.isqrt4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The Deeplearning4j example of docs/dl4j.md compiles (it is {@link ReadmeDl4jExample}), runs, and docs/dl4j.md shows its code. */
class ReadmeDl4jExampleTest {

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
        Path src = Path.of("src/test/java/org/isqrt4j/dl4j/ReadmeDl4jExample.java");
        List<String> code = between(Files.readAllLines(src), "DL4J-EXAMPLE-START", "DL4J-EXAMPLE-END");
        List<String> doc = between(Files.readAllLines(Path.of("../docs/dl4j.md")), "<!-- DL4J-EXAMPLE-START -->",
                "<!-- DL4J-EXAMPLE-END -->");
        assertEquals("```java", doc.get(0));
        assertEquals("```", doc.get(doc.size() - 1));
        assertEquals(code, doc.subList(1, doc.size() - 1), "docs/dl4j.md example differs from ReadmeDl4jExample.java");
    }

    @Test
    void exampleRunsAndPrintsShapes() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ReadmeDl4jExample.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("features " + (32 * 33 / 2) + ", output 10"), out);
    }
}
