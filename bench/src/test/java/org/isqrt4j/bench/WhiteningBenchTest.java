package org.isqrt4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMath;
import org.junit.jupiter.api.Test;

/** The whitening benchmark's eigendecomposition baseline computes whitening and its gradient; the runner runs. */
class WhiteningBenchTest {
    @Test
    void eigBaselineMatchesTheConvergedReference() throws Exception {
        int b = 3;
        int d = 6;
        int n = 50;
        float eps = 1e-3f;
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[b * d * n];
        float[] g = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() - 0.5 + (i / n) % 2);
            g[i] = (float) (r.nextDouble() - 0.5);
        }
        float[] w = new float[x.length];
        float[] gx = new float[x.length];
        try (WhiteningBench.EigWhitening eig = new WhiteningBench.EigWhitening(2, b, d, n, eps)) {
            eig.forward(x, w);
            eig.backward(g, gx);
        }
        // K = 40: z_K has converged to lambda^(-1/2) on this well-conditioned input, so the spectral reference is
        // the exact whitening with eps.
        SqrtOptions o = SqrtOptions.of(40, OutputLayout.FULL).withRoot(SqrtOptions.Root.INV_SQRT).withEpsilon(eps);
        for (int s = 0; s < b; s++) {
            double[] xs = new double[d * n];
            double[] gs = new double[d * n];
            for (int i = 0; i < d * n; i++) {
                xs[i] = x[s * d * n + i];
                gs[i] = g[s * d * n + i];
            }
            assertClose(ReferenceMath.whitenForward(xs, d, n, o), w, s * d * n, 1e-4);
            assertClose(ReferenceMath.whitenBackward(xs, d, n, o, gs), gx, s * d * n, 1e-3);
        }
    }

    private static void assertClose(double[] expected, float[] actual, int off, double rel) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = actual[off + i] - expected[i];
            num += e * e;
            den += expected[i] * expected[i];
        }
        assertTrue(Math.sqrt(num / den) < rel, "relative error " + Math.sqrt(num / den));
    }

    @Test
    void smallRunMeasuresEveryRow() throws Exception {
        List<WhiteningBench.Row> rows = WhiteningBench.run("cpu-scalar", 1, 1, true);
        assertEquals(6, rows.size());
        for (WhiteningBench.Row row : rows) {
            assertTrue(row.seconds() > 0 && row.samplesPerSecond() > 0, row.toString());
        }
        String md = WhiteningBench.markdown(rows, "cpu-scalar", 1, 1);
        assertTrue(md.contains("speed-up over eig") && md.contains("IW") && md.contains("LI"), md);
    }
}
