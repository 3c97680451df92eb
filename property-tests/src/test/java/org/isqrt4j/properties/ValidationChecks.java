package org.isqrt4j.properties;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * Every bad argument is rejected before anything is computed or written: IllegalArgumentException for bad
 * shapes, arrays, offsets, options, non-finite values (naming the sample) and foreign or wrong-stage handles;
 * IllegalStateException for closed handles and closed ops.
 */
final class ValidationChecks {
    private ValidationChecks() {
    }

    /** One call that must fail. */
    private static final class Attempt {
        final String name;
        final Class<? extends RuntimeException> expected;
        final Runnable call;
        final Slot[] outputs;
        final Pattern message;

        Attempt(String name, Class<? extends RuntimeException> expected, Runnable call, Pattern message, Slot... outputs) {
            this.name = name;
            this.expected = expected;
            this.call = call;
            this.outputs = outputs;
            this.message = message;
        }
    }

    private static Pattern sampleNamed(int b) {
        return Pattern.compile("(?is).*sample\\W{0,3}" + b + "(?!\\d).*");
    }

    private static Pattern sizesNamed(long needed, long offset, long actual) {
        String need = "\\b(" + needed + "|" + (needed + offset) + ")\\b";
        String act = "\\b" + actual + "\\b";
        return Pattern.compile("(?s)(.*" + need + ".*" + act + ".*|.*" + act + ".*" + need + ".*)");
    }

    private static final Pattern ANY = Pattern.compile("(?s).*");

    private static void run(Attempt a, Case c) {
        try {
            a.call.run();
        } catch (RuntimeException e) {
            if (!a.expected.isInstance(e)) {
                throw new AssertionError(a.name + ": expected " + a.expected.getSimpleName() + " but got " + e, e);
            }
            String m = String.valueOf(e.getMessage());
            if (!a.message.matcher(m).matches()) {
                throw new AssertionError(a.name + ": message \"" + m + "\" does not match " + a.message.pattern());
            }
            for (Slot s : a.outputs) {
                s.verifyUntouched(a.name);
            }
            return;
        }
        throw new AssertionError(a.name + ": no exception (expected " + a.expected.getSimpleName() + ")");
    }

    /** @return a copy with a non-finite value at a random element of sample b */
    private static float[] poisoned(float[] data, int per, int b, SplittableRandom rnd) {
        float[] p = data.clone();
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        p[b * per + rnd.nextInt(per)] = bad[rnd.nextInt(bad.length)];
        return p;
    }

    private static int badDim(SplittableRandom rnd) {
        return rnd.nextBoolean() ? 0 : -1 - rnd.nextInt(5);
    }

