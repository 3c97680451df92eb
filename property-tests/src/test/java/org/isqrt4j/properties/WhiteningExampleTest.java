package org.isqrt4j.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** docs/roots-and-whitening.md shows exactly {@link WhiteningExample}, which runs and whitens. */
class WhiteningExampleTest {
    @Test
    void documentShowsTheCompiledExample() throws Exception {
        DocExample.requireShown(Path.of("src/test/java/org/isqrt4j/properties/WhiteningExample.java"),
                Path.of("../docs/roots-and-whitening.md"), "DOC-EXAMPLE");
    }

    @Test
    void exampleRunsAndWhitens() throws Exception {
        String out = DocExample.run(WhiteningExample::main);
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
