package org.isqrt4j.properties;

import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.RandomData;

/**
 * Symmetries of the layer, checked on one back-end against itself. Bounds: both sides are within the forward
 * bound of their own truth (2x), and the transformed input had to be rounded to float32 again, which moves the
 * truth by at most {@link Tolerances#inputRounding}.
 */
final class InvarianceChecks {
    private InvarianceChecks() {
    }

    /** C(cX) = |c| C(X) for c = +-10^u, u uniform in [-1, 1]. */
    static void scaling(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        double factor = (rnd.nextBoolean() ? -1 : 1) * Math.pow(10, 2 * rnd.nextDouble() - 1);
        float[] xs = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            xs[i] = (float) (factor * x[i]);
        }
        compare(ctx, c, rnd, x, xs, (b, cx) -> Dense.scale(cx, Math.abs(factor)), "C(cX) vs |c| C(X)",
                ctx.tol.inputRounding(c.k(), c.offset()));
    }

    /** Permuting the positions (the same permutation for every channel) leaves C unchanged. */
    static void permutation(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        int d = c.d();
        int n = c.n();
        float[] xp = new float[x.length];
        for (int b = 0; b < c.batch(); b++) {
            int[] perm = permutation(rnd, n);
            for (int i = 0; i < d; i++) {
                for (int p = 0; p < n; p++) {
                    xp[(b * d + i) * n + p] = x[(b * d + i) * n + perm[p]];
                }
            }
        }
        compare(ctx, c, rnd, x, xp, (b, cx) -> cx, "C(X P) vs C(X)", 0);
    }

    /** Adding one vector m to every position leaves C unchanged (the covariance subtracts the mean). */
    static void meanShift(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        int d = c.d();
        int n = c.n();
        float[] xm = new float[x.length];
        for (int b = 0; b < c.batch(); b++) {
            double ss = 0;
            for (int i = 0; i < d * n; i++) {
                ss += (double) x[b * d * n + i] * x[b * d * n + i];
            }
            double rms = Math.sqrt(ss / (d * n));
            for (int i = 0; i < d; i++) {
                double m = rms * RandomData.nextGaussian(rnd);
                for (int p = 0; p < n; p++) {
                    int q = (b * d + i) * n + p;
                    xm[q] = (float) (x[q] + m);
                }
            }
        }
        // The shift adds about one RMS of mean to the input: one more offset unit when the input is rounded.
        compare(ctx, c, rnd, x, xm, (b, cx) -> cx, "C(X + m 1^T) vs C(X)", ctx.tol.inputRounding(c.k(), c.offset() + 1));
    }

    /** Rotating the channels, X -&gt; Q X with Q orthogonal, gives Q C Q^T (FULL layout). */
    static void rotation(Ctx ctx, Case c0) {
        Case c = c0.withLayout(OutputLayout.FULL);
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        int d = c.d();
        int n = c.n();
        double[] q = RandomData.randomOrthogonal(rnd, d);
        float[] xq = new float[x.length];
        for (int b = 0; b < c.batch(); b++) {
            double[] qx = Dense.mul(q, Dense.toDouble(x, b * d * n, d * n), d, d, n);
            for (int i = 0; i < d * n; i++) {
                xq[b * d * n + i] = (float) qx[i];
            }
        }
        compare(ctx, c, rnd, x, xq, (b, cx) -> Dense.congruence(q, cx, d), "C(Q X) vs Q C(X) Q^T",
                ctx.tol.inputRounding(c.k(), c.offset()));
    }

    private interface Expect {
        double[] of(int b, double[] cOfX);
    }

    private static void compare(Ctx ctx, Case c, SplittableRandom rnd, float[] x, float[] xt, Expect expect,
                                String what, double rounding) {
        int per = c.outPerSample();
        Calls.Fwd f = Calls.layerForward(ctx.op, c, x, rnd);
        Calls.Fwd ft = Calls.layerForward(ctx.op, c, xt, rnd);
        double bound = 2 * ctx.tol.layerForward(c.d(), c.n(), c.k()) + rounding;
        for (int b = 0; b < c.batch(); b++) {
            double[] expected = expect.of(b, f.sample(b, per));
            ctx.check(what, c, b, Ctx.relErr(ft.sample(b, per), expected), bound);
        }
        Calls.close(f.handle);
        Calls.close(ft.handle);
    }

    private static int[] permutation(SplittableRandom rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
