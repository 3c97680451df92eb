package org.isqrt4j.properties;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.FiniteDifferences;
import org.isqrt4j.testsupport.RandomData;

/**
 * Properties of the root options (inverse root, Frobenius pre-normalisation, eps) and of ZCA whitening, against
 * the float64 {@link ReferenceMath} (spectral Z_K = V z_K(L) V^T and its Daleckii-Krein backward, the exact inverse
 * root) and against central differences of the plain float64 iteration. Each case draws its options from its seed
 * ({@link #variant}), so a printed {@link Case} still reproduces a failure.
 */
final class RootChecks {
    private RootChecks() {
    }

    /**
     * The options of a case: root, pre-normalisation and eps from bits of its seed. eps, when set, is 1% of the
     * case's typical eigenvalue (10^(2 scaleExp)), as IterNorm's eps is small against the data; an inverse root of
     * a one-position layer case always gets it.
     */
    static SqrtOptions variant(Case c, boolean inverse) {
        long s = c.seed();
        SqrtOptions o = c.options()
                .withRoot(inverse || (s & 1) != 0 ? SqrtOptions.Root.INV_SQRT : SqrtOptions.Root.SQRT)
                .withNormalisation((s & 2) != 0 ? SqrtOptions.Normalisation.FROBENIUS : SqrtOptions.Normalisation.TRACE);
        // n = 1 centres to zero: the inverse root of Sigma = 0 exists only with eps > 0.
        if ((s & 4) != 0 || (o.root() == SqrtOptions.Root.INV_SQRT && c.n() == 1)) {
            o = o.withEpsilon(0.01 * Math.pow(10, 2 * c.scaleExp()));
        }
        // The seed's bits must not make every case plain: the default path is the suite's own business.
        if (o.isPlainSqrt()) {
            o = o.withNormalisation(SqrtOptions.Normalisation.FROBENIUS);
        }
        return o;
    }

    private static boolean inv(SqrtOptions o) {
        return o.root() == SqrtOptions.Root.INV_SQRT;
    }

    static double forwardBound(Ctx ctx, SqrtOptions o, int d, int k) {
        return inv(o) ? ctx.tol.invSqrtForward(d, k) : ctx.tol.sqrtForward(d, k);
    }

    static double backwardBound(Ctx ctx, SqrtOptions o, int d, int k) {
        return inv(o) ? ctx.tol.invSqrtBackward(d, k) : ctx.tol.sqrtBackward(d, k);
    }

    // ------------------------------------------------------------------------------------------ guarded calls

    static Calls.Fwd sqrtForward(MatrixSqrtOp op, Case c, SqrtOptions o, float[] sigma, SplittableRandom rnd) {
        Slot in = Slot.input("sigma", sigma, rnd);
        Slot out = Slot.output("out", c.batch() * o.layout().elements(c.d()), rnd);
        ForwardHandle h = op.sqrtForward(c.batch(), c.d(), o, in.array, in.off, out.array, out.off);
        in.verify("sqrtForward");
        out.verify("sqrtForward");
        checkHandle(h, ForwardHandle.Stage.SQRT, c, o, 0, out);
        float[] result = out.data();
        Arrays.fill(in.array, Float.NaN);
        Arrays.fill(out.array, Float.NaN);
        return new Calls.Fwd(h, in, result);
    }

    static Calls.Fwd layerForward(MatrixSqrtOp op, Case c, SqrtOptions o, float[] x, SplittableRandom rnd) {
        Slot in = Slot.input("x", x, rnd);
        Slot out = Slot.output("out", c.batch() * o.layout().elements(c.d()), rnd);
        ForwardHandle h = op.forward(c.batch(), c.d(), c.n(), o, in.array, in.off, out.array, out.off);
        in.verify("forward");
        out.verify("forward");
        checkHandle(h, ForwardHandle.Stage.LAYER, c, o, c.n(), out);
        float[] result = out.data();
        Arrays.fill(out.array, Float.NaN);
        return new Calls.Fwd(h, in, result);
    }

