package org.isqrt4j.properties;

import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;

/** Forward values against the float64 reference, and structural facts about the output. */
final class ForwardChecks {
    private ForwardChecks() {
    }

    /** sqrtForward == sqrt(tau) V p_K(L/tau) V^T (spectral Newton-Schulz, exact for the finite K). */
    static void sqrtMatchesSpectral(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        float[] sigma = Samples.sigma(c, rnd);
        int d = c.d();
        Calls.Fwd f = Calls.sqrtForward(ctx.op, c, sigma, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] s = Dense.toDouble(sigma, b * d * d, d * d);
            double[] expected = Samples.inLayout(c, ReferenceMath.sqrtSpectral(s, d, c.k()));
            ctx.check("C vs sqrtSpectral", c, b, Ctx.relErr(f.sample(b, c.outPerSample()), expected),
                    ctx.tol.sqrtForward(d, c.k()));
        }
        Calls.close(f.handle);
    }

    /** With K &gt;= 20 on well-conditioned Sigma the iteration has converged: sqrtForward == the true square root. */
    static void sqrtConvergesToExact(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        float[] sigma = Samples.sigma(c, rnd);
        int d = c.d();
        Calls.Fwd f = Calls.sqrtForward(ctx.op, c, sigma, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] s = Dense.toDouble(sigma, b * d * d, d * d);
            double[] exact = ReferenceMath.sqrtExact(s, d);
            // What K iterations leave undone, in float64: tiny here (lambda_min(A) >= 1/(10 d) converges by K ~ 15).
            double truncation = Ctx.relErr(ReferenceMath.sqrtSpectral(s, d, c.k()), exact);
            ctx.check("C vs sqrtExact", c, b, Ctx.relErr(f.sample(b, c.outPerSample()), Samples.inLayout(c, exact)),
                    ctx.tol.sqrtConverged(d) + truncation);
        }
        Calls.close(f.handle);
    }

    /** forward == ReferenceMath.layerForward: covariance and square root together. */
    static void layerMatchesReference(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        int d = c.d();
        int n = c.n();
        Calls.Fwd f = Calls.layerForward(ctx.op, c, x, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * d * n, d * n);
            double[] expected = Samples.inLayout(c, ReferenceMath.layerForward(xs, d, n, c.k()));
            ctx.check("C vs layerForward", c, b, Ctx.relErr(f.sample(b, c.outPerSample()), expected),
                    ctx.tol.layerForward(d, n, c.k()));
        }
        Calls.close(f.handle);
    }

    /** covariance == ReferenceMath.covariance. */
    static void covarianceMatchesReference(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        int d = c.d();
        int n = c.n();
        float[] sigma = Calls.covariance(ctx.op, c, x, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * d * n, d * n);
            ctx.check("Sigma vs covariance", c, b,
                    Ctx.relErr(Dense.toDouble(sigma, b * d * d, d * d), ReferenceMath.covariance(xs, d, n)),
                    ctx.tol.covariance(d, n));
        }
    }

    /**
     * FULL outputs of both forwards are symmetric: ||C - C^T|| / ||C|| &lt;= 2 * (forward bound), since C and C^T
     * are each within the forward bound of the same symmetric truth.
     */
    static void outputIsSymmetric(Ctx ctx, Case c) {
        Case full = c.withLayout(OutputLayout.FULL);
        SplittableRandom rnd = Samples.random(full);
        int d = c.d();
        float[] sigma = Samples.sigma(full, rnd);
        Calls.Fwd fs = Calls.sqrtForward(ctx.op, full, sigma, rnd);
        float[] x = Samples.x(full, rnd);
        Calls.Fwd fl = Calls.layerForward(ctx.op, full, x, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] cs = fs.sample(b, d * d);
            ctx.check("sqrt: C vs C^T", full, b, Ctx.relErr(Dense.transpose(cs, d, d), cs),
                    2 * ctx.tol.sqrtForward(d, c.k()));
            double[] cl = fl.sample(b, d * d);
            ctx.check("layer: C vs C^T", full, b, Ctx.relErr(Dense.transpose(cl, d, d), cl),
                    2 * ctx.tol.layerForward(d, c.n(), c.k()));
        }
        Calls.close(fs.handle);
        Calls.close(fl.handle);
    }
}
