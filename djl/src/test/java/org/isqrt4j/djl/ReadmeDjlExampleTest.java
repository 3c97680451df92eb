package org.isqrt4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DJL example of docs/djl.md compiles (it is {@link ReadmeDjlExample}), runs, and docs/djl.md shows exactly its code. */
class ReadmeDjlExampleTest {

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
        Path src = Path.of("src/test/java/org/isqrt4j/djl/ReadmeDjlExample.java");
        List<String> code = between(Files.readAllLines(src), "DJL-EXAMPLE-START", "DJL-EXAMPLE-END");
        List<String> doc = between(Files.readAllLines(Path.of("../docs/djl.md")), "<!-- DJL-EXAMPLE-START -->",
                "<!-- DJL-EXAMPLE-END -->");
        assertEquals("```java", doc.get(0));
        assertEquals("```", doc.get(doc.size() - 1));
        assertEquals(code, doc.subList(1, doc.size() - 1), "docs/djl.md DJL example differs from ReadmeDjlExample.java");
    }

    @Test
    void exampleTrainsAndPrintsTheShape() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ReadmeDjlExample.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("IsqrtCov(K=5, TRIU") && out.contains("output (16, 10)"), out);
    }
}
