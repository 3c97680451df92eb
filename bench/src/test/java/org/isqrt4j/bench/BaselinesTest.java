package org.isqrt4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.isqrt4j.reference.ReferenceMath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The two baselines against the float64 reference, on small shapes (rank-deficient and full-rank), every K
 * regime of the iteration (1, 2, 5) and both parallel schemes; plus the check that must reject a wrong result.
 */
class BaselinesTest {

    /**
     * float32 products of length d with |entries| of order 1 are good to about sqrt(d) * 6e-8 relative each; K
     * steps compound that roughly K-fold, and the backward's 10K-12 products a few times more. 1e-4 relative
     * leaves a factor of ten above what d = 12..20 needs, and is a thousand times below a wrong formula.
     */
    private static final double ISQRT_TOL = 1e-4;

    @ParameterizedTest(name = "{0} d={1} n={2} K={3}")
    @CsvSource({
        "isqrt-openblas-batch, 12, 7, 5",
        "isqrt-openblas-batch, 12, 30, 1",
        "isqrt-openblas-batch, 12, 30, 2",
        "isqrt-openblas-blas-threads, 20, 45, 5",
        "isqrt-openblas-blas-threads, 9, 4, 3",
    })
    void openBlasMatchesReference(String id, int d, int n, int k) {
        int batch = 3;
        float[] x = Checks.input(batch, d, n, 11);
        float[] g = nonSymmetricGradient(batch, d, 5);
        float[] out = new float[batch * d * d];
        float[] gx = new float[batch * d * n];
        try (LayerRunner r = Backends.create(id, 2, batch, d, n, k)) {
            r.forward(x, out);
            r.backward(g, gx);
            for (int b = 0; b < batch; b++) {
                double[] xb = Checks.sample(x, b, d * n);
                double[] gb = Checks.sample(g, b, d * d);
                assertClose(ReferenceMath.layerForward(xb, d, n, k), out, b * d * d, ISQRT_TOL, "C sample " + b);
                assertClose(ReferenceMath.layerBackward(xb, d, n, k, gb), gx, b * d * n, ISQRT_TOL, "dX sample " + b);
            }
            // A second forward on other data replaces the saved state: the backward must follow it.
            float[] x2 = Checks.input(batch, d, n, 12);
            r.forward(x2, out);
            r.backward(g, gx);
            double[] xb = Checks.sample(x2, 1, d * n);
            assertClose(ReferenceMath.layerBackward(xb, d, n, k, Checks.sample(g, 1, d * d)), gx, d * n,
                    ISQRT_TOL, "dX after a second forward");
        }
    }

    @Test
    void openBlasGivesZerosForAConstantSample() {
        int d = 6;
        int n = 5;
        float[] x = Checks.input(2, d, n, 3);
        Arrays.fill(x, d * n, 2 * d * n, 4.5f); // sample 1: every channel constant, so Sigma = 0
        float[] out = new float[2 * d * d];
        float[] gx = new float[2 * d * n];
        Arrays.fill(out, Float.NaN);
        Arrays.fill(gx, Float.NaN);
        try (LayerRunner r = Backends.create("isqrt-openblas", 2, 2, d, n, 5)) {
            r.forward(x, out);
            r.backward(Checks.gradient(2, d, 1), gx);
        }
        for (int i = d * d; i < 2 * d * d; i++) {
            assertEquals(0f, out[i]);
        }
        for (int i = d * n; i < 2 * d * n; i++) {
            assertEquals(0f, gx[i]);
        }
        assertTrue(Float.isFinite(out[0]) && out[0] != 0f, "the other sample is computed");
    }

