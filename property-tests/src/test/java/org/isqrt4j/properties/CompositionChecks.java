package org.isqrt4j.properties;

import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;

/**
 * The stages and layouts of one back-end agree with each other. Each pair is computed by the same back-end, and
 * each side is within its own bound of the same float64 truth, so the bounds are twice the single-side bounds.
 */
final class CompositionChecks {
    private CompositionChecks() {
    }

    /** TRIU forward output == the packed upper triangle of the FULL output, for the square root and the layer. */
    static void triuForwardIsPackedFull(Ctx ctx, Case c0) {
        Case full = c0.withLayout(OutputLayout.FULL);
        Case triu = c0.withLayout(OutputLayout.TRIU);
        SplittableRandom rnd = Samples.random(c0);
        int d = c0.d();
        int per = triu.outPerSample();
        float[] sigma = Samples.sigma(full, rnd);
        float[] x = Samples.x(full, rnd);
        Calls.Fwd sf = Calls.sqrtForward(ctx.op, full, sigma, rnd);
        Calls.Fwd st = Calls.sqrtForward(ctx.op, triu, sigma, rnd);
        Calls.Fwd lf = Calls.layerForward(ctx.op, full, x, rnd);
        Calls.Fwd lt = Calls.layerForward(ctx.op, triu, x, rnd);
        for (int b = 0; b < c0.batch(); b++) {
            ctx.check("sqrt: TRIU vs pack(FULL)", triu, b,
                    Ctx.relErr(st.sample(b, per), ReferenceMath.packTriu(sf.sample(b, d * d), d)),
                    2 * ctx.tol.sqrtForward(d, c0.k()));
            ctx.check("layer: TRIU vs pack(FULL)", triu, b,
                    Ctx.relErr(lt.sample(b, per), ReferenceMath.packTriu(lf.sample(b, d * d), d)),
                    2 * ctx.tol.layerForward(d, c0.n(), c0.k()));
        }
        for (Calls.Fwd f : new Calls.Fwd[] {sf, st, lf, lt}) {
            Calls.close(f.handle);
        }
    }

    /**
     * TRIU backward of a packed gradient g == FULL backward of unpack(g), the d x d matrix with g in the upper
     * triangle and zeros below: packing drops the lower triangle, so it receives no gradient.
     */
    static void triuBackwardIsFullBackwardOfUpper(Ctx ctx, Case c0) {
        Case full = c0.withLayout(OutputLayout.FULL);
        Case triu = c0.withLayout(OutputLayout.TRIU);
        SplittableRandom rnd = Samples.random(c0);
        int d = c0.d();
        int n = c0.n();
        int per = triu.outPerSample();
        float[] sigma = Samples.sigma(full, rnd);
        float[] x = Samples.x(full, rnd);
        float[] gPacked = Samples.gradOut(triu, rnd);
        float[] gUpper = new float[c0.batch() * d * d];
        for (int b = 0; b < c0.batch(); b++) {
            double[] u = ReferenceMath.unpackTriu(Dense.toDouble(gPacked, b * per, per), d);
            for (int i = 0; i < d * d; i++) {
                gUpper[b * d * d + i] = (float) u[i];
            }
        }
        Calls.Fwd sf = Calls.sqrtForward(ctx.op, full, sigma, rnd);
        Calls.Fwd st = Calls.sqrtForward(ctx.op, triu, sigma, rnd);
        float[] gsFull = Calls.sqrtBackward(ctx.op, full, sf, gUpper, rnd);
        float[] gsTriu = Calls.sqrtBackward(ctx.op, triu, st, gPacked, rnd);
        Calls.Fwd lf = Calls.layerForward(ctx.op, full, x, rnd);
        Calls.Fwd lt = Calls.layerForward(ctx.op, triu, x, rnd);
        float[] gxFull = Calls.layerBackward(ctx.op, full, lf, gUpper, rnd);
        float[] gxTriu = Calls.layerBackward(ctx.op, triu, lt, gPacked, rnd);
        for (int b = 0; b < c0.batch(); b++) {
            ctx.check("sqrt: TRIU backward vs FULL backward of upper(g)", triu, b,
                    Ctx.relErr(Dense.toDouble(gsTriu, b * d * d, d * d), Dense.toDouble(gsFull, b * d * d, d * d)),
                    2 * ctx.tol.sqrtBackward(d, c0.k()));
            ctx.check("layer: TRIU backward vs FULL backward of upper(g)", triu, b,
                    Ctx.relErr(Dense.toDouble(gxTriu, b * d * n, d * n), Dense.toDouble(gxFull, b * d * n, d * n)),
                    2 * ctx.tol.layerBackward(d, n, c0.k(), c0.offset()));
        }
        for (Calls.Fwd f : new Calls.Fwd[] {sf, st, lf, lt}) {
            Calls.close(f.handle);
        }
    }

    /**
     * forward(X) == sqrtForward(covariance(X)) and backward(G) == covarianceBackward(X, sqrtBackward(G)): the
     * fused layer is the composition of its stages.
     */
    static void layerIsComposition(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        int per = c.outPerSample();
        float[] x = Samples.x(c, rnd);
        float[] g = Samples.gradOut(c, rnd);
        Calls.Fwd layer = Calls.layerForward(ctx.op, c, x, rnd);
        float[] gxLayer = Calls.layerBackward(ctx.op, c, layer, g, rnd);
        float[] sigma = Calls.covariance(ctx.op, c, x, rnd);
        Calls.Fwd sq = Calls.sqrtForward(ctx.op, c, sigma.clone(), rnd);
        float[] gSigma = Calls.sqrtBackward(ctx.op, c, sq, g, rnd);
        float[] gxStaged = Calls.covarianceBackward(ctx.op, c, x, gSigma, rnd);
        // The staged path rounds Sigma (and dL/dSigma) to float32 between the stages; the fused one need not.
        double fwdBound = 2 * ctx.tol.layerForward(d, n, c.k()) + ctx.tol.inputRounding(c.k(), c.offset());
        double bwdBound = 2 * ctx.tol.layerBackward(d, n, c.k(), c.offset())
                + ctx.tol.gradientInputRounding(c.k(), c.offset());
        for (int b = 0; b < c.batch(); b++) {
            ctx.check("forward vs sqrtForward(covariance)", c, b, Ctx.relErr(layer.sample(b, per), sq.sample(b, per)),
                    fwdBound);
            ctx.check("backward vs covarianceBackward(sqrtBackward)", c, b,
                    Ctx.relErr(Dense.toDouble(gxLayer, b * d * n, d * n), Dense.toDouble(gxStaged, b * d * n, d * n)),
                    bwdBound);
        }
        Calls.close(layer.handle);
        Calls.close(sq.handle);
    }
}