    static Calls.Fwd whitenForward(MatrixSqrtOp op, Case c, SqrtOptions o, float[] x, SplittableRandom rnd) {
        Slot in = Slot.input("x", x, rnd);
        Slot out = Slot.output("out", x.length, rnd);
        ForwardHandle h = op.whitenForward(c.batch(), c.d(), c.n(), o, in.array, in.off, out.array, out.off);
        in.verify("whitenForward");
        out.verify("whitenForward");
        checkHandle(h, ForwardHandle.Stage.WHITEN, c, o, c.n(), out);
        float[] result = out.data();
        Arrays.fill(out.array, Float.NaN);
        return new Calls.Fwd(h, in, result);
    }

    static float[] sqrtBackward(MatrixSqrtOp op, Case c, Calls.Fwd f, float[] g, SplittableRandom rnd) {
        Slot gs = Slot.input("gradOut", g, rnd);
        Slot out = Slot.output("gradSigma", c.batch() * c.d() * c.d(), rnd);
        op.sqrtBackward(f.handle, gs.array, gs.off, out.array, out.off);
        gs.verify("sqrtBackward");
        out.verify("sqrtBackward");
        return out.data();
    }

    static float[] layerBackward(MatrixSqrtOp op, Case c, Calls.Fwd f, float[] g, SplittableRandom rnd) {
        Slot gs = Slot.input("gradOut", g, rnd);
        Slot out = Slot.output("gradX", c.batch() * c.d() * c.n(), rnd);
        op.backward(f.handle, gs.array, gs.off, out.array, out.off);
        f.in.verify("backward (the saved x)");
        gs.verify("backward");
        out.verify("backward");
        return out.data();
    }

    static float[] whitenBackward(MatrixSqrtOp op, Case c, Calls.Fwd f, float[] g, SplittableRandom rnd) {
        Slot gs = Slot.input("gradOut", g, rnd);
        Slot out = Slot.output("gradX", c.batch() * c.d() * c.n(), rnd);
        op.whitenBackward(f.handle, gs.array, gs.off, out.array, out.off);
        f.in.verify("whitenBackward (the saved x)");
        gs.verify("whitenBackward");
        out.verify("whitenBackward");
        return out.data();
    }

    private static void checkHandle(ForwardHandle h, ForwardHandle.Stage stage, Case c, SqrtOptions o, int n, Slot out) {
        Calls.require(h != null, stage + " forward returned a null handle");
        Calls.require(h.stage() == stage, stage + " handle " + h + ": stage " + h.stage());
        Calls.require(h.batch() == c.batch() && h.d() == c.d() && h.n() == n, stage + " handle " + h + ": shape");
        Calls.require(o.equals(h.options()), stage + " handle " + h + ": options " + h.options() + " != " + o);
        Calls.require(h.output() == out.array && h.outputOffset() == out.off, stage + " handle " + h + ": output");
    }

    /** G in o's layout: a case's gradient generator with the case's layout replaced by o's. */
    private static float[] gradOut(Case c, SqrtOptions o, SplittableRandom rnd) {
        return Samples.gradOut(c.withLayout(o.layout()), rnd);
    }

    private static double[] full(Case c, SqrtOptions o, float[] g, int b) {
        return Samples.fullGradient(c.withLayout(o.layout()), g, b);
    }

    private static double[] inLayout(Case c, SqrtOptions o, double[] fullC) {
        return Samples.inLayout(c.withLayout(o.layout()), fullC);
    }

    // ------------------------------------------------------------------------------------------ forward