    /** All argument defects, on one case's shapes. */
    static void badArguments(Ctx ctx, Case c) {
        MatrixSqrtOp op = ctx.op;
        SplittableRandom rnd = Samples.random(c);
        int bb = c.batch();
        int d = c.d();
        int n = c.n();
        int per = c.outPerSample();
        SqrtOptions opts = c.options();
        float[] x = Samples.x(c, rnd);
        float[] sigma = Samples.sigma(c, rnd);
        float[] g = Samples.gradOut(c, rnd);
        float[] gSigma = Samples.gaussianFloats(rnd, bb * d * d);
        int nx = bb * d * n;
        int ns = bb * d * d;
        int no = bb * per;
        int sb = rnd.nextInt(bb); // the sample that gets the bad value

        // The undamaged calls must succeed, or every "rejected" below would prove nothing.
        op.covariance(bb, d, n, x, 0, new float[ns], 0);
        op.covarianceBackward(bb, d, n, x, 0, gSigma, 0, new float[nx], 0);
        ForwardHandle hs = op.sqrtForward(bb, d, opts, sigma, 0, new float[no], 0);
        op.sqrtBackward(hs, g, 0, new float[ns], 0);
        ForwardHandle hl = op.forward(bb, d, n, opts, x, 0, new float[no], 0);
        op.backward(hl, g, 0, new float[nx], 0);
        ForwardHandle foreignS = ctx.second().sqrtForward(bb, d, opts, sigma);
        ForwardHandle foreignL = ctx.second().forward(bb, d, n, opts, x);

        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        List<Attempt> list = new ArrayList<>();

        // covariance
        {
            Slot out = Slot.output("sigma", ns, rnd);
            list.add(new Attempt("covariance x=null", iae, () -> op.covariance(bb, d, n, null, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("covariance sigma=null", iae, () -> op.covariance(bb, d, n, x, 0, null, 0), ANY));
            list.add(new Attempt("covariance batch<1", iae, () -> op.covariance(badDim(rnd), d, n, x, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("covariance d<1", iae, () -> op.covariance(bb, badDim(rnd), n, x, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("covariance n<1", iae, () -> op.covariance(bb, d, badDim(rnd), x, 0, out.array, out.off), ANY, out));
            float[] shortX = new float[nx - 1];
            list.add(new Attempt("covariance x too short", iae, () -> op.covariance(bb, d, n, shortX, 0, out.array, out.off),
                    sizesNamed(nx, 0, nx - 1), out));
            int off = 1 + rnd.nextInt(4);
            float[] xShifted = new float[nx + off - 1];
            list.add(new Attempt("covariance x too short for offset", iae,
                    () -> op.covariance(bb, d, n, xShifted, off, out.array, out.off), sizesNamed(nx, off, nx + off - 1), out));
            Slot shortOut = Slot.exactOutput("sigma", ns - 1);
            list.add(new Attempt("covariance sigma too short", iae,
                    () -> op.covariance(bb, d, n, x, 0, shortOut.array, 0), sizesNamed(ns, 0, ns - 1), shortOut));
            list.add(new Attempt("covariance negative x offset", iae, () -> op.covariance(bb, d, n, x, -1, out.array, out.off), ANY, out));
            list.add(new Attempt("covariance negative sigma offset", iae, () -> op.covariance(bb, d, n, x, 0, out.array, -1), ANY, out));
            float[] bad = poisoned(x, d * n, sb, rnd);
            list.add(new Attempt("covariance non-finite x in sample " + sb, iae,
                    () -> op.covariance(bb, d, n, bad, 0, out.array, out.off), sampleNamed(sb), out));
            list.add(new Attempt("covariance (allocating) x=null", iae, () -> op.covariance(bb, d, n, null), ANY));
            list.add(new Attempt("covariance overflowing shape", iae,
                    () -> op.covariance(Integer.MAX_VALUE / 2, 1 << 10, 1 << 10, x), ANY));
        }
        // covarianceBackward
        {
            Slot out = Slot.output("gradX", nx, rnd);
            list.add(new Attempt("covarianceBackward x=null", iae,
                    () -> op.covarianceBackward(bb, d, n, null, 0, gSigma, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("covarianceBackward gradSigma=null", iae,
                    () -> op.covarianceBackward(bb, d, n, x, 0, null, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("covarianceBackward gradX=null", iae,
                    () -> op.covarianceBackward(bb, d, n, x, 0, gSigma, 0, null, 0), ANY));
            list.add(new Attempt("covarianceBackward n<1", iae,
                    () -> op.covarianceBackward(bb, d, badDim(rnd), x, 0, gSigma, 0, out.array, out.off), ANY, out));
            float[] shortG = new float[ns - 1];
            list.add(new Attempt("covarianceBackward gradSigma too short", iae,
                    () -> op.covarianceBackward(bb, d, n, x, 0, shortG, 0, out.array, out.off), sizesNamed(ns, 0, ns - 1), out));
            float[] shortGx = new float[nx - 1];
            list.add(new Attempt("covarianceBackward gradX too short", iae,
                    () -> op.covarianceBackward(bb, d, n, x, 0, gSigma, 0, shortGx, 0), sizesNamed(nx, 0, nx - 1)));
            list.add(new Attempt("covarianceBackward gradX offset past the end", iae,
                    () -> op.covarianceBackward(bb, d, n, x, 0, gSigma, 0, out.array, out.array.length - nx + 1), ANY, out));
            float[] badX = poisoned(x, d * n, sb, rnd);
            list.add(new Attempt("covarianceBackward non-finite x in sample " + sb, iae,
                    () -> op.covarianceBackward(bb, d, n, badX, 0, gSigma, 0, out.array, out.off), sampleNamed(sb), out));
            float[] badG = poisoned(gSigma, d * d, sb, rnd);
            list.add(new Attempt("covarianceBackward non-finite gradSigma in sample " + sb, iae,
                    () -> op.covarianceBackward(bb, d, n, x, 0, badG, 0, out.array, out.off), sampleNamed(sb), out));
        }
        // sqrtForward
        {
            Slot out = Slot.output("out", no, rnd);
            list.add(new Attempt("sqrtForward options=null", iae,
                    () -> op.sqrtForward(bb, d, null, sigma, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtForward sigma=null", iae,
                    () -> op.sqrtForward(bb, d, opts, null, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtForward out=null", iae, () -> op.sqrtForward(bb, d, opts, sigma, 0, null, 0), ANY));
            list.add(new Attempt("sqrtForward batch<1", iae,
                    () -> op.sqrtForward(badDim(rnd), d, opts, sigma, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtForward d<1", iae,
                    () -> op.sqrtForward(bb, badDim(rnd), opts, sigma, 0, out.array, out.off), ANY, out));
            float[] shortS = new float[ns - 1];
            list.add(new Attempt("sqrtForward sigma too short", iae,
                    () -> op.sqrtForward(bb, d, opts, shortS, 0, out.array, out.off), sizesNamed(ns, 0, ns - 1), out));
            float[] shortO = new float[no - 1];
            list.add(new Attempt("sqrtForward out too short", iae,
                    () -> op.sqrtForward(bb, d, opts, sigma, 0, shortO, 0), sizesNamed(no, 0, no - 1)));
            list.add(new Attempt("sqrtForward negative sigma offset", iae,
                    () -> op.sqrtForward(bb, d, opts, sigma, -1 - rnd.nextInt(3), out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtForward sigma offset past the end", iae,
                    () -> op.sqrtForward(bb, d, opts, sigma, 1, out.array, out.off), sizesNamed(ns, 1, ns), out));
            float[] bad = poisoned(sigma, d * d, sb, rnd);
            list.add(new Attempt("sqrtForward non-finite sigma in sample " + sb, iae,
                    () -> op.sqrtForward(bb, d, opts, bad, 0, out.array, out.off), sampleNamed(sb), out));
            float[] negative = sigma.clone();
            for (int i = 0; i < d; i++) {
                negative[sb * d * d + i * d + i] = -1 - Math.abs(negative[sb * d * d + i * d + i]);
            }
            list.add(new Attempt("sqrtForward negative trace in sample " + sb, iae,
                    () -> op.sqrtForward(bb, d, opts, negative, 0, out.array, out.off), sampleNamed(sb), out));
            list.add(new Attempt("sqrtForward (allocating) options=null", iae, () -> op.sqrtForward(bb, d, null, sigma), ANY));
            if (d >= 2) {
                // Zero trace with non-zero entries (diag(v, -v) or a zero diagonal with off-diagonal entries):
                // a positive semi-definite matrix with zero trace is zero, so this one is not PSD.
                float[] zeroTrace = sigma.clone();
                java.util.Arrays.fill(zeroTrace, sb * d * d, (sb + 1) * d * d, 0f);
                int i = rnd.nextInt(d);
                int j = (i + 1 + rnd.nextInt(d - 1)) % d;
                float v = 0.5f + (float) rnd.nextDouble();
                if (rnd.nextBoolean()) {
                    zeroTrace[sb * d * d + i * d + i] = v;
                    zeroTrace[sb * d * d + j * d + j] = -v;
                } else {
                    zeroTrace[sb * d * d + i * d + j] = v;
                    zeroTrace[sb * d * d + j * d + i] = v;
                }
                list.add(new Attempt("sqrtForward zero trace but non-zero entries in sample " + sb, iae,
                        () -> op.sqrtForward(bb, d, opts, zeroTrace, 0, out.array, out.off),
                        Pattern.compile("(?is)(?=.*zero trace).*sample\\W{0,3}" + sb + "(?!\\d).*"), out));
            }
        }
        // sqrtBackward
        {
            Slot out = Slot.output("gradSigma", ns, rnd);
            list.add(new Attempt("sqrtBackward handle=null", iae, () -> op.sqrtBackward(null, g, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtBackward gradOut=null", iae, () -> op.sqrtBackward(hs, null, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtBackward gradSigma=null", iae, () -> op.sqrtBackward(hs, g, 0, null, 0), ANY));
            float[] shortG = new float[no - 1];
            list.add(new Attempt("sqrtBackward gradOut too short", iae,
                    () -> op.sqrtBackward(hs, shortG, 0, out.array, out.off), sizesNamed(no, 0, no - 1), out));
            float[] shortS = new float[ns - 1];
            list.add(new Attempt("sqrtBackward gradSigma too short", iae,
                    () -> op.sqrtBackward(hs, g, 0, shortS, 0), sizesNamed(ns, 0, ns - 1)));
            list.add(new Attempt("sqrtBackward negative gradOut offset", iae,
                    () -> op.sqrtBackward(hs, g, -1, out.array, out.off), ANY, out));
            float[] bad = poisoned(g, per, sb, rnd);
            list.add(new Attempt("sqrtBackward non-finite gradOut in sample " + sb, iae,
                    () -> op.sqrtBackward(hs, bad, 0, out.array, out.off), sampleNamed(sb), out));
            list.add(new Attempt("sqrtBackward with a layer handle", iae,
                    () -> op.sqrtBackward(hl, g, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtBackward with another op's handle", iae,
                    () -> op.sqrtBackward(foreignS, g, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("sqrtBackward with a handle of an unknown class", iae,
                    () -> op.sqrtBackward(new FakeHandle(ForwardHandle.Stage.SQRT, bb, d, 0, opts), g, 0, out.array, out.off),
                    ANY, out));
            list.add(new Attempt("sqrtBackward (allocating) handle=null", iae, () -> op.sqrtBackward(null, g), ANY));
        }
        // forward
        {
            Slot out = Slot.output("out", no, rnd);
            list.add(new Attempt("forward options=null", iae, () -> op.forward(bb, d, n, null, x, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("forward x=null", iae, () -> op.forward(bb, d, n, opts, null, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("forward out=null", iae, () -> op.forward(bb, d, n, opts, x, 0, null, 0), ANY));
            list.add(new Attempt("forward batch<1", iae, () -> op.forward(badDim(rnd), d, n, opts, x, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("forward d<1", iae, () -> op.forward(bb, badDim(rnd), n, opts, x, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("forward n<1", iae, () -> op.forward(bb, d, badDim(rnd), opts, x, 0, out.array, out.off), ANY, out));
            float[] shortX = new float[nx - 1];
            list.add(new Attempt("forward x too short", iae,
                    () -> op.forward(bb, d, n, opts, shortX, 0, out.array, out.off), sizesNamed(nx, 0, nx - 1), out));
            float[] shortO = new float[no - 1];
            list.add(new Attempt("forward out too short", iae,
                    () -> op.forward(bb, d, n, opts, x, 0, shortO, 0), sizesNamed(no, 0, no - 1)));
            list.add(new Attempt("forward out offset past the end", iae,
                    () -> op.forward(bb, d, n, opts, x, 0, out.array, out.array.length - no + 1), ANY, out));
            list.add(new Attempt("forward negative out offset", iae, () -> op.forward(bb, d, n, opts, x, 0, out.array, -1), ANY, out));
            float[] bad = poisoned(x, d * n, sb, rnd);
            list.add(new Attempt("forward non-finite x in sample " + sb, iae,
                    () -> op.forward(bb, d, n, opts, bad, 0, out.array, out.off), sampleNamed(sb), out));
            list.add(new Attempt("forward (allocating) x=null", iae, () -> op.forward(bb, d, n, opts, null), ANY));
        }
        // backward
        {
            Slot out = Slot.output("gradX", nx, rnd);
            list.add(new Attempt("backward handle=null", iae, () -> op.backward(null, g, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("backward gradOut=null", iae, () -> op.backward(hl, null, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("backward gradX=null", iae, () -> op.backward(hl, g, 0, null, 0), ANY));
            float[] shortG = new float[no - 1];
            list.add(new Attempt("backward gradOut too short", iae,
                    () -> op.backward(hl, shortG, 0, out.array, out.off), sizesNamed(no, 0, no - 1), out));
            float[] shortGx = new float[nx - 1];
            list.add(new Attempt("backward gradX too short", iae,
                    () -> op.backward(hl, g, 0, shortGx, 0), sizesNamed(nx, 0, nx - 1)));
            list.add(new Attempt("backward gradOut offset past the end", iae,
                    () -> op.backward(hl, g, 1, out.array, out.off), sizesNamed(no, 1, no), out));
            float[] bad = poisoned(g, per, sb, rnd);
            list.add(new Attempt("backward non-finite gradOut in sample " + sb, iae,
                    () -> op.backward(hl, bad, 0, out.array, out.off), sampleNamed(sb), out));
            list.add(new Attempt("backward with a square-root handle", iae,
                    () -> op.backward(hs, g, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("backward with another op's handle", iae,
                    () -> op.backward(foreignL, g, 0, out.array, out.off), ANY, out));
            list.add(new Attempt("backward with a handle of an unknown class", iae,
                    () -> op.backward(new FakeHandle(ForwardHandle.Stage.LAYER, bb, d, n, opts), g, 0, out.array, out.off),
                    ANY, out));
            list.add(new Attempt("backward (allocating) handle=null", iae, () -> op.backward(null, g), ANY));
        }
        // backward after the caller changed the saved input x (one element of sample sb, one bit pattern away)
        float[] xSaved = x.clone();
        ForwardHandle hx = op.forward(bb, d, n, opts, xSaved, 0, new float[no], 0);
        int changed = sb * d * n + rnd.nextInt(d * n);
        float before = xSaved[changed];
        xSaved[changed] = rnd.nextBoolean() ? Math.nextUp(before) : before + 1f;
        {
            Slot out = Slot.output("gradX", nx, rnd);
            list.add(new Attempt("backward after x of sample " + sb + " changed", IllegalStateException.class,
                    () -> op.backward(hx, g, 0, out.array, out.off),
                    Pattern.compile("(?is)(?=.*changed).*sample\\W{0,3}" + sb + "(?!\\d).*"), out));
        }
        // K < 1 and a missing layout never get as far as an op.
        list.add(new Attempt("SqrtOptions K=0", iae, () -> SqrtOptions.of(0, OutputLayout.FULL), ANY));
        list.add(new Attempt("SqrtOptions K<0", iae, () -> SqrtOptions.of(-1 - rnd.nextInt(100), OutputLayout.TRIU), ANY));
        list.add(new Attempt("withIterations(0)", iae, () -> opts.withIterations(0), ANY));
        list.add(new Attempt("SqrtOptions layout=null", iae, () -> SqrtOptions.of(c.k(), null), ANY));

        for (Attempt a : list) {
            run(a, c);
        }
        // The check is not sticky: with x restored the same handle's backward runs; and with the check turned off
        // a changed x is the caller's business (no exception).
        xSaved[changed] = before;
        op.backward(hx, g, 0, new float[nx], 0);
        Calls.close(hx);
        float[] xUnchecked = x.clone();
        ForwardHandle hu = op.forward(bb, d, n, opts.withSavedInputCheck(false), xUnchecked, 0, new float[no], 0);
        xUnchecked[changed] += 1f;
        op.backward(hu, g, 0, new float[nx], 0);
        Calls.close(hu);

        // Closed handles: IllegalStateException, and close() stays idempotent.
        Calls.close(hs);
        Calls.close(hl);
        Class<IllegalStateException> ise = IllegalStateException.class;
        Slot gsOut = Slot.output("gradSigma", ns, rnd);
        Slot gxOut = Slot.output("gradX", nx, rnd);
        run(new Attempt("sqrtBackward on a closed handle", ise, () -> op.sqrtBackward(hs, g, 0, gsOut.array, gsOut.off), ANY, gsOut), c);
        run(new Attempt("backward on a closed handle", ise, () -> op.backward(hl, g, 0, gxOut.array, gxOut.off), ANY, gxOut), c);
        foreignS.close();
        foreignL.close();
        ctx.stats.record("rejected calls", c, 0, 1);
    }

    /**
     * After close() every method throws IllegalStateException (handles made before included), and close() is
     * idempotent. Each example makes and closes a fresh op.
     */
    static void closedOp(Ctx ctx, Case c) {
        SplittableRandom rnd = Samples.random(c);
        int bb = c.batch();
        int d = c.d();
        int n = c.n();
        SqrtOptions opts = c.options();
        float[] x = Samples.x(c, rnd);
        float[] sigma = Samples.sigma(c, rnd);
        float[] g = Samples.gradOut(c, rnd);
        MatrixSqrtOp op = ctx.factory.get();
        ForwardHandle hs;
        ForwardHandle hl;
        try {
            hs = op.sqrtForward(bb, d, opts, sigma);
            hl = op.forward(bb, d, n, opts, x);
        } finally {
            op.close();
        }
        op.close(); // idempotent
        Class<IllegalStateException> ise = IllegalStateException.class;
        Slot sOut = Slot.output("sigma", bb * d * d, rnd);
        Slot oOut = Slot.output("out", bb * c.outPerSample(), rnd);
        Slot xOut = Slot.output("gradX", bb * d * n, rnd);
        Attempt[] attempts = {
            new Attempt("covariance on a closed op", ise, () -> op.covariance(bb, d, n, x, 0, sOut.array, sOut.off), ANY, sOut),
            new Attempt("covarianceBackward on a closed op", ise,
                    () -> op.covarianceBackward(bb, d, n, x, 0, Samples.gaussianFloats(rnd, bb * d * d), 0, xOut.array, xOut.off),
                    ANY, xOut),
            new Attempt("sqrtForward on a closed op", ise, () -> op.sqrtForward(bb, d, opts, sigma, 0, oOut.array, oOut.off), ANY, oOut),
            new Attempt("sqrtBackward on a closed op", ise, () -> op.sqrtBackward(hs, g, 0, sOut.array, sOut.off), ANY, sOut),
            new Attempt("forward on a closed op", ise, () -> op.forward(bb, d, n, opts, x, 0, oOut.array, oOut.off), ANY, oOut),
            new Attempt("backward on a closed op", ise, () -> op.backward(hl, g, 0, xOut.array, xOut.off), ANY, xOut),
        };
        for (Attempt a : attempts) {
            run(a, c);
        }
        hs.close();
        hl.close();
        ctx.stats.record("rejected calls", c, 0, 1);
    }

    /** A handle no back-end made. */
    private static final class FakeHandle implements ForwardHandle {
        private final Stage stage;
        private final int batch;
        private final int d;
        private final int n;
        private final SqrtOptions options;
        private final float[] out;

        FakeHandle(Stage stage, int batch, int d, int n, SqrtOptions options) {
            this.stage = stage;
            this.batch = batch;
            this.d = d;
            this.n = n;
            this.options = options;
            this.out = new float[batch * options.layout().elements(d)];
        }

        @Override
        public Stage stage() {
            return stage;
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public int d() {
            return d;
        }

        @Override
        public int n() {
            return n;
        }

        @Override
        public SqrtOptions options() {
            return options;
        }

        @Override
        public float[] output() {
            return out;
        }

        @Override
        public int outputOffset() {
            return 0;
        }

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}
