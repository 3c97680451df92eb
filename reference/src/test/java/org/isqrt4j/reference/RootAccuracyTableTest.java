package org.isqrt4j.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** docs/roots-and-whitening.md quotes exactly the tables {@link RootAccuracyTable} computes. */
class RootAccuracyTableTest {
    @Test
    void documentHoldsTheComputedTables() throws Exception {
        Path doc = Path.of("..", "docs", "roots-and-whitening.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        assertTrue(text.contains(RootAccuracyTable.scalarTable()), "scalar table out of date; run RootAccuracyTable");
        assertTrue(text.contains(RootAccuracyTable.matrixTable()), "matrix table out of date; run RootAccuracyTable");
    }

    @Test
    void tableFactsHold() {
        // DESIGN.md's figure: p_5(1/256) / sqrt(1/256) = 0.45.
        assertEquals(0.448, ReferenceMath.scalarNewtonSchulz(1 / 256.0, 5) * 16, 1e-3);
        // z_K sqrt(lambda) = p_K / sqrt(lambda): the two roots have the same eigenvalue-wise relative error.
        for (double l : RootAccuracyTable.LAMBDAS) {
            assertEquals(ReferenceMath.scalarNewtonSchulz(l, 5) / Math.sqrt(l),
                    ReferenceMath.scalarInverseNewtonSchulz(l, 5) * Math.sqrt(l), 1e-12);
        }
        // Frobenius pre-normalisation puts A's eigenvalues higher, so it converges in fewer steps.
        assertTrue(RootAccuracyTable.matrixError(1e3, 5, true, true) < RootAccuracyTable.matrixError(1e3, 5, true, false));
    }
}
