package org.isqrt4j.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks behind the examples shown in the README and docs: the document shows exactly the lines between two
 * markers of a compiled source file (inside a fenced code block), and the example's main runs.
 */
final class DocExample {
    private DocExample() {
    }

    /** The lines strictly between the first line containing start and the next containing end. */
    static List<String> between(List<String> lines, String start, String end) {
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

    /**
     * Fails unless the document's block between {@code <!-- MARKER-START -->} and {@code <!-- MARKER-END -->},
     * without its code fence, is the source's block between {@code MARKER-START} and {@code MARKER-END}.
     */
    static void requireShown(Path source, Path document, String marker) throws IOException {
        List<String> code = between(Files.readAllLines(source), marker + "-START", marker + "-END");
        List<String> doc = between(Files.readAllLines(document), "<!-- " + marker + "-START -->",
                "<!-- " + marker + "-END -->");
        assertEquals(code, doc.subList(1, doc.size() - 1), document + " differs from " + source);
    }

    /** Runs an example's main and returns what it printed. */
    static String run(ThrowingMain main) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            main.run(new String[0]);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** An example's main method. */
    interface ThrowingMain {
        void run(String[] args) throws Exception;
    }
}
