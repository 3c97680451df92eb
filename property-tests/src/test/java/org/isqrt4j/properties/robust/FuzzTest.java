package org.isqrt4j.properties.robust;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.properties.robust.FuzzCase.Call;
import org.isqrt4j.properties.robust.FuzzCase.Fault;
import org.isqrt4j.properties.robust.FuzzCase.Role;
import org.isqrt4j.properties.robust.FuzzCase.SigmaKind;
import org.isqrt4j.reference.ReferenceMath;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzing the public API of every back-end (item 1 of the hardening issue). Each example ({@link FuzzCase}) calls
 * one entry point with random small shapes (n = 1 and d = 1 included), offsets, guard cells and slack around every
 * array, iteration counts, layouts, and data at scales 1e-42 (denormal) to 3e38, including all-zero and constant
 * samples, non-symmetric and indefinite Sigma, K from 1 to 8 (and rarely 12, 20, 40, where only finiteness is
 * required), and at most one injected fault (bad or huge dimensions, K &lt; 1,
 * null options, null, short or negatively offset arrays, NaN or infinity inside a region, null, closed, foreign
 * or wrong-stage handles). Every call must either
 * <ul>
 *   <li>return a finite result that matches the float64 expectation of {@link ReferenceMath}, or</li>
 *   <li>throw {@link IllegalArgumentException} (bad input; the message names the shape or the sample) or
 *       {@link IllegalStateException} (closed handle) - never another type;</li>
 * </ul>
 * and, whatever happened, no float outside an output region changed, no input array changed, and a call rejected
 * by validation wrote nothing at all. Input guards hold NaN, so reading outside a region would be rejected.
 *
 * <p>Seeds are fixed (QuickTheories seed per back-end, {@code -Disqrt4j.robust.seed=N} to explore); every failure
 * names the back-end, the QuickTheories seed and the example as {@code FuzzCase.of(seed)}, which rebuilds it alone.
 * {@code -Disqrt4j.robust.examples=N} changes the number of examples (default 2000 on the CPU and reference
 * back-ends, 1000 on OpenCL; a few seconds each).
 */
@DisplayName("Robustness: fuzzing the public API")
class FuzzTest {
    /**
     * Relative Frobenius error bounds per sample against float64 (plus the denormal floor of
     * {@link Num#errorRatio}). float32 rounding is u = 6e-8; the shapes here are small (d &lt;= 17, n &lt;= 33,
     * K &lt;= 6 or 20). Covariance: n-term sums of products, about n u = 2e-6 at worst. Forward square root:
     * 3K products of d-term sums on iterates of norm &lt;= 1: 1e-4. Backward: roughly K times the forward's error
     * plus cancellation in the trace terms: 1e-3, and more for large K on rank-deficient Sigma, where
     * p_K'(0) = 1.5^K amplifies rounding in the null space that dL/dX then cancels: 30 u d 1.5^K (0.024 at K = 20,
     * d = 4). The measured maxima over the default examples are printed at the end of each run.
     */
    static final double TOL_COV = 1e-5;
    static final double TOL_FORWARD = 1e-4;
    static final double TOL_BACKWARD = 1e-3;
    /** Indefinite Sigma: the iteration amplifies rounding along the negative eigenvalue (|y| grows like 1.5^k and faster). */
    static final double TOL_INDEFINITE = 3e-2;

    private static final long BASE_SEED = Long.getLong("isqrt4j.robust.seed", 20251126L);

