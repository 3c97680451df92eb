package org.isqrt4j.properties;

import java.util.SplittableRandom;

import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;

/**
 * Samples whose trace is exactly 0 give an exactly zero output and an exactly zero gradient (never NaN), and do
 * not disturb the other samples of their batch.
 */
final class ZeroTraceChecks {
    private ZeroTraceChecks() {
    }

    private static boolean[] zeroSamples(Case c, SplittableRandom rnd) {
        boolean[] z = new boolean[c.batch()];
        for (int b = 0; b < c.batch(); b++) {
            z[b] = rnd.nextBoolean();
        }
        z[rnd.nextInt(c.batch())] = true;
        return z;
    }

    private static void requireZero(String what, Case c, int b, float[] a, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (a[off + i] != 0f) {
                throw new AssertionError(what + " (sample " + b + ", zero trace): element " + i + " is " + a[off + i]
                        + ", expected exactly 0");
            }
        }
    }

    /**
     * Constant features (each channel one small integer over all positions, all-zero in a third of the samples,
     * e.g. after a ReLU): the centred input is exactly 0, so covariance, output and gradients are exactly 0.
     * Small integers keep the float32 mean exact whatever n is, so any exact centring gives exactly 0.
     */
    static void constantFeatures(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        int per = c.outPerSample();
        float[] x = Samples.x(c, rnd);
        boolean[] zero = zeroSamples(c, rnd);
        for (int b = 0; b < c.batch(); b++) {
            if (zero[b]) {
                boolean allZero = rnd.nextInt(3) == 0;
                for (int i = 0; i < d; i++) {
                    float v = allZero ? 0f : rnd.nextInt(9) - 4;
                    for (int p = 0; p < n; p++) {
                        x[(b * d + i) * n + p] = v;
                    }
                }
            }
        }
        float[] g = Samples.gradOut(c, rnd);
        float[] gSigma = Samples.gaussianFloats(rnd, c.batch() * d * d);
        float[] sigma = Calls.covariance(ctx.op, c, x, rnd);
        float[] gxCov = Calls.covarianceBackward(ctx.op, c, x, gSigma, rnd);
        Calls.Fwd f = Calls.layerForward(ctx.op, c, x, rnd);
        float[] gx = Calls.layerBackward(ctx.op, c, f, g, rnd);
        for (int b = 0; b < c.batch(); b++) {
            if (zero[b]) {
                requireZero("covariance", c, b, sigma, b * d * d, d * d);
                requireZero("covarianceBackward", c, b, gxCov, b * d * n, d * n);
                requireZero("forward", c, b, f.out, b * per, per);
                requireZero("backward", c, b, gx, b * d * n, d * n);
            } else {
                double[] xs = Dense.toDouble(x, b * d * n, d * n);
                ctx.check("C vs layerForward beside a zero-trace sample", c, b,
                        Ctx.relErr(f.sample(b, per), Samples.inLayout(c, ReferenceMath.layerForward(xs, d, n, c.k()))),
                        ctx.tol.layerForward(d, n, c.k()));
                ctx.check("dL/dX vs layerBackward beside a zero-trace sample", c, b,
                        Ctx.relErr(Dense.toDouble(gx, b * d * n, d * n),
                                ReferenceMath.layerBackward(xs, d, n, c.k(), Samples.fullGradient(c, g, b))),
                        ctx.tol.layerBackward(d, n, c.k(), c.offset()));
            }
        }
        Calls.close(f.handle);
    }

    /**
     * Sigma with trace exactly 0 that is positive semi-definite, i.e. the zero matrix: output and gradient exactly
     * zero. (A zero trace with non-zero entries is not positive semi-definite and is rejected: ValidationChecks.)
     */
    static void zeroTraceSigma(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int per = c.outPerSample();
        float[] sigma = Samples.sigma(c, rnd);
        boolean[] zero = zeroSamples(c, rnd);
        for (int b = 0; b < c.batch(); b++) {
            if (zero[b]) {
                java.util.Arrays.fill(sigma, b * d * d, (b + 1) * d * d, 0f);
            }
        }
        float[] g = Samples.gradOut(c, rnd);
        Calls.Fwd f = Calls.sqrtForward(ctx.op, c, sigma, rnd);
        float[] gs = Calls.sqrtBackward(ctx.op, c, f, g, rnd);
        for (int b = 0; b < c.batch(); b++) {
            if (zero[b]) {
                requireZero("sqrtForward", c, b, f.out, b * per, per);
                requireZero("sqrtBackward", c, b, gs, b * d * d, d * d);
            } else {
                double[] s = Dense.toDouble(sigma, b * d * d, d * d);
                ctx.check("C vs sqrtSpectral beside a zero-trace sample", c, b,
                        Ctx.relErr(f.sample(b, per), Samples.inLayout(c, ReferenceMath.sqrtSpectral(s, d, c.k()))),
                        ctx.tol.sqrtForward(d, c.k()));
                ctx.check("dL/dSigma vs sqrtBackwardSpectral beside a zero-trace sample", c, b,
                        Ctx.relErr(Dense.toDouble(gs, b * d * d, d * d),
                                ReferenceMath.sqrtBackwardSpectral(s, d, c.k(), Samples.fullGradient(c, g, b))),
                        ctx.tol.sqrtBackward(d, c.k()));
            }
        }
        Calls.close(f.handle);
    }
}
