package org.isqrt4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import org.isqrt4j.reference.ReferenceMath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The torch-autograd baseline against the float64 reference (rank-deficient and full-rank shapes, K = 1, 2, 5),
 * through the benchmark's own check, and its section of the report.
 */
class TorchAutogradTest {
    /** As for the OpenBLAS baseline: a factor of ten above float32 rounding here, far below a wrong formula. */
    private static final double TOL = 1e-4;

    @ParameterizedTest(name = "d={0} n={1} K={2}")
    @CsvSource({"12, 7, 5", "12, 30, 1", "12, 30, 2", "20, 45, 5", "9, 4, 3"})
    void matchesReference(int d, int n, int k) {
        assertNull(Backends.unavailableReason(Backends.TORCH));
        int batch = 3;
        float[] x = Checks.input(batch, d, n, 11);
        float[] g = nonSymmetric(batch * d * d, 5);
        float[] out = new float[batch * d * d];
        float[] gx = new float[batch * d * n];
        try (LayerRunner r = Backends.create(Backends.TORCH, 2, batch, d, n, k)) {
            assertTrue(r.describe().contains("PyTorch"), r.describe());
            r.forward(x, out);
            r.backward(g, gx);
            for (int b = 0; b < batch; b++) {
                double[] xb = Checks.sample(x, b, d * n);
                double[] gb = Checks.sample(g, b, d * d);
                assertClose(ReferenceMath.layerForward(xb, d, n, k), out, b * d * d, "C sample " + b);
                assertClose(ReferenceMath.layerBackward(xb, d, n, k, gb), gx, b * d * n, "dX sample " + b);
            }
            // A second forward on other data replaces the graph: the backward must follow it.
            float[] x2 = Checks.input(batch, d, n, 12);
            r.forward(x2, out);
            r.backward(g, gx);
            assertClose(ReferenceMath.layerBackward(Checks.sample(x2, 1, d * n), d, n, k, Checks.sample(g, 1, d * d)),
                    gx, d * n, "dX after a second forward");
            assertThrows(IllegalStateException.class, () -> r.backward(g, gx));
        }
    }

    @ParameterizedTest(name = "B={0} d={1} n={2}")
    @CsvSource({"4, 32, 24", "128, 64, 49", "2, 64, 49", "1, 256, 49"})
    void passesTheBenchmarkCheck(int batch, int d, int n) {
        float[] x = Checks.input(batch, d, n, 0);
        float[] g = Checks.gradient(batch, d, 0);
        try (LayerRunner r = Backends.create(Backends.TORCH, 2, batch, d, n, 5)) {
            double err = Checks.verify(Backends.TORCH, r, 2, batch, d, n, 5, true, x, g);
            assertTrue(err < Checks.FAIL_PCT, "error " + err + " %");
        }
    }

    @Test
    void reportSectionGivesTheRatios() {
        List<LayerRow> rows = new ArrayList<>();
        rows.add(row(Backends.TORCH, 50.0));
        rows.add(row("cpu-vector", 400.0));
        rows.add(row(Backends.OPENBLAS, 125.0));
        String md = TorchComparison.markdown(rows);
        assertTrue(md.contains("## Against torch-autograd"), md);
        assertTrue(md.contains("| imagenet | 32 | forward+backward | 50.0 | 400 | 8.00x | 2.50x |"), md);
        assertEquals("", TorchComparison.markdown(List.of(row("cpu-vector", 1.0))));
    }

    private static LayerRow row(String id, double samples) {
        return LayerRow.measured(id, Workload.IMAGENET, 32, LayerBenchmark.FORWARD_BACKWARD, samples,
                OptionalDouble.empty(), OptionalDouble.empty(), 1e-5, OptionalDouble.empty(), OptionalDouble.empty(),
                Optional.empty());
    }

    private static float[] nonSymmetric(int size, long seed) {
        Random r = new Random(seed);
        float[] g = new float[size];
        for (int i = 0; i < size; i++) {
            g[i] = (float) r.nextGaussian();
        }
        return g;
    }

    private static void assertClose(double[] ref, float[] got, int off, String what) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = got[off + i] - ref[i];
            num += e * e;
            den += ref[i] * ref[i];
        }
        double rel = Math.sqrt(num / den);
        assertTrue(rel <= TOL, what + ": relative error " + rel + " > " + TOL);
    }
}
