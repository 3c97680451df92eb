package org.isqrt4j.properties.robust;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * A fixed piece of work with fixed inputs, for the concurrency, determinism and resource tests: one of the four
 * uses of the API (layer forward + backward, square root forward + backward, covariance, covariance backward) on
 * one shape. {@link #run} returns everything the calls produced, concatenated, so that two runs can be compared
 * bit for bit; it closes every handle it opens.
 *
 * @param kind  which calls
 * @param batch B  @param d channels  @param n positions
 * @param k     iterations
 * @param layout output layout
 * @param x     X (or the data Sigma is the covariance of), B*d*n
 * @param g     incoming gradient: B*elements for the backward calls, B*d*d for the covariance backward
 */
record Task(Kind kind, int batch, int d, int n, int k, OutputLayout layout, float[] x, float[] g) {

    /** The four uses. */
    enum Kind { LAYER, SQRT, COVARIANCE, COV_BACKWARD }

    /**
     * @param seed data seed
     * @return a task with Gaussian data
     */
    static Task of(Kind kind, int batch, int d, int n, int k, OutputLayout layout, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = Num.gaussian(r, batch * d * n, 1);
        int per = kind == Kind.COV_BACKWARD ? d * d : layout.elements(d);
        float[] g = Num.gaussian(r, batch * per, 1);
        return new Task(kind, batch, d, n, k, layout, x, g);
    }

    /**
     * The mixed shapes of the shared-op tests: big single samples (whose products the CPU back-end splits over
     * its threads), batches, d = 1 and n = 1, both layouts, several K.
     *
     * @param big whether to include d = 128 and 130 (slow on the float64 reference)
     */
    static List<Task> mix(boolean big) {
        List<Task> t = new ArrayList<>();
        long s = 1000;
        if (big) {
            t.add(of(Kind.LAYER, 1, 128, 160, 5, OutputLayout.FULL, s++));
            t.add(of(Kind.SQRT, 1, 130, 140, 5, OutputLayout.TRIU, s++));
        }
        t.add(of(Kind.LAYER, 3, 33, 50, 5, OutputLayout.FULL, s++));
        t.add(of(Kind.LAYER, 8, 16, 10, 3, OutputLayout.TRIU, s++));
        t.add(of(Kind.LAYER, 2, 1, 1, 5, OutputLayout.FULL, s++));
        t.add(of(Kind.LAYER, 2, 64, 30, 8, OutputLayout.TRIU, s++));
        t.add(of(Kind.SQRT, 2, 50, 60, 5, OutputLayout.FULL, s++));
        t.add(of(Kind.SQRT, 5, 7, 9, 1, OutputLayout.TRIU, s++));
        t.add(of(Kind.COVARIANCE, 4, 40, 100, 5, OutputLayout.FULL, s++));
        t.add(of(Kind.COVARIANCE, 1, 3, 1, 5, OutputLayout.FULL, s++));
        t.add(of(Kind.COV_BACKWARD, 2, 20, 64, 5, OutputLayout.FULL, s++));
        t.add(of(Kind.COV_BACKWARD, 6, 9, 17, 5, OutputLayout.FULL, s++));
        return t;
    }

    /** @return the outputs of the task's calls on op, concatenated */
    float[] run(MatrixSqrtOp op) {
        SqrtOptions opt = SqrtOptions.of(k, layout);
        switch (kind) {
            case LAYER: {
                // Explicit outputs with offsets, as a framework's training loop would call it.
                float[] out = new float[3 + batch * layout.elements(d)];
                float[] gx = new float[1 + batch * d * n];
                try (ForwardHandle h = op.forward(batch, d, n, opt, x, 0, out, 3)) {
                    op.backward(h, g, 0, gx, 1);
                }
                return concat(Arrays.copyOfRange(out, 3, out.length), Arrays.copyOfRange(gx, 1, gx.length));
            }
            case SQRT: {
                float[] sigma = op.covariance(batch, d, n, x);
                try (ForwardHandle h = op.sqrtForward(batch, d, opt, sigma)) {
                    return concat(sigma, h.output(), op.sqrtBackward(h, g));
                }
            }
            case COVARIANCE:
                return op.covariance(batch, d, n, x);
            case COV_BACKWARD:
                return op.covarianceBackward(batch, d, n, x, g);
            default:
                throw new AssertionError(kind);
        }
    }

    private static float[] concat(float[]... parts) {
        int len = 0;
        for (float[] p : parts) {
            len += p.length;
        }
        float[] r = new float[len];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, r, o, p.length);
            o += p.length;
        }
        return r;
    }

    @Override
    public String toString() {
        return kind + "(B=" + batch + ", d=" + d + ", n=" + n + ", K=" + k + ", " + layout + ")";
    }
}