    /** sqrtForward with options == ReferenceMath.rootSpectral (sqrt(nu) p_K or z_K / sqrt(nu), both normalisations). */
    static void sqrtMatchesSpectral(Ctx ctx, Case c) {
        SqrtOptions o = variant(c, false);
        SplittableRandom rnd = Samples.random(c);
        float[] sigma = Samples.sigma(c, rnd);
        int d = c.d();
        int per = o.layout().elements(d);
        Calls.Fwd f = sqrtForward(ctx.op, c, o, sigma, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] s = Dense.toDouble(sigma, b * d * d, d * d);
            double[] expected = inLayout(c, o, ReferenceMath.rootSpectral(s, d, o));
            ctx.check("C vs rootSpectral " + o.root() + " " + o.normalisation(), c, b,
                    Ctx.relErr(f.sample(b, per), expected), forwardBound(ctx, o, d, c.k()));
        }
        Calls.close(f.handle);
    }

    /**
     * With K 20..30 on well-conditioned Sigma the inverse root has converged: == ReferenceMath.invSqrtExact of
     * Sigma + eps I, within the converged bound plus what K iterations leave undone (computed in float64).
     */
    static void inverseConvergesToExact(Ctx ctx, Case c) {
        SqrtOptions o = variant(c, true);
        SplittableRandom rnd = Samples.random(c);
        float[] sigma = Samples.sigma(c, rnd);
        int d = c.d();
        int per = o.layout().elements(d);
        Calls.Fwd f = sqrtForward(ctx.op, c, o, sigma, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] s = Dense.toDouble(sigma, b * d * d, d * d);
            double[] exact = ReferenceMath.invSqrtExact(ReferenceMath.regularised(s, d, o.epsilon()), d);
            double truncation = Ctx.relErr(ReferenceMath.rootSpectral(s, d, o), exact);
            ctx.check("C vs invSqrtExact", c, b, Ctx.relErr(f.sample(b, per), inLayout(c, o, exact)),
                    ctx.tol.sqrtConverged(d) + truncation);
        }
        Calls.close(f.handle);
    }

    /** forward (whole layer) with options == ReferenceMath.layerForward(x, options). */
    static void layerMatchesReference(Ctx ctx, Case c) {
        SqrtOptions o = variant(c, false);
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        int d = c.d();
        int n = c.n();
        int per = o.layout().elements(d);
        Calls.Fwd f = layerForward(ctx.op, c, o, x, rnd);
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * d * n, d * n);
            double[] expected = inLayout(c, o, ReferenceMath.layerForward(xs, d, n, o));
            ctx.check("C vs layerForward " + o.root() + " " + o.normalisation(), c, b,
                    Ctx.relErr(f.sample(b, per), expected), forwardBound(ctx, o, d, c.k()) + ctx.tol.covariance(d, n));
        }
        Calls.close(f.handle);
    }

    /**
     * Scale law of the inverse root: C(a Sigma; a eps) = a^(-1/2) C(Sigma; eps) for a = 10^u, u in [-1, 1].
     * Both sides are within the forward bound of their truths, and a Sigma was rounded to float32 again.
     */
    static void inverseScaleLaw(Ctx ctx, Case c) {
        SqrtOptions o = variant(c, true);
        SplittableRandom rnd = Samples.random(c);
        float[] sigma = Samples.sigma(c, rnd);
        double a = Math.pow(10, 2 * rnd.nextDouble() - 1);
        float[] scaled = new float[sigma.length];
        for (int i = 0; i < sigma.length; i++) {
            scaled[i] = (float) (a * sigma[i]);
        }
        SqrtOptions oa = o.withEpsilon(a * o.epsilon());
        int d = c.d();
        int per = o.layout().elements(d);
        Calls.Fwd f = sqrtForward(ctx.op, c, o, sigma, rnd);
        Calls.Fwd fa = sqrtForward(ctx.op, c, oa, scaled, rnd);
        double bound = 2 * forwardBound(ctx, o, d, c.k()) + ctx.tol.inputRounding(c.k(), 0);
        for (int b = 0; b < c.batch(); b++) {
            ctx.check("C(a Sigma) vs a^-1/2 C(Sigma)", c, b,
                    Ctx.relErr(Dense.scale(fa.sample(b, per), Math.sqrt(a)), f.sample(b, per)), bound);
        }
        Calls.close(f.handle);
        Calls.close(fa.handle);
    }

    // ------------------------------------------------------------------------------------------ backward

    /**
     * sqrtBackward with options == ReferenceMath.rootBackwardSpectral, and == central differences of
     * &lt;G, rootIterative(Sigma)&gt; along a Gaussian direction, the claimed gradient g and g^T (non-symmetric G).
     */
    static void sqrtBackwardMatches(Ctx ctx, Case c0) {
        Case c = asymmetricG(c0);
        SqrtOptions o = variant(c, false);
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        float[] sigma = Samples.sigma(c, rnd);
        Calls.Fwd f = sqrtForward(ctx.op, c, o, sigma, rnd);
        float[] g = gradOut(c, o, rnd);
        float[] gs = sqrtBackward(ctx.op, c, f, g, rnd);
        double tol = backwardBound(ctx, o, d, c.k());
        for (int b = 0; b < c.batch(); b++) {
            double[] s = Dense.toDouble(sigma, b * d * d, d * d);
            double[] expected = ReferenceMath.rootBackwardSpectral(s, d, o, full(c, o, g, b));
            ctx.check("dL/dSigma vs rootBackwardSpectral " + o.root() + " " + o.normalisation(), c, b,
                    Ctx.relErr(Dense.toDouble(gs, b * d * d, d * d), expected), tol);
        }
        int b = rnd.nextInt(c.batch());
        double[] s = Dense.toDouble(sigma, b * d * d, d * d);
        double[] gFull = full(c, o, g, b);
        double[] claimed = Dense.toDouble(gs, b * d * d, d * d);
        double fScale = ErrorNorms.norm(gFull) * ErrorNorms.norm(ReferenceMath.rootIterative(s, d, o));
        directions(ctx, c, b, "root", p -> Dense.dot(gFull, ReferenceMath.rootIterative(p, d, o)), s, claimed,
                new double[][] {RandomData.gaussian(rnd, d * d), claimed, Dense.transpose(claimed, d, d)}, fScale, tol);
        Calls.close(f.handle);
    }

    /** backward (whole layer) with options == ReferenceMath.layerBackward and central differences of it. */
    static void layerBackwardMatches(Ctx ctx, Case c0) {
        Case c = asymmetricG(c0);
        SqrtOptions o = variant(c, false);
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        float[] x = Samples.x(c, rnd);
        Calls.Fwd f = layerForward(ctx.op, c, o, x, rnd);
        float[] g = gradOut(c, o, rnd);
        float[] gx = layerBackward(ctx.op, c, f, g, rnd);
        double tol = backwardBound(ctx, o, d, c.k()) + ctx.tol.covarianceBackward(d, n, c.offset());
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * d * n, d * n);
            double[] expected = ReferenceMath.layerBackward(xs, d, n, o, full(c, o, g, b));
            ctx.check("dL/dX vs layerBackward " + o.root() + " " + o.normalisation(), c, b,
                    Ctx.relErr(Dense.toDouble(gx, b * d * n, d * n), expected), tol);
        }
        int b = rnd.nextInt(c.batch());
        double[] xs = Dense.toDouble(x, b * d * n, d * n);
        double[] gFull = full(c, o, g, b);
        double[] claimed = Dense.toDouble(gx, b * d * n, d * n);
        double fScale = ErrorNorms.norm(gFull) * ErrorNorms.norm(ReferenceMath.layerForward(xs, d, n, o));
        directions(ctx, c, b, "layer", p -> Dense.dot(gFull, ReferenceMath.layerForward(p, d, n, o)), xs, claimed,
                new double[][] {RandomData.gaussian(rnd, d * n), claimed}, fScale, tol);
        Calls.close(f.handle);
    }

    // ------------------------------------------------------------------------------------------ whitening

    /** The whitening options of a case: INV_SQRT, FULL, the case's normalisation and eps bits. */
    static SqrtOptions whitening(Case c) {
        return variant(c, true).withLayout(OutputLayout.FULL);
    }

    /**
     * whitenForward == ReferenceMath.whitenForward, and W(sX) == sign(s) W(X) (eps scaled by s^2) for
     * s = +-10^u: the inverse root's bound plus the covariance's, twice plus input rounding for the invariance.
     */
    static void whitenMatchesReference(Ctx ctx, Case c) {
        SqrtOptions o = whitening(c);
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        int dn = d * n;
        float[] x = Samples.x(c, rnd);
        Calls.Fwd f = whitenForward(ctx.op, c, o, x, rnd);
        double bound = ctx.tol.invSqrtForward(d, c.k()) + ctx.tol.covariance(d, n);
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * dn, dn);
            ctx.check("W vs whitenForward " + o.normalisation(), c, b,
                    Ctx.relErr(f.sample(b, dn), ReferenceMath.whitenForward(xs, d, n, o)), bound);
        }
        double s = (rnd.nextBoolean() ? -1 : 1) * Math.pow(10, 2 * rnd.nextDouble() - 1);
        float[] xsc = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            xsc[i] = (float) (s * x[i]);
        }
        Calls.Fwd fs = whitenForward(ctx.op, c, o.withEpsilon(s * s * o.epsilon()), xsc, rnd);
        double ib = 2 * bound + ctx.tol.inputRounding(c.k(), c.offset());
        for (int b = 0; b < c.batch(); b++) {
            ctx.check("W(sX) vs sign(s) W(X)", c, b,
                    Ctx.relErr(Dense.scale(fs.sample(b, dn), Math.signum(s)), f.sample(b, dn)), ib);
        }
        Calls.close(f.handle);
        Calls.close(fs.handle);
    }

    /**
     * With K 21..28 (the case's K + 20), eps = 0 and full-rank, well-conditioned input (n &gt; d), W W^T / n == I: the converged
     * bound (in d) plus the float64 truncation of K iterations plus the covariance's rounding.
     */
    static void whitenedIsIdentity(Ctx ctx, Case c0) {
        Case c = new Case(c0.batch(), c0.d(), Math.max(c0.n(), c0.d() + 2), c0.k() + 20, OutputLayout.FULL,
                Spectrum.WELL, c0.scaleExp(), c0.offset(), false, c0.seed());
        SqrtOptions o = SqrtOptions.of(c.k(), OutputLayout.FULL).withRoot(SqrtOptions.Root.INV_SQRT)
                .withNormalisation((c.seed() & 2) != 0 ? SqrtOptions.Normalisation.FROBENIUS
                        : SqrtOptions.Normalisation.TRACE);
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        int dn = d * n;
        float[] x = Samples.x(c, rnd);
        Calls.Fwd f = whitenForward(ctx.op, c, o, x, rnd);
        double[] eye = new double[d * d];
        for (int i = 0; i < d; i++) {
            eye[i * d + i] = 1;
        }
        for (int b = 0; b < c.batch(); b++) {
            double[] w = f.sample(b, dn);
            double[] wwt = Dense.scale(Dense.mul(w, Dense.transpose(w, d, n), d, n, d), 1.0 / n);
            double[] wr = ReferenceMath.whitenForward(Dense.toDouble(x, b * dn, dn), d, n, o);
            double truncation = Ctx.relErr(Dense.scale(Dense.mul(wr, Dense.transpose(wr, d, n), d, n, d), 1.0 / n), eye);
            ctx.check("W W^T / n vs I", c, b, Ctx.relErr(wwt, eye),
                    2 * (ctx.tol.sqrtConverged(d) + ctx.tol.covariance(d, n)) * (1 + c.offset()) + truncation);
        }
        Calls.close(f.handle);
    }

    /** whitenBackward == ReferenceMath.whitenBackward and central differences of &lt;G, whitenForward(X)&gt;. */
    static void whitenBackwardMatches(Ctx ctx, Case c) {
        SqrtOptions o = whitening(c);
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        int dn = d * n;
        float[] x = Samples.x(c, rnd);
        Calls.Fwd f = whitenForward(ctx.op, c, o, x, rnd);
        float[] g = Samples.gaussianFloats(rnd, x.length);
        float[] gx = whitenBackward(ctx.op, c, f, g, rnd);
        float[] again = whitenBackward(ctx.op, c, f, g, rnd);
        double tol = ctx.tol.invSqrtBackward(d, c.k()) + ctx.tol.covarianceBackward(d, n, c.offset());
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = Dense.toDouble(x, b * dn, dn);
            double[] gb = Dense.toDouble(g, b * dn, dn);
            double[] expected = ReferenceMath.whitenBackward(xs, d, n, o, gb);
            // The direct term C^T G and the term through Sigma cancel where W hardly depends on X (for d = 1, W is
            // scale-free and its gradient vanishes): errors are relative to the larger of the result and C^T G.
            double[] cm = ReferenceMath.rootSpectral(ReferenceMath.covariance(xs, d, n), d, o);
            double ref = Math.max(ErrorNorms.norm(expected), ErrorNorms.norm(Dense.mul(Dense.transpose(cm, d, d), gb, d, d, n)));
            ctx.check("dL/dX vs whitenBackward " + o.normalisation(), c, b,
                    ErrorNorms.normDiff(Dense.toDouble(gx, b * dn, dn), expected) / ref, tol);
            ctx.check("second whitenBackward on the handle", c, b,
                    ErrorNorms.normDiff(Dense.toDouble(again, b * dn, dn), expected) / ref, tol);
        }
        int b = rnd.nextInt(c.batch());
        double[] xs = Dense.toDouble(x, b * dn, dn);
        double[] gb = Dense.toDouble(g, b * dn, dn);
        double[] claimed = Dense.toDouble(gx, b * dn, dn);
        double fScale = ErrorNorms.norm(gb) * ErrorNorms.norm(ReferenceMath.whitenForward(xs, d, n, o));
        double[] cm = ReferenceMath.rootSpectral(ReferenceMath.covariance(xs, d, n), d, o);
        double gScale = Math.max(ErrorNorms.norm(claimed), ErrorNorms.norm(Dense.mul(Dense.transpose(cm, d, d), gb, d, d, n)));
        directions(ctx, c, b, "whiten", p -> Dense.dot(gb, ReferenceMath.whitenForward(p, d, n, o)), xs, claimed,
                new double[][] {RandomData.gaussian(rnd, dn), claimed}, fScale, tol, gScale);
        Calls.close(f.handle);
    }

    // ------------------------------------------------------------------------------------------ edges and errors

    /**
     * Constant features with eps &gt; 0: the inverse root of eps I is finite, W = 0 exactly, and the gradients
     * are finite and match the reference; with eps = 0 the inverse root of 0 is rejected naming the sample.
     */
    static void constantFeatures(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int d = c.d();
        int n = c.n();
        float[] x = new float[c.batch() * d * n];
        for (int b = 0; b < c.batch(); b++) {
            for (int i = 0; i < d; i++) {
                float v = rnd.nextInt(7) - 3;
                Arrays.fill(x, (b * d + i) * n, (b * d + i + 1) * n, v);
            }
        }
        SqrtOptions o = whitening(c).withEpsilon(0.5);
        Calls.Fwd f = whitenForward(ctx.op, c, o, x, rnd);
        for (int i = 0; i < f.out.length; i++) {
            Calls.require(f.out[i] == 0f, "W of constant features is not 0 at " + i + ": " + f.out[i]);
        }
        float[] g = Samples.gaussianFloats(rnd, x.length);
        float[] gx = whitenBackward(ctx.op, c, f, g, rnd);
        int dn = d * n;
        for (int b = 0; b < c.batch(); b++) {
            double[] expected = ReferenceMath.whitenBackward(Dense.toDouble(x, b * dn, dn), d, n, o,
                    Dense.toDouble(g, b * dn, dn));
            ctx.check("dL/dX of constant features vs whitenBackward", c, b,
                    Ctx.relErr(Dense.toDouble(gx, b * dn, dn), expected),
                    ctx.tol.invSqrtBackward(d, c.k()) + ctx.tol.covarianceBackward(d, n, 0));
        }
        Calls.close(f.handle);
        SqrtOptions o0 = o.withEpsilon(0);
        expectRejected("whitenForward of constant features with eps = 0", "eps",
                () -> ctx.op.whitenForward(c.batch(), d, n, o0, x, 0, new float[x.length], 0));
        expectRejected("inverse-root forward of constant features with eps = 0", "eps",
                () -> ctx.op.forward(c.batch(), d, n, o0, x, 0, new float[c.batch() * d * d], 0));
        expectRejected("inverse root of a zero Sigma with eps = 0", "",
                () -> ctx.op.sqrtForward(c.batch(), d, o0, new float[c.batch() * d * d], 0,
                        new float[c.batch() * d * d], 0));
    }

    /** Every bad option or whitening argument has its own IllegalArgumentException (or IllegalStateException). */
    static void badArguments(Ctx ctx, Case c) {
        MatrixSqrtOp op = ctx.op;
        int d = c.d();
        int n = c.n();
        int bt = c.batch();
        SplittableRandom rnd = Samples.random(c);
        float[] x = Samples.x(c, rnd);
        SqrtOptions w = whitening(c);
        for (double eps : new double[] {-1e-30, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            expectRejected("withEpsilon(" + eps + ")", "epsilon", () -> w.withEpsilon(eps));
        }
        expectRejected("withRoot(null)", "root", () -> w.withRoot(null));
        expectRejected("withNormalisation(null)", "normalisation", () -> w.withNormalisation(null));
        float[] out = new float[x.length];
        expectRejected("whitening with the SQRT root", "INV_SQRT",
                () -> op.whitenForward(bt, d, n, w.withRoot(SqrtOptions.Root.SQRT), x, 0, out, 0));
        expectRejected("whitening into TRIU", "FULL",
                () -> op.whitenForward(bt, d, n, w.withLayout(OutputLayout.TRIU), x, 0, out, 0));
        expectRejected("whitening with null options", "options", () -> op.whitenForward(bt, d, n, null, x, 0, out, 0));
        expectRejected("whitening a short x", "too short", () -> op.whitenForward(bt, d, n, w, new float[x.length - 1], 0, out, 0));
        expectRejected("whitening into a short out", "too short",
                () -> op.whitenForward(bt, d, n, w, x, 0, new float[x.length - 1], 0));
        expectRejected("whitening in place", "overlaps", () -> op.whitenForward(bt, d, n, w, x, 0, x, 0));
        expectRejected("whitening with d = 0", "dimensions", () -> op.whitenForward(bt, 0, n, w, x, 0, out, 0));
        float[] bad = x.clone();
        int at = rnd.nextInt(bad.length);
        bad[at] = Float.NaN;
        expectRejected("whitening NaN", "sample " + (at / (d * n)), () -> op.whitenForward(bt, d, n, w, bad, 0, out, 0));
        ForwardHandle h = op.whitenForward(bt, d, n, w, x, 0, out, 0);
        float[] g = Samples.gaussianFloats(rnd, x.length);
        expectRejected("whitenBackward with a short gradient", "too short",
                () -> op.whitenBackward(h, new float[x.length - 1], 0, new float[x.length], 0));
        expectRejected("whitenBackward in place", "overlaps", () -> op.whitenBackward(h, g, 0, g, 0));
        float[] gbad = g.clone();
        gbad[at] = Float.POSITIVE_INFINITY;
        expectRejected("whitenBackward with infinity", "sample " + (at / (d * n)),
                () -> op.whitenBackward(h, gbad, 0, new float[x.length], 0));
        expectRejected("backward of a WHITEN handle", "WHITEN", () -> op.backward(h, new float[bt * d * d], 0,
                new float[x.length], 0));
        expectRejected("sqrtBackward of a WHITEN handle", "WHITEN", () -> op.sqrtBackward(h, new float[bt * d * d], 0,
                new float[bt * d * d], 0));
        ForwardHandle layer = op.forward(bt, d, n, SqrtOptions.of(c.k(), OutputLayout.FULL), x, 0,
                new float[bt * d * d], 0);
        expectRejected("whitenBackward of a LAYER handle", "LAYER",
                () -> op.whitenBackward(layer, g, 0, new float[x.length], 0));
        expectRejected("whitenBackward of a null handle", "handle", () -> op.whitenBackward(null, g, 0, new float[x.length], 0));
        MatrixSqrtOp other = ctx.second();
        expectRejected("whitenBackward of another op's handle", "not made by this op",
                () -> other.whitenBackward(h, g, 0, new float[x.length], 0));
        h.close();
        layer.close();
        try {
            op.whitenBackward(h, g, 0, new float[x.length], 0);
            throw new AssertionError("whitenBackward of a closed handle was accepted");
        } catch (IllegalStateException expected) {
            Calls.require(expected.getMessage() != null && expected.getMessage().contains("closed"),
                    "closed handle: unclear message " + expected.getMessage());
        }
    }

    static void expectRejected(String what, String mention, Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            Calls.require(e.getMessage() != null && e.getMessage().contains(mention),
                    what + ": message '" + e.getMessage() + "' does not mention '" + mention + "'");
            return;
        }
        throw new AssertionError(what + " was accepted");
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static Case asymmetricG(Case c) {
        return new Case(c.batch(), c.d(), c.n(), c.k(), c.layout(), c.spectrum(), c.scaleExp(), c.offset(), false,
                c.seed());
    }

    /** As BackwardChecks: |&lt;g, E&gt; - dL[E]| &lt;= tol ||g|| ||E|| (1 + tol) + the quotient's own error. */
    private static void directions(Ctx ctx, Case c, int b, String what, java.util.function.ToDoubleFunction<double[]> loss,
                                   double[] point, double[] claimed, double[][] dirs, double fScale, double tol) {
        directions(ctx, c, b, what, loss, point, claimed, dirs, fScale, tol, ErrorNorms.norm(claimed));
    }

    /** The same with the gradient's scale given (where the true gradient may cancel to almost 0). */
    private static void directions(Ctx ctx, Case c, int b, String what, java.util.function.ToDoubleFunction<double[]> loss,
                                   double[] point, double[] claimed, double[][] dirs, double fScale, double tol,
                                   double gNorm) {
        String[] names = {"gaussian E", "E = g", "E = g^T"};
        for (int i = 0; i < dirs.length; i++) {
            double[] e = dirs[i];
            double eNorm = ErrorNorms.norm(e);
            if (eNorm == 0) {
                continue;
            }
            FiniteDifferences.Result fd = FiniteDifferences.directional(loss, point, e, fScale);
            double err = Math.abs(Dense.dot(claimed, e) - fd.value);
            double scale = gNorm * eNorm;
            double bound = tol * scale * (1 + tol) + fd.error;
            double norm = scale > 0 ? scale : Math.max(fd.error, Double.MIN_NORMAL);
            ctx.check(what + " <g,E> vs finite difference (" + names[i] + ")", c, b, err / norm, bound / norm);
        }
    }
}
