package org.isqrt4j.reference;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.MatrixSqrtProvider;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of the op and its provider. The op widens float32 to double exactly, runs ReferenceMath and
 * rounds once, so its results must equal the rounded ReferenceMath results bit for bit.
 */
class ReferenceMatrixSqrtOpTest {

    private static float[] randomFloats(Random r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static double[] slice(float[] a, int off, int len) {
        double[] r = new double[len];
        for (int i = 0; i < len; i++) {
            r[i] = a[off + i];
        }
        return r;
    }

    private static void assertRounded(double[] expect, float[] actual, int off, String what) {
        for (int i = 0; i < expect.length; i++) {
            assertEquals((float) expect[i], actual[off + i], 0f, what + " element " + i);
        }
    }

    @Test
    void providerIsRegisteredAndAlwaysAvailable() {
        MatrixSqrtProvider p = MatrixSqrtOps.providers().stream().filter(q -> q.id().equals("reference")).findFirst()
                .orElseThrow(() -> new AssertionError("reference provider not found by ServiceLoader"));
        assertEquals(0, p.priority());
        assertNull(p.unavailableReason());
        try (MatrixSqrtOp op = MatrixSqrtOps.load("reference")) {
            assertEquals("reference-ejml", op.name());
            assertTrue(op instanceof ReferenceMatrixSqrtOp);
        }
    }

    @Test
    void layerForwardAndBackwardWithOffsetsAndBothLayouts() {
        Random r = new Random(9);
        int batch = 3;
        int d = 5;
        int n = 7;
        int k = 5;
        int xOff = 4;
        float[] x = randomFloats(r, xOff + batch * d * n);
        // Sample 1 is constant per channel: zero trace, zero output and gradient.
        for (int i = 0; i < d * n; i++) {
            x[xOff + d * n + i] = 0.25f * (i / n);
        }
        float[] xBefore = x.clone();
        try (MatrixSqrtOp op = new ReferenceMatrixSqrtOp()) {
            float[] out = new float[2 + batch * d * d];
            ForwardHandle h = op.forward(batch, d, n, SqrtOptions.of(k, OutputLayout.FULL), x, xOff, out, 2);
            float[] g = randomFloats(r, batch * d * d);
            float[] gx = new float[batch * d * n];
            op.backward(h, g, 0, gx, 0);
            int tri = d * (d + 1) / 2;
            ForwardHandle ht = op.forward(batch, d, n, SqrtOptions.of(k, OutputLayout.TRIU), x, xOff,
                    new float[batch * tri], 0);
            float[] gt = randomFloats(r, batch * tri);
            float[] gxt = op.backward(ht, gt);
            for (int b = 0; b < batch; b++) {
                double[] xb = slice(x, xOff + b * d * n, d * n);
                double[] c = ReferenceMath.layerForward(xb, d, n, k);
                assertRounded(c, out, 2 + b * d * d, "C");
                assertRounded(ReferenceMath.packTriu(c, d), ht.output(), b * tri, "packed C");
                assertRounded(ReferenceMath.layerBackward(xb, d, n, k, slice(g, b * d * d, d * d)), gx, b * d * n, "gradX");
                double[] gUpper = ReferenceMath.unpackTriu(slice(gt, b * tri, tri), d);
                assertRounded(ReferenceMath.layerBackward(xb, d, n, k, gUpper), gxt, b * d * n, "gradX triu");
            }
            for (int i = 0; i < d * d; i++) {
                assertEquals(0f, out[2 + d * d + i], 0f, "zero-trace sample output");
            }
            for (int i = 0; i < d * n; i++) {
                assertEquals(0f, gx[d * n + i], 0f, "zero-trace sample gradient");
            }
            assertNotEquals(0f, out[2], "a non-degenerate sample is not zero");
            assertArrayEquals(xBefore, x, "x unchanged");
            assertThrows(IllegalArgumentException.class, () -> op.sqrtBackward(h, g), "layer handle to sqrt backward");
            h.close();
            assertThrows(IllegalStateException.class, () -> op.backward(h, g));
        }
    }

    @Test
    void sqrtAndCovarianceStages() {
        Random r = new Random(10);
        int batch = 2;
        int d = 4;
        int n = 6;
        int k = 3;
        float[] x = randomFloats(r, batch * d * n);
        ReferenceMatrixSqrtOp op = new ReferenceMatrixSqrtOp();
        {
            float[] sigma = op.covariance(batch, d, n, x);
            float[] gs = randomFloats(r, batch * d * d);
            float[] gx = op.covarianceBackward(batch, d, n, x, gs);
            ForwardHandle h = op.sqrtForward(batch, d, SqrtOptions.defaults().withIterations(k), sigma);
            float[] sigmaCopy = sigma.clone();
            java.util.Arrays.fill(sigma, 1e6f); // the sqrt handle keeps its own copy of Sigma
            float[] g = randomFloats(r, batch * d * d);
            float[] gSigma = op.sqrtBackward(h, g);
            for (int b = 0; b < batch; b++) {
                double[] xb = slice(x, b * d * n, d * n);
                assertRounded(ReferenceMath.covariance(xb, d, n), sigmaCopy, b * d * d, "Sigma");
                assertRounded(ReferenceMath.covarianceBackward(xb, d, n, slice(gs, b * d * d, d * d)), gx, b * d * n, "gx");
                double[] sb = slice(sigmaCopy, b * d * d, d * d);
                assertRounded(ReferenceMath.sqrtSpectral(sb, d, k), h.output(), b * d * d, "C");
                assertRounded(ReferenceMath.sqrtBackwardSpectral(sb, d, k, slice(g, b * d * d, d * d)), gSigma, b * d * d, "gSigma");
            }
        }
        op.close();
        op.close(); // idempotent
        assertTrue(op.isClosed());
        assertThrows(IllegalStateException.class, () -> op.covariance(batch, d, n, x));
    }
}
