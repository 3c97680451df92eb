package org.isqrt4j.properties;

import java.util.SplittableRandom;

import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.FiniteDifferences;
import org.isqrt4j.testsupport.RandomData;

/**
 * Gradients against the float64 reference and against finite differences of float64 forwards. The
 * finite-difference checks use non-symmetric incoming gradients: the backward must be the gradient of what the
 * forward computes in every direction, not only the symmetric ones.
 */
final class BackwardChecks {
    private BackwardChecks() {
    }

    /** sqrtBackward == ReferenceMath.sqrtBackwardSpectral (Daleckii-Krein with the trace terms), G symmetric or not. */
    static void sqrtMatchesReference(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        float[] sigma = Samples.sigma(c, rnd);
        Calls.Fwd f = Calls.sqrtForward(ctx.op, c, sigma, rnd);
        float[] g = Samples.gradOut(c, rnd);
        float[] gs = Calls.sqrtBackward(ctx.op, c, f, g, rnd);
        // A handle serves any number of backwards.
        float[] again = Calls.sqrtBackward(ctx.op, c, f, g, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] s = Dense.toDouble(sigma, b * d * d, d * d);
            double[] expected = ReferenceMath.sqrtBackwardSpectral(s, d, c.k(), Samples.fullGradient(c, g, b));
            double bound = ctx.tol.sqrtBackward(d, c.k());
            ctx.check("dL/dSigma vs sqrtBackwardSpectral", c, b,
                    Ctx.relErr(Dense.toDouble(gs, b * d * d, d * d), expected), bound);
            ctx.check("second backward on the handle", c, b,
                    Ctx.relErr(Dense.toDouble(again, b * d * d, d * d), expected), bound);
        }
        Calls.close(f.handle);
    }

    /** backward == ReferenceMath.layerBackward. */
    static void layerMatchesReference(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        float[] x = Samples.x(c, rnd);
        Calls.Fwd f = Calls.layerForward(ctx.op, c, x, rnd);
        float[] g = Samples.gradOut(c, rnd);
        float[] gx = Calls.layerBackward(ctx.op, c, f, g, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * d * n, d * n);
            double[] expected = ReferenceMath.layerBackward(xs, d, n, c.k(), Samples.fullGradient(c, g, b));
            ctx.check("dL/dX vs layerBackward", c, b, Ctx.relErr(Dense.toDouble(gx, b * d * n, d * n), expected),
                    ctx.tol.layerBackward(d, n, c.k(), c.offset()));
        }
        Calls.close(f.handle);
    }

    /** covarianceBackward == ReferenceMath.covarianceBackward for a non-symmetric dL/dSigma. */
    static void covarianceBackwardMatchesReference(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        float[] x = Samples.x(c, rnd);
        float[] gSigma = Samples.gaussianFloats(rnd, c.batch() * d * d);
        float[] gx = Calls.covarianceBackward(ctx.op, c, x, gSigma, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * d * n, d * n);
            double[] expected = ReferenceMath.covarianceBackward(xs, d, n, Dense.toDouble(gSigma, b * d * d, d * d));
            ctx.check("dL/dX vs covarianceBackward", c, b, Ctx.relErr(Dense.toDouble(gx, b * d * n, d * n), expected),
                    ctx.tol.covarianceBackward(d, n, c.offset()));
        }
    }

    /**
     * The square-root gradient against central differences of L(Sigma) = &lt;G, sqrtIterative(Sigma)&gt; in
     * float64, for a non-symmetric G and non-symmetric directions (the iteration is a polynomial in Sigma, so any
     * direction is meaningful). Directions: a Gaussian one, the claimed gradient g (catches a wrong scale) and
     * g^T (catches a transposed gradient, the known peer bug, which a symmetric G hides).
     * Bound: |&lt;g, E&gt; - dL[E]| &lt;= tol ||g|| ||E|| (1 + tol) + FD error, by Cauchy-Schwarz on g - g_true.
     */
    static void sqrtMatchesFiniteDifferences(Ctx ctx, Case c0) {
        Case c = new Case(c0.batch(), c0.d(), c0.n(), c0.k(), c0.layout(), c0.spectrum(), c0.scaleExp(), c0.offset(),
                false, c0.seed());
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        float[] sigma = Samples.sigma(c, rnd);
        Calls.Fwd f = Calls.sqrtForward(ctx.op, c, sigma, rnd);
        float[] g = Samples.gradOut(c, rnd);
        float[] gs = Calls.sqrtBackward(ctx.op, c, f, g, rnd);
        int b = rnd.nextInt(c.batch()); // one sample: each quotient costs four float64 iterations
        double[] s = Dense.toDouble(sigma, b * d * d, d * d);
        double[] gFull = Samples.fullGradient(c, g, b);
        double[] claimed = Dense.toDouble(gs, b * d * d, d * d);
        double fScale = ErrorNorms.norm(gFull) * ErrorNorms.norm(ReferenceMath.sqrtIterative(s, d, c.k()));
        double tol = ctx.tol.sqrtBackward(d, c.k());
        checkDirections(ctx, c, b, "sqrt", p -> Dense.dot(gFull, ReferenceMath.sqrtIterative(p, d, c.k())), s, claimed,
                new double[][] {RandomData.gaussian(rnd, d * d), claimed, Dense.transpose(claimed, d, d)}, fScale, tol);
        Calls.close(f.handle);
    }

    /**
     * The layer gradient against central differences of L(X) = &lt;G, layerForward(X)&gt; in float64, for a
     * non-symmetric G (packed G for TRIU), along a Gaussian direction and the claimed gradient.
     */
    static void layerMatchesFiniteDifferences(Ctx ctx, Case c0) {
        Case c = new Case(c0.batch(), c0.d(), c0.n(), c0.k(), c0.layout(), c0.spectrum(), c0.scaleExp(), c0.offset(),
                false, c0.seed());
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        float[] x = Samples.x(c, rnd);
        Calls.Fwd f = Calls.layerForward(ctx.op, c, x, rnd);
        float[] g = Samples.gradOut(c, rnd);
        float[] gx = Calls.layerBackward(ctx.op, c, f, g, rnd);
        int b = rnd.nextInt(c.batch());
        double[] xs = Dense.toDouble(x, b * d * n, d * n);
        double[] gFull = Samples.fullGradient(c, g, b);
        double[] claimed = Dense.toDouble(gx, b * d * n, d * n);
        double fScale = ErrorNorms.norm(gFull) * ErrorNorms.norm(ReferenceMath.layerForward(xs, d, n, c.k()));
        double tol = ctx.tol.layerBackward(d, n, c.k(), c.offset());
        checkDirections(ctx, c, b, "layer", p -> Dense.dot(gFull, ReferenceMath.layerForward(p, d, n, c.k())), xs,
                claimed, new double[][] {RandomData.gaussian(rnd, d * n), claimed}, fScale, tol);
        Calls.close(f.handle);
    }

    private static void checkDirections(Ctx ctx, Case c, int b, String what,
                                        java.util.function.ToDoubleFunction<double[]> loss, double[] point,
                                        double[] claimed, double[][] directions, double fScale, double tol) {
        double gNorm = ErrorNorms.norm(claimed);
        String[] names = {"gaussian E", "E = g", "E = g^T"};
        for (int i = 0; i < directions.length; i++) {
            double[] e = directions[i];
            double eNorm = ErrorNorms.norm(e);
            if (eNorm == 0) {
                // g = 0 (n = 1, zero trace): only the Gaussian direction is informative, and it demands dL[E] = 0.
                continue;
            }
            FiniteDifferences.Result fd = FiniteDifferences.directional(loss, point, e, fScale);
            double err = Math.abs(Dense.dot(claimed, e) - fd.value);
            double scale = gNorm * eNorm;
            double bound = tol * scale * (1 + tol) + fd.error;
            // Reported relative to ||g|| ||E|| so that the logged numbers compare across cases.
            double norm = scale > 0 ? scale : Math.max(fd.error, Double.MIN_NORMAL);
            ctx.check(what + " <g,E> vs finite difference (" + names[i] + ")", c, b, err / norm, bound / norm);
        }
    }
}