    /**
     * The eigendecomposition route is the true square root: forward against sqrtExact on rank-deficient data;
     * backward on full-rank data against the K = 40 reference, where p_K has converged to sqrt with its
     * derivative. float32 eigenvectors are good to about d * 6e-8 / gap; 2e-3 relative covers that for the
     * float variant with these well-separated spectra, 1e-6 for double.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"eig-ejml-f64, 1e-6", "eig-ejml-f32, 2e-3"})
    void eigMatchesTrueSquareRoot(String id, double tol) {
        int d = 16;
        int batch = 3;
        int n = 9; // rank-deficient
        float[] x = Checks.input(batch, d, n, 21);
        float[] out = new float[batch * d * d];
        try (LayerRunner r = Backends.create(id, 2, batch, d, n, 5)) {
            r.forward(x, out);
        }
        for (int b = 0; b < batch; b++) {
            double[] xb = Checks.sample(x, b, d * n);
            assertClose(ReferenceMath.sqrtExact(ReferenceMath.covariance(xb, d, n), d), out, b * d * d,
                    Math.max(tol, 1e-4), "C sample " + b);
        }
        int nf = 3 * d;
        float[] xf = Checks.input(batch, d, nf, 22);
        float[] g = nonSymmetricGradient(batch, d, 23);
        float[] outf = new float[batch * d * d];
        float[] gx = new float[batch * d * nf];
        try (LayerRunner r = Backends.create(id, 2, batch, d, nf, 5)) {
            r.forward(xf, outf);
            r.backward(g, gx);
        }
        for (int b = 0; b < batch; b++) {
            double[] xb = Checks.sample(xf, b, d * nf);
            double[] gb = Checks.sample(g, b, d * d);
            assertClose(ReferenceMath.layerForward(xb, d, nf, Checks.EXACT_K), outf, b * d * d, tol, "C full rank");
            assertClose(ReferenceMath.layerBackward(xb, d, nf, Checks.EXACT_K, gb), gx, b * d * nf, tol, "dX full rank");
        }
    }

    @Test
    void verifyAcceptsACorrectRunnerAndRejectsAWrongOne() {
        int d = 10;
        int n = 14;
        int batch = 2;
        float[] x = Checks.input(batch, d, n, 0);
        float[] g = Checks.gradient(batch, d, 0);
        try (LayerRunner good = Backends.create("isqrt-openblas", 1, batch, d, n, 5)) {
            double err = Checks.verify("isqrt-openblas", good, 1, batch, d, n, 5, true, x, g);
            assertTrue(err < 1e-2, "error " + err + " %");
        }
        // The same runner with the backward's gradient doubled: a plausible bug (a missing 1/2).
        try (LayerRunner inner = Backends.create("isqrt-openblas", 1, batch, d, n, 5)) {
            LayerRunner wrong = new LayerRunner() {
                @Override
                public String describe() {
                    return "wrong";
                }

                @Override
                public void forward(float[] xx, float[] out) {
                    inner.forward(xx, out);
                }

                @Override
                public void backward(float[] gradOut, float[] gradX) {
                    inner.backward(gradOut, gradX);
                    for (int i = 0; i < gradX.length; i++) {
                        gradX[i] *= 2;
                    }
                }

                @Override
                public void close() {
                }
            };
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Checks.verify("isqrt-openblas", wrong, 1, batch, d, n, 5, true, x, g));
            assertTrue(e.getMessage().contains("relative error"), e.getMessage());
            // Forward alone is still right.
            double err = Checks.verify("isqrt-openblas", wrong, 1, batch, d, n, 5, false, x, g);
            assertTrue(err < 1e-2);
        }
    }

    @Test
    void dataAreDeterministicPerSampleWhateverTheBatch() {
        float[] a = Checks.input(2, 5, 7, 3);
        float[] b = Checks.input(5, 5, 7, 3);
        assertArrayEquals(a, Arrays.copyOf(b, a.length));
        float[] g = Checks.gradient(1, 4, 0);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(g[i * 4 + j], g[j * 4 + i]);
            }
        }
    }

    private static float[] nonSymmetricGradient(int batch, int d, long seed) {
        Random r = new Random(seed);
        float[] g = new float[batch * d * d];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        return g;
    }

    private static void assertClose(double[] ref, float[] got, int off, double tol, String what) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = got[off + i] - ref[i];
            num += e * e;
            den += ref[i] * ref[i];
        }
        double rel = Math.sqrt(num / den);
        assertTrue(rel <= tol, what + ": relative error " + rel + " > " + tol);
    }
}