    static Stream<String> ids() {
        return RobustBackends.IDS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    void everyCallReturnsAMatchingFiniteResultOrADocumentedException(String id) {
        int examples = Integer.getInteger("isqrt4j.robust.examples", id.equals("opencl") ? 1000 : 2000);
        long seed = BASE_SEED * 31 + id.hashCode();
        try (MatrixSqrtOp op = RobustBackends.open(id);
             MatrixSqrtOp foreign = MatrixSqrtOps.load(id.equals("reference") ? "cpu-scalar" : "reference")) {
            Tally tally = new Tally();
            String where = "[" + op.name() + " | fuzz | qt seed " + seed + "] ";
            qt().withFixedSeed(seed).withExamples(examples).withShrinkCycles(0).forAll(longs().all())
                    .checkAssert(s -> {
                        FuzzCase c = FuzzCase.of(s);
                        try {
                            new Runner(op, foreign, c, tally).run();
                        } catch (AssertionError | RuntimeException e) {
                            throw new AssertionError(where + c + ": " + e.getMessage(), e);
                        }
                    });
            System.out.println(where + examples + " examples: " + tally);
        }
    }

    /** Outcome counts and the largest error ratio per entry point. */
    static final class Tally {
        int matched;
        int rejectedFault;
        int rejectedUnrepresentable;
        int rejectedOther;
        final Map<Call, Double> worst = new EnumMap<>(Call.class);

        /** @param ratio the error as a fraction of its bound (see {@link Num#errorRatio}) */
        void error(Call c, double ratio) {
            worst.merge(c, ratio, Math::max);
        }

        @Override
        public String toString() {
            return matched + " matched, " + rejectedFault + " injected faults rejected, " + rejectedUnrepresentable
                    + " unrepresentable results rejected, " + rejectedOther
                    + " rejected (indefinite Sigma / large K / edge of the float range); largest error as a fraction of"
                    + " its bound per call " + worst;
        }
    }

    /** One example: builds the arrays, makes the call, checks the outcome. */
    static final class Runner {
        private final MatrixSqrtOp op;
        private final MatrixSqrtOp foreign;
        private final FuzzCase c;
        private final Tally tally;
        private final SplittableRandom r;
        private final List<ForwardHandle> handles = new ArrayList<>();
        /** Every array the call may see, with a snapshot; outputs are checked for guards only. */
        private final List<Buf> inputs = new ArrayList<>();
        private final List<float[]> inputSnaps = new ArrayList<>();
        private Buf out;
        private float[] outSnap;
        /** Expected message fragment for the injected fault. */
        private String fragment;
        private int targetSample = -1;

        Runner(MatrixSqrtOp op, MatrixSqrtOp foreign, FuzzCase c, Tally tally) {
            this.op = op;
            this.foreign = foreign;
            this.c = c;
            this.tally = tally;
            this.r = FuzzData.random(c);
        }

        void run() {
            try {
                runCall();
            } finally {
                for (ForwardHandle h : handles) {
                    h.close();
                }
            }
        }

        private Fault faultFor(Role role) {
            return c.fault() != Fault.NONE && c.role() == role ? c.fault() : Fault.NONE;
        }

        /** A guarded input for a role, with that role's array fault applied (poison is applied by the caller). */
        private Buf input(Role role, float[] data) {
            Fault f = faultFor(role);
            int pre = c.pre()[role.ordinal()];
            int post = f == Fault.SHORT ? -1 - r.nextInt(Math.min(2, Math.max(1, data.length))) : c.post()[role.ordinal()];
            int off = f == Fault.NEG_OFFSET ? -1 - r.nextInt(3) : pre;
            Buf b = Buf.input(data, pre, post, off);
            inputs.add(b);
            inputSnaps.add(b.snapshot());
            return b;
        }

        private Buf output(int len) {
            Fault f = faultFor(Role.OUT);
            int pre = c.pre()[Role.OUT.ordinal()];
            int post = f == Fault.SHORT ? -1 - r.nextInt(Math.min(2, len)) : c.post()[Role.OUT.ordinal()];
            int off = f == Fault.NEG_OFFSET ? -1 - r.nextInt(3) : pre;
            out = Buf.output(len, pre, post, off);
            outSnap = out.snapshot();
            return out;
        }

        private static float[] arr(Buf b, Fault f) {
            return f == Fault.NULL_ARRAY ? null : b.array;
        }

        /** Puts NaN or an infinity at a random element of a random sample of the region, for POISON faults. */
        private void poison(float[] data, int perSample, Role role) {
            if (faultFor(role) != Fault.POISON) {
                return;
            }
            targetSample = r.nextInt(c.batch());
            int i = r.nextInt(perSample);
            float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            data[targetSample * perSample + i] = bad[r.nextInt(3)];
            fragment = "sample " + targetSample;
        }

        /** The dimensions the call passes: the case's, or bad/huge ones for those faults. */
        private int[] dims() {
            int[] dims = {c.batch(), c.d(), c.n()};
            if (c.fault() == Fault.BAD_DIM) {
                int which = r.nextInt(c.call().sqrtStage() ? 2 : 3);
                dims[which] = -r.nextInt(3);
                fragment = "(B=";
            } else if (c.fault() == Fault.HUGE_DIM) {
                if (r.nextBoolean()) {
                    dims = new int[] {1 << 16, 1 << 12, 1 << 12}; // products overflow an int
                    fragment = "overflow";
                } else {
                    // B*d*d = 2^31 - 2^20 floats fits an array index but not the heap; the given arrays are far
                    // too short, which must be said before anything of that size is allocated.
                    dims = new int[] {2047, 1024, 1};
                    fragment = "(B=";
                }
            }
            return dims;
        }

        private SqrtOptions options() {
            if (c.fault() == Fault.NULL_OPTIONS) {
                fragment = "options";
                return null;
            }
            if (c.fault() == Fault.BAD_K) {
                fragment = "iterations";
                return SqrtOptions.of(-r.nextInt(3), c.layout()); // throws
            }
            return SqrtOptions.of(c.k(), c.layout());
        }

        private void runCall() {
            int batch = c.batch();
            int d = c.d();
            int n = c.n();
            int dd = d * d;
            int per = c.perOut();
            SqrtOptions valid = SqrtOptions.of(c.k(), c.layout());
            float[] xData = null;
            float[] sData = null;
            float[] gData = null;
            Buf in;
            Buf grad = null;
            Buf fwdOut = null;
            ForwardHandle handle = null;
            if (c.fault() == Fault.SHORT || c.fault() == Fault.NEG_OFFSET || c.fault() == Fault.NULL_ARRAY) {
                fragment = "(B=";
            }
            // ---- inputs, and for the backward calls a valid forward first
            if (c.call().sqrtStage()) {
                sData = FuzzData.sigma(c, r, negativeTraceSample());
                if (c.call() == Call.SQRT_FORWARD) {
                    poison(sData, dd, Role.IN);
                }
                in = input(Role.IN, sData);
            } else {
                xData = FuzzData.x(c, r);
                if (!c.call().handleBased()) {
                    poison(xData, d * n, Role.IN);
                }
                in = input(Role.IN, xData);
            }
            if (c.call().handleBased()) {
                fwdOut = Buf.output(batch * per, 1, 1, 1);
                inputs.add(fwdOut);
                try {
                    handle = c.call() == Call.SQRT_BACKWARD
                            ? op.sqrtForward(batch, d, valid, in.array, in.offset, fwdOut.array, fwdOut.offset)
                            : op.forward(batch, d, n, valid, in.array, in.offset, fwdOut.array, fwdOut.offset);
                } catch (IllegalArgumentException e) {
                    // Only an indefinite Sigma or a K past float32's stable range may be rejected here (the iteration
                    // diverged or left the float range).
                    boolean mayDiverge = (c.call().sqrtStage() && c.sigma() == SigmaKind.INDEFINITE)
                            || c.k() > FuzzCase.MAX_COMPARED_K;
                    if (!mayDiverge || !e.getMessage().contains("sample")) {
                        throw new AssertionError("forward rejected valid input: " + e, e);
                    }
                    tally.rejectedOther++;
                    return;
                }
                handles.add(handle);
                inputSnaps.add(fwdOut.snapshot());
                boolean symG = FuzzData.symmetricOutputGradient(c);
                gData = FuzzData.gradient(c, r, per, symG ? d : 0);
                poison(gData, per, Role.GRAD);
                grad = input(Role.GRAD, gData);
            } else if (c.call() == Call.COV_BACKWARD) {
                gData = FuzzData.gradient(c, r, dd, c.symG() ? d : 0);
                poison(gData, dd, Role.GRAD);
                grad = input(Role.GRAD, gData);
            }
            if (c.fault() == Fault.NONE && c.sigma() == SigmaKind.NEG_TRACE && c.call() == Call.SQRT_FORWARD) {
                fragment = "sample " + negativeTraceSample();
            }
            ForwardHandle passed = handle;
            if (c.call().handleBased()) {
                passed = handleFault(handle, batch, d, n, valid, xData, sData);
            }
            int outLen = switch (c.call()) {
                case COVARIANCE, SQRT_BACKWARD -> batch * dd;
                case COV_BACKWARD, BACKWARD -> batch * d * n;
                default -> batch * per;
            };
            Buf o = c.alloc() ? null : output(outLen);
            // ---- the call
            Throwable thrown = null;
            float[] result = null;
            int resultOff = 0;
            try {
                Object res = call(in, grad, o, passed);
                if (res instanceof ForwardHandle) {
                    ForwardHandle h = (ForwardHandle) res;
                    handles.add(h);
                    result = h.output();
                    resultOff = h.outputOffset();
                } else if (res instanceof float[]) {
                    result = (float[]) res;
                } else {
                    result = o.array;
                    resultOff = o.start;
                }
            } catch (Throwable t) {
                thrown = t;
            }
            // ---- checks that hold whatever happened
            for (int i = 0; i < inputs.size(); i++) {
                int at = Buf.firstDifference(inputs.get(i).array, inputSnaps.get(i));
                if (at >= 0) {
                    throw new AssertionError("input array " + i + " was modified at index " + at
                            + (thrown == null ? "" : " (call threw " + thrown + ")"));
                }
            }
            if (o != null && o.array.length >= o.start + o.length) {
                String v = o.guardViolation();
                if (v != null) {
                    throw new AssertionError("output " + v + (thrown == null ? "" : " (call threw " + thrown + ")"), thrown);
                }
            }
            if (fragment != null) {
                expectRejected(thrown, o, c.fault() == Fault.HANDLE_CLOSED ? IllegalStateException.class
                        : IllegalArgumentException.class);
                tally.rejectedFault++;
                return;
            }
            if (c.fault() == Fault.HANDLE_CLOSED) {
                expectRejected(thrown, o, IllegalStateException.class);
                tally.rejectedFault++;
                return;
            }
            checkValues(thrown, result, resultOff, xData, sData, gData);
        }

        /** The sample given a negative trace by {@link SigmaKind#NEG_TRACE}: the last one that is not zeroed. */
        private int negativeTraceSample() {
            return c.zeroSample() == c.batch() - 1 ? c.batch() - 2 : c.batch() - 1;
        }

        private ForwardHandle handleFault(ForwardHandle handle, int batch, int d, int n, SqrtOptions valid,
                                          float[] xData, float[] sData) {
            switch (c.fault()) {
                case HANDLE_NULL:
                    fragment = "handle";
                    return null;
                case HANDLE_CLOSED:
                    handle.close();
                    return handle;
                case HANDLE_FOREIGN: {
                    fragment = "not made by this op";
                    ForwardHandle f;
                    try {
                        f = c.call() == Call.SQRT_BACKWARD ? foreign.sqrtForward(batch, d, valid, sData)
                                : foreign.forward(batch, d, n, valid, xData);
                    } catch (IllegalArgumentException e) {
                        // The other back-end's forward may diverge where this one did not (large K, indefinite
                        // Sigma); any handle of another op will do.
                        f = foreign.sqrtForward(1, 1, SqrtOptions.defaults(), new float[] {1f});
                    }
                    handles.add(f);
                    return f;
                }
                case HANDLE_STAGE: {
                    fragment = "forward";
                    ForwardHandle f;
                    if (c.call() == Call.SQRT_BACKWARD) {
                        f = op.forward(batch, d, n, valid, Num.gaussian(r, batch * d * n, 1));
                    } else {
                        float[] x1 = Num.gaussian(r, batch * d * (d + 2), 1);
                        f = op.sqrtForward(batch, d, valid, op.covariance(batch, d, d + 2, x1));
                    }
                    handles.add(f);
                    return f;
                }
                default:
                    return handle;
            }
        }

        private Object call(Buf in, Buf grad, Buf o, ForwardHandle h) {
            Fault fi = faultFor(Role.IN);
            Fault fg = faultFor(Role.GRAD);
            Fault fo = faultFor(Role.OUT);
            int[] dims = c.call().handleBased() ? null : dims();
            switch (c.call()) {
                case COVARIANCE:
                    if (c.alloc()) {
                        return op.covariance(dims[0], dims[1], dims[2], arr(in, fi));
                    }
                    op.covariance(dims[0], dims[1], dims[2], arr(in, fi), in.offset, arr(o, fo), o.offset);
                    return null;
                case COV_BACKWARD:
                    if (c.alloc()) {
                        return op.covarianceBackward(dims[0], dims[1], dims[2], arr(in, fi), arr(grad, fg));
                    }
                    op.covarianceBackward(dims[0], dims[1], dims[2], arr(in, fi), in.offset, arr(grad, fg), grad.offset,
                            arr(o, fo), o.offset);
                    return null;
                case SQRT_FORWARD: {
                    SqrtOptions opt = options();
                    if (c.alloc()) {
                        return op.sqrtForward(dims[0], dims[1], opt, arr(in, fi));
                    }
                    return op.sqrtForward(dims[0], dims[1], opt, arr(in, fi), in.offset, arr(o, fo), o.offset);
                }
                case FORWARD: {
                    SqrtOptions opt = options();
                    if (c.alloc()) {
                        return op.forward(dims[0], dims[1], dims[2], opt, arr(in, fi));
                    }
                    return op.forward(dims[0], dims[1], dims[2], opt, arr(in, fi), in.offset, arr(o, fo), o.offset);
                }
                case SQRT_BACKWARD:
                    if (c.alloc()) {
                        return op.sqrtBackward(h, arr(grad, fg));
                    }
                    op.sqrtBackward(h, arr(grad, fg), grad.offset, arr(o, fo), o.offset);
                    return null;
                case BACKWARD:
                    if (c.alloc()) {
                        return op.backward(h, arr(grad, fg));
                    }
                    op.backward(h, arr(grad, fg), grad.offset, arr(o, fo), o.offset);
                    return null;
                default:
                    throw new AssertionError(c.call());
            }
        }

        private void expectRejected(Throwable thrown, Buf o, Class<? extends RuntimeException> type) {
            if (thrown == null) {
                throw new AssertionError("expected " + type.getSimpleName() + " (" + c.fault() + "), but the call returned");
            }
            if (!type.isInstance(thrown) || thrown instanceof Isqrt4jException) {
                throw new AssertionError("expected " + type.getSimpleName() + ", got " + thrown, thrown);
            }
            String msg = String.valueOf(thrown.getMessage());
            if (fragment != null && !msg.contains(fragment)) {
                throw new AssertionError("the message should contain '" + fragment + "': " + msg, thrown);
            }
            // Validation comes before any computation: a rejected call writes nothing, not even inside the region.
            if (o != null) {
                int at = Buf.firstDifference(o.array, outSnap);
                if (at >= 0) {
                    throw new AssertionError("a call rejected by validation wrote output index " + at + ": " + thrown);
                }
            }
        }

        /** No injected fault: compare with float64, or accept an IllegalArgumentException for an unrepresentable result. */
        private void checkValues(Throwable thrown, float[] got, int gotOff, float[] x, float[] s, float[] g) {
            int batch = c.batch();
            int d = c.d();
            int n = c.n();
            int dd = d * d;
            int per = c.perOut();
            int k = c.k();
            OutputLayout layout = c.layout();
            double[][] want = new double[batch][];
            boolean indefinite = c.call().sqrtStage() && c.sigma() == SigmaKind.INDEFINITE;
            // Past K = 10 the float32 iteration is unstable on rank-deficient Sigma (LargeIterationsTest): only
            // "finite, or rejected naming the sample" is required there.
            boolean unstable = indefinite || c.k() > FuzzCase.MAX_COMPARED_K;
            double maxWant = 0;
            for (int b = 0; b < batch; b++) {
                switch (c.call()) {
                    case COVARIANCE -> want[b] = ReferenceMath.covariance(Num.toDouble(x, b * d * n, d * n), d, n);
                    case COV_BACKWARD -> want[b] = ReferenceMath.covarianceBackward(Num.toDouble(x, b * d * n, d * n),
                            d, n, Num.toDouble(g, b * dd, dd));
                    case FORWARD -> want[b] = Num.inLayout(ReferenceMath.layerForward(Num.toDouble(x, b * d * n, d * n),
                            d, n, k), d, layout);
                    case BACKWARD -> want[b] = ReferenceMath.layerBackward(Num.toDouble(x, b * d * n, d * n), d, n, k,
                            Num.fullGradient(Num.toDouble(g, b * per, per), d, layout));
                    case SQRT_FORWARD -> want[b] = Num.inLayout(Num.sqrtWant(Num.toDouble(s, b * dd, dd), d, k,
                            Num.symmetric(s, b * dd, d)), d, layout);
                    case SQRT_BACKWARD -> want[b] = Num.sqrtBackwardWant(Num.toDouble(s, b * dd, dd), d, k,
                            Num.symmetric(s, b * dd, d), Num.fullGradient(Num.toDouble(g, b * per, per), d, layout));
                    default -> throw new AssertionError();
                }
                maxWant = Math.max(maxWant, Num.maxAbs(want[b]));
            }
            boolean unrepresentable = !(maxWant <= Float.MAX_VALUE); // NaN (double overflow) counts too
            // Near the top of the float range an intermediate may overflow first: a rejection is allowed there.
            boolean edge = unrepresentable || maxWant > Float.MAX_VALUE / 64;
            if (thrown != null) {
                if (!(thrown instanceof IllegalArgumentException)) {
                    throw new AssertionError("unexpected exception type: " + thrown, thrown);
                }
                if (!edge && !unstable) {
                    throw new AssertionError("rejected although every result value fits a float (max |want| = "
                            + maxWant + "): " + thrown, thrown);
                }
                if (!String.valueOf(thrown.getMessage()).contains("sample")) {
                    throw new AssertionError("the rejection should name the sample: " + thrown, thrown);
                }
                if (unrepresentable) {
                    tally.rejectedUnrepresentable++;
                } else {
                    tally.rejectedOther++;
                }
                return;
            }
            if (unrepresentable && !unstable) {
                throw new AssertionError("returned although the exact result is not representable in float (max |want| = "
                        + maxWant + "); got max " + maxAbs(got, gotOff, want.length * want[0].length));
            }
            int each = c.call() == Call.COVARIANCE || c.call() == Call.SQRT_BACKWARD ? d * d
                    : c.call() == Call.COV_BACKWARD || c.call() == Call.BACKWARD ? d * n : per;
            if (got.length - gotOff < batch * each) {
                throw new AssertionError("output too short: " + (got.length - gotOff) + " < " + batch * each);
            }
            double tol = indefinite ? TOL_INDEFINITE : switch (c.call()) {
                case COVARIANCE, COV_BACKWARD -> TOL_COV;
                case FORWARD, SQRT_FORWARD -> TOL_FORWARD;
                default -> Math.max(TOL_BACKWARD, 30 * 0x1p-24 * d * Math.pow(1.5, k));
            };
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < each; i++) {
                    float v = got[gotOff + b * each + i];
                    if (!Float.isFinite(v)) {
                        throw new AssertionError("non-finite output " + v + " in sample " + b + " at element " + i
                                + " for finite input (expected " + want[b][i] + ")");
                    }
                }
                if (c.k() > FuzzCase.MAX_COMPARED_K) {
                    continue;
                }
                double ratio = Num.errorRatio(got, gotOff + b * each, want[b], tol);
                if (!indefinite) {
                    tally.error(c.call(), ratio);
                }
                if (!(ratio <= 1)) {
                    throw new AssertionError("sample " + b + " differs from float64: relative error " + ratio * tol
                            + " > " + tol + " (|want| = " + Num.norm(want[b]) + ", max |want| = " + maxWant + ")");
                }
            }
            tally.matched++;
        }

        private static double maxAbs(float[] a, int off, int len) {
            double m = 0;
            for (int i = 0; i < len && off + i < a.length; i++) {
                m = Math.max(m, Math.abs(a[off + i]));
            }
            return m;
        }
    }
}
