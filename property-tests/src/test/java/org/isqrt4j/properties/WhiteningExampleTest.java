package org.isqrt4j.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** docs/roots-and-whitening.md shows exactly {@link WhiteningExample}, which runs and whitens. */
class WhiteningExampleTest {
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
    void documentShowsTheCompiledExample() throws Exception {
        List<String> code = between(Files.readAllLines(Path.of("src/test/java/org/isqrt4j/properties/WhiteningExample.java")),
                "DOC-EXAMPLE-START", "DOC-EXAMPLE-END");
        List<String> doc = between(Files.readAllLines(Path.of("../docs/roots-and-whitening.md")),
                "<!-- DOC-EXAMPLE-START -->", "<!-- DOC-EXAMPLE-END -->");
        assertEquals(code, doc.subList(1, doc.size() - 1), "docs example differs from WhiteningExample.java");
    }

    @Test
    void exampleRunsAndWhitens() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            WhiteningExample.main(new String[0]);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        int len = 8 * 64 * 32 * 14 * 14;
        assertTrue(out.contains("W " + len + ", dL/dX " + len), out);
        Matcher m = Pattern.compile("mean diag\\(W W\\^T/n\\) ([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        // K = 5 and trace pre-normalisation on i.i.d. features: A's eigenvalues are near 1/64, where
        // z_5 sqrt(lambda) = 0.766 (RootAccuracyTable), so diag(W W^T / n) is near 0.766^2 = 0.59 (the document says so).
        double diag = Double.parseDouble(m.group(1));
        assertTrue(diag > 0.55 && diag < 0.63, out);
    }
}
