package org.isqrt4j.opencl;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

import org.isqrt4j.api.AbstractMatrixSqrtOp;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.api.Validation;
import org.jocl.CLException;
import org.jocl.cl_mem;

/**
 * The iSQRT-COV layer on an OpenCL device (through JOCL).
 *
 * <h2>Device</h2>
 * The device is chosen once, at construction: the one named by the system properties
 * {@code isqrt4j.opencl.platform} and {@code isqrt4j.opencl.device} (each an index or a case-insensitive name
 * substring; the device index counts the devices of the matching platforms), otherwise the first GPU, otherwise
 * the first available device. The kernels (classpath resource {@code org/isqrt4j/opencl/isqrt.cl}) are built once
 * for the op's context.
 *
 * <h2>Pipeline</h2>
 * Everything between the upload of X (or Sigma, or dL/dC) and the download of the result runs as kernels on one
 * in-order queue, one launch per stage for the whole batch: centring, covariance GEMM, trace, normalisation, the
 * K Newton-Schulz steps as batched GEMMs with fused epilogues ((3I - ZY)/2, post-compensation), TRIU packing; in
 * the backward the hand-derived gradient of every stage (docs/maths.md). Products of commuting symmetric matrices
 * are computed on their upper triangle only. The layer backward works on the symmetric part of dL/dC, which is
 * exact: with Sigma symmetric, the map from dL/dC to dL/dSigma commutes with transposition and dL/dX depends on
 * dL/dSigma only through its symmetric part; every gradient iterate is then symmetric and the backward needs about
 * 5 (K - 2) + 3.5 products instead of 8 (K - 2) + 6. A forward's handle keeps the iterates its backward needs in
 * device memory until it is closed.
 *
 * <h2>Range</h2>
 * The kernels compute in float32, where the covariance of features around 1e20 overflows and that of features
 * around 1e-20 underflows. A sample whose largest |x| (or |Sigma_ij|) lies outside [2^-20, 2^20] (2^-40..2^40 for
 * Sigma) is therefore uploaded scaled by a power of two that brings it near 1 (X by 2^e, Sigma by 4^k), and the
 * downloaded result is scaled back exactly: C(2^e X) = 2^e C(X), Sigma(2^e X) = 4^e Sigma(X), C(4^k Sigma) =
 * 2^k C(Sigma); the layer's dL/dX does not depend on the scale at all. Incoming gradients outside [2^-20, 2^20]
 * are scaled the same way (every backward is linear in them). Other samples are uploaded as they are.
 * A result that is not finite after scaling back (its exact value is beyond the float range, or the iteration
 * diverged: a Sigma that is not positive semi-definite, or a large K on a rank-deficient one, where float32 rounding
 * puts null-space eigenvalues at about -1e-7 and the iteration amplifies them by about 2.25 per step) throws
 * {@link IllegalArgumentException} naming the sample.
 *
 * <h2>Threads</h2>
 * An instance may be shared by threads: each call holds the op's lock for its whole duration, so calls on one op
 * run one after another on its queue (use one op per thread, or per device, for parallelism). Handles are not
 * thread-safe. {@link #close()} releases the device context and the memory of every handle not yet closed; a
 * {@link java.lang.ref.Cleaner} does the same, eventually, for ops and handles that become unreachable unclosed.
 *
 * <h2>Profiling</h2>
 * The queue records profiling events; {@link #lastKernelNanos()} and {@link #lastTransferNanos()} give the
 * device time of the last completed call, {@link #lastProfile()} splits it per kernel, and
 * {@link #gemmBenchmark(int, int, int)} measures the GEMM kernel alone. {@link #liveBuffers()} counts the device
 * buffers currently held, for leak checks.
 */
public final class OpenClMatrixSqrtOp extends AbstractMatrixSqrtOp<OpenClHandle> {
    private static final System.Logger LOG = System.getLogger(OpenClMatrixSqrtOp.class.getName());

    private final Object lock = new Object();
    private final ClRuntime rt;
    private final String name;
    private final Set<OpenClHandle.State> liveStates = ConcurrentHashMap.newKeySet();
    private volatile long lastKernelNanos;
    private volatile long lastTransferNanos;
    private volatile Map<String, Long> lastProfile = Map.of();
    private final Cleaner.Cleanable cleanable;

    /**
     * Opens the device chosen by the system properties (or the default choice).
     *
     * @throws Isqrt4jException if no OpenCL device is available, none matches the properties, or the kernels fail
     *                          to build (the message carries the build log)
     */
    public OpenClMatrixSqrtOp() {
        this(DeviceSelector.selectFromSystemProperties());
    }

    /**
     * Opens a device chosen explicitly.
     *
     * @param platformSpec platform index or name substring, null for any
     * @param deviceSpec   device index or name substring, null for the default choice (first GPU, else first device)
     * @throws Isqrt4jException if nothing matches or the device cannot be opened
     */
    public OpenClMatrixSqrtOp(String platformSpec, String deviceSpec) {
        this(DeviceSelector.select(platformSpec, deviceSpec));
    }

    OpenClMatrixSqrtOp(ClDevice device) {
        this(device, System.getProperty(ClRuntime.GEMM_PROPERTY));
    }

    /** @param device the device  @param gemmChoice "direct", "local" or null for the device's default GEMM kernel */
    OpenClMatrixSqrtOp(ClDevice device, String gemmChoice) {
        super(OpenClHandle.class);
        try {
            this.rt = new ClRuntime(device, gemmChoice);
        } catch (LinkageError | CLException e) {
            throw new Isqrt4jException("cannot open OpenCL device " + device.describe() + ": " + e, e);
        }
        this.name = "opencl[" + device.name() + "]";
        this.cleanable = OpenClHandle.CLEANER.register(this, new Release(rt, liveStates));
        LOG.log(System.Logger.Level.DEBUG, () -> "isqrt4j opencl back-end on " + device.describe()
                + ", GEMM kernels " + gemmKernels());
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Tells whether the chosen device is a GPU (CL_DEVICE_TYPE_GPU), which selects the tuned GEMM choice (see
     * {@link #gemmKernels()}).
     *
     * @return whether the op runs on a GPU
     */
    public boolean isGpu() {
        return rt.device.gpu();
    }

    /**
     * Says which GEMM kernels the op uses: the one for products of up to 128 rows and columns and the one for larger
     * products, and how they were chosen. The choice is the system property {@code isqrt4j.opencl.gemm}: {@code
     * direct} (register tiles from global memory, the default on CPU devices), {@code local} (local-memory blocking,
     * 4 x 8 per work-item), one of the tiled variants {@code t<TM>x<TN>_g<WX>x<WY>} (local-memory blocking with a
     * TM x TN register tile per work-item in WX x WY groups), or {@code tuned} (the default on GPUs): every kernel the
     * device accepts is timed on the device when the device is first opened in the JVM, and the fastest per size class
     * is kept for every later op on that device. The same pass decides whether symmetric Newton-Schulz steps with
     * d up to 64 run as one fused launch per step (one work-group per sample, Y and Z in local memory) instead of
     * three GEMM launches, by the wall time of both at d = 64, B = 128; {@code isqrt4j.opencl.fusedSteps=true} or
     * {@code false} overrides it (without tuning the fused steps are off unless set to true).
     *
     * @return e.g. {@code "tuned: d <= 128: t8x8_g8x8, larger: t8x8_g16x16 (d=64 x256: ... GFLOP/s ...); fused
     *         small-d steps on"} or {@code "direct"}
     */
    public String gemmKernels() {
        return rt.gemmSummary;
    }

    /**
     * Counts the device buffers this op holds now, for leak checks.
     *
     * @return device buffers currently allocated by this op (handles' iterates included)
     */
    public int liveBuffers() {
        return rt.liveBuffers();
    }

    /**
     * Device time of the kernels of the last completed call, from the queue's profiling events.
     *
     * @return summed device execution time of those kernels, in nanoseconds
     */
    public long lastKernelNanos() {
        return lastKernelNanos;
    }

    /**
     * Device time of the host-device copies of the last completed call, from the queue's profiling events.
     *
     * @return summed device time of those transfers, in nanoseconds
     */
    public long lastTransferNanos() {
        return lastTransferNanos;
    }

    /**
     * Per-kernel device time of the last completed call.
     *
     * @return device nanoseconds of the last completed call per kernel name ("gemm", "gemm_local", "center", ...)
     *         and "transfer" for the copies, from the queue's profiling events; unmodifiable
     */
    public Map<String, Long> lastProfile() {
        return lastProfile;
    }

    // ==================================================================================== helpers

    /** @param d channels  @return d rounded up to 16, the columns of the CPU kernel's tile: the padded extent */
    static int padded(int d) {
        return (d + 15) & ~15;
    }

    /**
     * @param dp padded extent
     * @return the leading dimension: dp, or dp + 16 where dp floats are a multiple of 256 bytes, whose rows would
     *         alias in the same cache sets (measured on PoCL: 3-6x GEMM throughput at d = 256 and 1024)
     */
    static int leading(int dp) {
        return dp % 64 == 0 ? dp + 16 : dp;
    }

    /** @param d channels  @return floats per padded d x d sample, dp * ld */
    private static int squareSize(int d) {
        long dp = padded(d);
        return kernelInt("padded d * d", dp * leading((int) dp));
    }

    private static long ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** @param what name for the message  @param v a per-sample size or stride  @return v as the int the kernels take */
    private static int kernelInt(String what, long v) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " = " + v + " floats per sample is too large for the OpenCL back-end");
        }
        return (int) v;
    }

    /** Per-call buffers, released at the end of the call (release waits for the queue's use of them). */
    private final class Temps implements AutoCloseable {
        private final List<cl_mem> list = new ArrayList<>();

        cl_mem alloc(long floats) {
            cl_mem m = rt.alloc(floats);
            list.add(m);
            return m;
        }

        @Override
        public void close() {
            for (cl_mem m : list) {
                rt.release(m);
            }
            list.clear();
        }
    }

    /** What every call body sees: runs under the lock, on an open runtime, with its profile recorded. */
    private interface Body<T> {
        T run(Temps temps);
    }

    private <T> T call(Body<T> body) {
        synchronized (lock) {
            if (rt.isClosed()) {
                throw new IllegalStateException(name + " is closed");
            }
            try (Temps temps = new Temps()) {
                T result = body.run(temps);
                Map<String, Long> p = rt.drainProfile();
                long transfer = p.getOrDefault("transfer", 0L);
                long total = 0;
                for (long v : p.values()) {
                    total += v;
                }
                lastKernelNanos = total - transfer;
                lastTransferNanos = transfer;
                lastProfile = Collections.unmodifiableMap(p);
                return result;
            } catch (CLException e) {
                // Only if another JOCL user in this JVM turned on JOCL's exception mode.
                throw new Isqrt4jException("OpenCL error in " + name + ": " + e.getMessage(), e);
            } finally {
                rt.discardEvents();
            }
        }
    }

    /** Batched GEMM C_b = s_b (alpha op(A_b) op(B_b) + beta D_b + diag I_diagLimit); see the kernel's comment. */
    private void gemm(int batch, int m, int n, int k,
                      cl_mem a, int lda, int strideA, boolean ta,
                      cl_mem b, int ldb, int strideB, boolean tb,
                      cl_mem c, int ldc, int strideC,
                      cl_mem d, float alpha, float beta, float diag, int diagLimit,
                      cl_mem scale, int scaleSlot, boolean symOut) {
        assert !symOut || m == n;
        assert a != c && b != c : "GEMM output must not alias an operand";
        rt.gemm(rt.gemmFor(m, n), batch, m, n, k, a, lda, strideA, ta, b, ldb, strideB, tb, c, ldc, strideC, d, alpha,
                beta, diag, diagLimit, scale, scaleSlot, symOut);
    }

    /** Square padded products of one batch: shape and scalars shared by a whole forward or backward. */
    private final class Square {
        final int batch;
        final int d;
        final int dp;
        final int ld;
        final int dd;
        final cl_mem scal;

        Square(int batch, int d, cl_mem scal) {
            this.batch = batch;
            this.d = d;
            this.dp = padded(d);
            this.ld = leading(dp);
            this.dd = squareSize(d);
            this.scal = scal;
        }

        /** out = alpha op(a) op(b) + beta dm + diag I, optionally times sqrt(tau_b). */
        void mul(cl_mem a, boolean ta, cl_mem b, boolean tb, cl_mem out, cl_mem dm, float alpha, float beta,
                 float diag, boolean postCompensate, boolean symOut) {
            gemm(batch, dp, dp, dp, a, ld, dd, ta, b, ld, dd, tb, out, ld, dd, dm, alpha, beta, diag, d,
                    postCompensate ? scal : null, 1, symOut);
        }

        long[] grid() {
            return new long[] {dp, dp, batch};
        }
    }

    // ==================================================================================== power-of-two scaling

    /** X samples whose largest |x| has a binary exponent within +-X_SAFE_EXP run unscaled. */
    private static final int X_SAFE_EXP = 20;
    /** The same for Sigma; its entries are squares of X's, so the safe band is twice as wide. */
    private static final int SIGMA_SAFE_EXP = 40;

    /**
     * Per-sample scaling exponents: for X (square = false) e_b with max |x_b| 2^e_b in [1, 2); for Sigma
     * (square = true) k_b with max |Sigma_b| 4^k_b in [1, 4). 0 for samples within the safe band or all zero.
     *
     * @return the exponents, or null when every sample is 0 (the common case: the caller's array is used as is)
     */
    private static int[] scaleExponents(float[] a, int off, int per, int batch, boolean square) {
        int[] e = null;
        for (int b = 0; b < batch; b++) {
            float max = 0f;
            for (int i = off + b * per, end = i + per; i < end; i++) {
                max = Math.max(max, Math.abs(a[i]));
            }
            if (max == 0f) {
                continue;
            }
            // In double, so that denormal floats report their true exponent (down to -149).
            int exp = Math.getExponent((double) max);
            int safe = square ? SIGMA_SAFE_EXP : X_SAFE_EXP;
            if (exp < -safe || exp > safe) {
                if (e == null) {
                    e = new int[batch];
                }
                e[b] = square ? -Math.floorDiv(exp, 2) : -exp;
            }
        }
        return e;
    }

    /**
     * @param mult 1 for X (2^e), 2 for Sigma (4^k)
     * @return a new array: sample b of {@code a} times 2^(mult e_b), exact (a power of two; only values far below
     *         the sample's largest can round, when scaling down)
     */
    private static float[] scaledCopy(float[] a, int off, int per, int batch, int[] e, int mult) {
        float[] c = new float[batch * per];
        for (int b = 0; b < batch; b++) {
            double f = Math.scalb(1.0, mult * e[b]);
            for (int i = 0; i < per; i++) {
                c[b * per + i] = (float) (a[off + b * per + i] * f);
            }
        }
        return c;
    }

    /**
     * An input as the kernels see it: the caller's array when no sample needs scaling, else an exactly scaled copy.
     *
     * @param a   the array to upload, from {@code off}
     * @param off offset into {@code a}
     * @param e   the per-sample exponents of {@link #scaleExponents}, null when none
     */
    private record Scaled(float[] a, int off, int[] e) {
    }

    /** {@link #scaleExponents} then, where needed, {@link #scaledCopy} (4^k for Sigma, 2^e otherwise). */
    private static Scaled scaled(float[] a, int off, int per, int batch, boolean square) {
        int[] e = scaleExponents(a, off, per, batch, square);
        if (e == null) {
            return new Scaled(a, off, null);
        }
        return new Scaled(scaledCopy(a, off, per, batch, e, square ? 2 : 1), 0, e);
    }

    /**
     * Scales each downloaded sample back by 2^(mult e_b) (e null: no scaling) and rejects non-finite values: for
     * finite input no NaN or infinity may leave the library.
     *
     * @param what the result's name, for the message
     * @param why  the likely cause, for the message
     */
    private static void scaleBackAndCheck(String what, String why, float[] a, int off, int per, int batch, int[] e,
                                          int mult) {
        for (int b = 0; b < batch; b++) {
            int base = off + b * per;
            if (e != null && e[b] != 0) {
                double f = Math.scalb(1.0, mult * e[b]);
                for (int i = 0; i < per; i++) {
                    a[base + i] = (float) (a[base + i] * f);
                }
            }
            Validation.requireRepresentable(what, a, base, per, b, why);
        }
    }

    /** @return ma a[b] + mb b[b] per sample (a missing array counts as zeros), or null when both are null */
    private static int[] combine(int[] a, int ma, int[] b, int mb) {
        if (a == null && b == null) {
            return null;
        }
        int len = a != null ? a.length : b.length;
        int[] c = new int[len];
        for (int i = 0; i < len; i++) {
            c[i] = (a == null ? 0 : ma * a[i]) + (b == null ? 0 : mb * b[i]);
        }
        return c;
    }

    /**
     * {@link Validation#requireConverged} for every sample of a layer forward: tau is the device's trace of the
     * (scaled) covariance, brought back to the output's scale like C (C(2^e X) = 2^e C(X), tau scales by 4^e).
     */
    private void requireConverged(OpenClHandle h, float[] out, int outOff, int[] e) {
        float[] scal = new float[h.batch() * ClRuntime.SCAL_STRIDE];
        rt.read(h.scal, scal, 0, scal.length);
        int per = h.options().layout().elements(h.d());
        for (int b = 0; b < h.batch(); b++) {
            double tau = Math.scalb((double) scal[b * ClRuntime.SCAL_STRIDE], e == null ? 0 : -2 * e[b]);
            if (tau > 0) {
                Validation.requireConverged(out, outOff + b * per, h.options().layout(), h.d(), tau, b,
                        h.options().iterations());
            }
        }
    }

    private static final String TOO_LARGE = "input too large";
    private static final String DIVERGED = "the Newton-Schulz iteration diverged: Sigma not positive semi-definite,"
            + " or too many iterations for float32 on a rank-deficient Sigma";

    // ==================================================================================== forward stages

    /** Uploads X (the caller's or its scaled copy) and centres it: Xc^T always (returned), Xc into xcOut when not null. */
    private cl_mem centre(Temps temps, int batch, int d, int n, float[] x, int xOff, cl_mem xcOut) {
        int dp = padded(d);
        int ld = leading(dp);
        int total = batch * d * n;
        cl_mem xb = temps.alloc(total);
        rt.write(xb, x, xOff, total);
        cl_mem mean = temps.alloc((long) batch * d);
        rt.kernel("row_mean").i(batch * d).i(n).m(xb).m(mean).run(new long[] {(long) batch * d}, null);
        cl_mem xcT = temps.alloc((long) batch * n * ld);
        rt.kernel("center").i(d).i(n).i(dp).i(ld).m(xb).m(mean).m(xcOut == null ? xcT : xcOut).m(xcT)
                .i(xcOut == null ? 0 : 1).run(new long[] {dp / 8, ceilDiv(n, 8), batch}, null);
        return xcT;
    }

    /** Sigma = Xc Xc^T / n from Xc^T, padded, exactly symmetric. */
    private void covarianceGemm(int batch, int d, int n, cl_mem xcT, cl_mem sigma) {
        int dp = padded(d);
        int ld = leading(dp);
        int dd = squareSize(d);
        int stride = kernelInt("n * ld", (long) n * ld);
        gemm(batch, dp, dp, n, xcT, ld, stride, true, xcT, ld, stride, false, sigma, ld, dd,
                null, 1f / n, 0f, 0f, 0, null, -1, true);
    }

    /**
     * Trace normalisation and the K coupled Newton-Schulz steps, sigma (padded) becoming A in place.
     * Forward products: step 1 one (Y1 = A T1, T1 = (3I - A)/2 without a product), middle steps three, the last
     * two (no Z); the last GEMM applies the post-compensation sqrt(tau) in its epilogue.
     */
    private OpenClHandle sqrtCore(OpenClHandle.State st, ForwardHandle.Stage stage, int batch, int d, int n,
                                  SqrtOptions options, cl_mem sigma, boolean sym, cl_mem xc, float[] out, int outOff,
                                  Temps temps, int[] sigmaExponents) {
        int k = options.iterations();
        cl_mem scal = st.alloc((long) batch * ClRuntime.SCAL_STRIDE);
        Square sq = new Square(batch, d, scal);
        rt.kernel("trace_scalars").i(batch).i(d).i(sq.dp).i(sq.ld).m(sigma).m(scal).run(new long[] {batch}, null);
        cl_mem[] y = new cl_mem[k];
        cl_mem[] t = new cl_mem[k + 1];
        cl_mem[] z = new cl_mem[k];
        y[0] = sigma;
        t[1] = st.alloc((long) batch * sq.dd);
        rt.kernel("normalise").i(d).i(sq.dp).i(sq.ld).m(sigma).m(scal).m(sigma).m(t[1]).run(sq.grid(), null);
        if (k > 1) {
            z[1] = t[1];
        }
        cl_mem c = null;
        boolean fused = sym && rt.fusedSteps && sq.dp <= rt.nsMaxD;
        for (int s = 1; s <= k; s++) {
            if (s >= 2 && fused) {
                // The whole step in one launch per batch: T_s, then Y_s and Z_s (or C at the last step).
                t[s] = st.alloc((long) batch * sq.dd);
                cl_mem yOut = st.alloc((long) batch * sq.dd);
                cl_mem zOut = s == k ? yOut : st.alloc((long) batch * sq.dd);
                rt.kernel("ns_step_small").i(sq.dp).i(sq.ld).i(d).i(s == k ? 1 : 0).m(y[s - 1]).m(z[s - 1]).m(t[s])
                        .m(yOut).m(zOut).m(scal).run(new long[] {(long) rt.nsWg * batch}, new long[] {rt.nsWg});
                if (s == k) {
                    c = yOut;
                } else {
                    y[s] = yOut;
                    z[s] = zOut;
                }
                continue;
            }
            if (s >= 2) {
                // T_s = (3I - Z Y) / 2; for symmetric iterates Z^T = Z, read the fast (transposed) way.
                t[s] = st.alloc((long) batch * sq.dd);
                sq.mul(z[s - 1], sym, y[s - 1], false, t[s], null, -0.5f, 0f, 1.5f, false, sym);
            }
            if (s == k) {
                c = st.alloc((long) batch * sq.dd);
                sq.mul(y[s - 1], sym, t[s], false, c, null, 1f, 0f, 0f, true, sym);
            } else {
                y[s] = st.alloc((long) batch * sq.dd);
                sq.mul(y[s - 1], sym, t[s], false, y[s], null, 1f, 0f, 0f, false, sym);
                if (s >= 2) {
                    z[s] = st.alloc((long) batch * sq.dd);
                    sq.mul(t[s], sym, z[s - 1], false, z[s], null, 1f, 0f, 0f, false, sym);
                }
            }
        }
        OutputLayout layout = options.layout();
        int per = layout.elements(d);
        cl_mem ob = temps.alloc((long) batch * per);
        rt.kernel("pack_out").i(d).i(sq.dp).i(sq.ld).i(layout == OutputLayout.TRIU ? 1 : 0).m(c).m(ob)
                .run(new long[] {d, d, batch}, null);
        rt.read(ob, out, outOff, batch * per);
        return new OpenClHandle(this, stage, batch, d, n, options, out, outOff, st, sym, y, t, z, c, scal, xc,
                sigmaExponents);
    }

    // ==================================================================================== backward stages

    /**
     * The square-root backward on the raw dL/dC (the post-compensation factor is applied in grad_finish): runs
     * the steps K..1 and leaves dA_raw and the dots u = <G, C>, v = <dA_raw, A> on the device.
     *
     * @param symmetricPart use the symmetric part of dL/dC (allowed for the layer, whose dL/dX depends on dL/dSigma
     *                      only through its symmetric part: the whole backward map commutes with transposition when
     *                      Sigma is symmetric, so sym(dL/dSigma(G)) = dL/dSigma(sym G))
     * @return {dA_raw, dots}
     */
    private cl_mem[] sqrtBackwardCore(OpenClHandle h, float[] gradOut, int gOff, boolean symmetricPart, Temps temps) {
        int batch = h.batch();
        int d = h.d();
        OutputLayout layout = h.options().layout();
        Square sq = new Square(batch, d, h.scal);
        int per = layout.elements(d);
        cl_mem gin = temps.alloc((long) batch * per);
        rt.write(gin, gradOut, gOff, batch * per);
        cl_mem g = temps.alloc((long) batch * sq.dd);
        boolean sym = symmetricPart && h.symmetric;
        rt.kernel("unpack_in").i(d).i(sq.dp).i(sq.ld).i(layout == OutputLayout.TRIU ? 1 : 0).i(sym ? 1 : 0)
                .m(gin).m(g).run(sq.grid(), null);
        cl_mem dots = temps.alloc(2L * batch);
        dot(sq, g, h.c, dots, 0);
        cl_mem da = sym ? symmetricSteps(h, sq, g, temps) : generalSteps(h, sq, g, temps);
        dot(sq, da, h.y[0], dots, 1);
        return new cl_mem[] {da, dots};
    }

    /**
     * Backward steps for any dL/dC. Per step (Y, Z, T of that step; iterates multiplied from the right appear
     * transposed, so the formulas hold for non-symmetric Sigma too):
     * dY = G_Y T^T + T^T G_Y - 1.5 G_Y - Z^T G_Z Z^T / 2, dZ = T^T G_Z + G_Z T^T - 1.5 G_Z - Y^T G_Y Y^T / 2
     * (docs/maths.md (B10)-(B11): (B8)-(B9) with N = (ZY)^T = 3I - 2T^T); last step G_Z = 0 (B6);
     * first step Z = I (B7):
     * dA = G_Y T^T - A^T G_Y / 2 - G_Z / 2. Products: 4 + 8 (K - 2) + 2 for K >= 2.
     */
    private cl_mem generalSteps(OpenClHandle h, Square sq, cl_mem g, Temps temps) {
        int k = h.options().iterations();
        // For symmetric iterates the stored matrix is its own transpose, which the kernel reads fastest as is.
        boolean tb = !h.symmetric;
        long size = (long) sq.batch * sq.dd;
        cl_mem gy = g;
        cl_mem gz = null;
        cl_mem w1 = null;
        cl_mem w2 = null;
        cl_mem p = null;
        for (int s = k; s >= 2; s--) {
            cl_mem tS = h.t[s];
            cl_mem yS = h.y[s - 1];
            cl_mem zS = h.z[s - 1];
            if (w1 == null) {
                w1 = temps.alloc(size);
                w2 = temps.alloc(size);
                p = temps.alloc(size);
            }
            sq.mul(gy, false, tS, tb, w1, gy, 1f, -1.5f, 0f, false, false);
            sq.mul(tS, true, gy, false, w1, w1, 1f, 1f, 0f, false, false);
            if (gz != null) {
                sq.mul(zS, true, gz, false, p, null, 1f, 0f, 0f, false, false);
                sq.mul(p, false, zS, tb, w1, w1, -0.5f, 1f, 0f, false, false);
                sq.mul(tS, true, gz, false, w2, gz, 1f, -1.5f, 0f, false, false);
                sq.mul(gz, false, tS, tb, w2, w2, 1f, 1f, 0f, false, false);
            }
            sq.mul(yS, true, gy, false, p, null, 1f, 0f, 0f, false, false);
            sq.mul(p, false, yS, tb, w2, gz == null ? null : w2, -0.5f, 1f, 0f, false, false);
            cl_mem oldGy = gy;
            cl_mem oldGz = gz;
            gy = w1;
            gz = w2;
            w1 = oldGy;
            w2 = oldGz == null ? temps.alloc(size) : oldGz;
        }
        cl_mem da = w1 == null ? temps.alloc(size) : w1;
        sq.mul(gy, false, h.t[1], tb, da, gz, 1f, -0.5f, 0f, false, false);
        sq.mul(h.y[0], true, gy, false, da, da, -0.5f, 1f, 0f, false, false);
        return da;
    }

    /**
     * Backward steps for symmetric Sigma and symmetric dL/dC, where every gradient iterate is symmetric too
     * (docs/maths.md (B12)-(B14)):
     * G T + T G = P + P^T with P = G T, and Z G_Z Z, Y G_Y Y are symmetric products computed on their upper
     * triangle. Per step dY = P + P^T - 1.5 G_Y - (Z G_Z) Z / 2 and dZ = P' + P'^T - 1.5 G_Z - (Y G_Y) Y / 2;
     * first step dA = 1.5 G_Y - (P + P^T) / 2 - G_Z / 2 with P = A G_Y. Products (half-size ones counted as
     * one half): 2.5 + 5 (K - 2) + 1 for K >= 2, against 4 + 8 (K - 2) + 2 in the general form.
     */
    private cl_mem symmetricSteps(OpenClHandle h, Square sq, cl_mem g, Temps temps) {
        int k = h.options().iterations();
        long size = (long) sq.batch * sq.dd;
        cl_mem gy = g;
        cl_mem gz = null;
        cl_mem p = temps.alloc(size);
        cl_mem q = null;
        cl_mem w1 = null;
        cl_mem w2 = null;
        for (int s = k; s >= 2; s--) {
            cl_mem tS = h.t[s];
            cl_mem yS = h.y[s - 1];
            cl_mem zS = h.z[s - 1];
            if (w1 == null) {
                q = temps.alloc(size);
                w1 = temps.alloc(size);
                w2 = temps.alloc(size);
            }
            sq.mul(gy, true, tS, false, p, null, 1f, 0f, 0f, false, false);
            combine(sq, p, gy, null, w1, 1f, -1.5f, 0f);
            if (gz != null) {
                sq.mul(zS, true, gz, false, q, null, 1f, 0f, 0f, false, false);
                sq.mul(q, false, zS, false, w1, w1, -0.5f, 1f, 0f, false, true);
                sq.mul(gz, true, tS, false, p, null, 1f, 0f, 0f, false, false);
                combine(sq, p, gz, null, w2, 1f, -1.5f, 0f);
            }
            sq.mul(yS, true, gy, false, q, null, 1f, 0f, 0f, false, false);
            sq.mul(q, false, yS, false, w2, gz == null ? null : w2, -0.5f, 1f, 0f, false, true);
            cl_mem oldGy = gy;
            cl_mem oldGz = gz;
            gy = w1;
            gz = w2;
            w1 = oldGy;
            w2 = oldGz == null ? temps.alloc(size) : oldGz;
        }
        cl_mem da = w1 == null ? temps.alloc(size) : w1;
        sq.mul(h.y[0], true, gy, false, p, null, 1f, 0f, 0f, false, false);
        combine(sq, p, gy, gz, da, -0.5f, 1.5f, gz == null ? 0f : -0.5f);
        return da;
    }

    /** out = a (p + p^T) + bx x + cy y, y not read when cy = 0. */
    private void combine(Square sq, cl_mem p, cl_mem x, cl_mem y, cl_mem out, float a, float bx, float cy) {
        rt.kernel("combine").i(sq.dp).i(sq.ld).m(p).m(x).m(y == null ? x : y).m(out).f(a).f(bx).f(cy)
                .run(new long[] {sq.dp / 8, sq.dp / 8, sq.batch}, null);
    }

    private void dot(Square sq, cl_mem a, cl_mem b, cl_mem dots, int slot) {
        rt.kernel("dot_batched").i(sq.dp).i(sq.ld).m(a).m(b).m(dots).i(slot)
                .run(new long[] {(long) rt.redWg * sq.batch}, new long[] {rt.redWg});
    }

    // ==================================================================================== entry points

    @Override
    protected void doCovariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff) {
        Scaled xIn = scaled(x, xOff, d * n, batch, false);
        call(temps -> {
            int dp = padded(d);
            cl_mem xcT = centre(temps, batch, d, n, xIn.a(), xIn.off(), null);
            cl_mem s = temps.alloc((long) batch * squareSize(d));
            covarianceGemm(batch, d, n, xcT, s);
            cl_mem ob = temps.alloc((long) batch * d * d);
            rt.kernel("pack_out").i(d).i(dp).i(leading(dp)).i(0).m(s).m(ob).run(new long[] {d, d, batch}, null);
            rt.read(ob, sigma, sigmaOff, batch * d * d);
            scaleBackAndCheck("sigma", TOO_LARGE, sigma, sigmaOff, d * d, batch, xIn.e(), -2);
            return null;
        });
    }

    @Override
    protected void doCovarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                                        float[] gradX, int gxOff) {
        Scaled xIn = scaled(x, xOff, d * n, batch, false);
        Scaled gIn = scaled(gradSigma, gOff, d * d, batch, false);
        call(temps -> {
            Square sq = new Square(batch, d, null);
            cl_mem xc = temps.alloc((long) batch * d * n);
            centre(temps, batch, d, n, xIn.a(), xIn.off(), xc);
            cl_mem gin = temps.alloc((long) batch * d * d);
            rt.write(gin, gIn.a(), gIn.off(), batch * d * d);
            cl_mem g = temps.alloc((long) batch * sq.dd);
            rt.kernel("unpack_in").i(d).i(sq.dp).i(sq.ld).i(0).i(0).m(gin).m(g).run(sq.grid(), null);
            cl_mem s = temps.alloc((long) batch * sq.dd);
            rt.kernel("symmetrise").i(sq.dp).i(sq.ld).m(g).m(s).f(1f / n).run(sq.grid(), null);
            gradXFromS(temps, sq, n, s, xc, gradX, gxOff);
            // dL/dX = (G + G^T) Xc / n is linear in Xc = 2^-e Xc(scaled), e = xIn.e()[b], and in G = 2^-g G(scaled).
            scaleBackAndCheck("gradX", TOO_LARGE, gradX, gxOff, d * n, batch, combine(xIn.e(), -1, gIn.e(), -1), 1);
            return null;
        });
    }

    /** dL/dX = S Xc with S symmetric (so read transposed, the fast way), downloaded into gradX. */
    private void gradXFromS(Temps temps, Square sq, int n, cl_mem s, cl_mem xc, float[] gradX, int gxOff) {
        int dn = sq.d * n;
        cl_mem gx = temps.alloc((long) sq.batch * dn);
        gemm(sq.batch, sq.d, n, sq.d, s, sq.ld, sq.dd, true, xc, n, dn, false, gx, n, dn,
                null, 1f, 0f, 0f, 0, null, -1, false);
        rt.read(gx, gradX, gxOff, sq.batch * dn);
    }

    @Override
    protected OpenClHandle doSqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                         float[] out, int outOff) {
        if (!options.isPlainSqrt()) {
            return rootSqrtForward(batch, d, options, sigma, sigmaOff, out, outOff);
        }
        boolean sym = isSymmetric(batch, d, sigma, sigmaOff);
        Scaled sigmaIn = scaled(sigma, sigmaOff, d * d, batch, true);
        return call(temps -> withState(st -> {
            int dp = padded(d);
            cl_mem sin = temps.alloc((long) batch * d * d);
            rt.write(sin, sigmaIn.a(), sigmaIn.off(), batch * d * d);
            cl_mem s = st.alloc((long) batch * squareSize(d));
            rt.kernel("unpack_in").i(d).i(dp).i(leading(dp)).i(0).i(0).m(sin).m(s).run(new long[] {dp, dp, batch}, null);
            OpenClHandle h = sqrtCore(st, ForwardHandle.Stage.SQRT, batch, d, 0, options, s, sym, null, out,
                    outOff, temps, sigmaIn.e());
            scaleBackAndCheck("output", DIVERGED, out, outOff, options.layout().elements(d), batch, sigmaIn.e(), -1);
            return h;
        }));
    }

    @Override
    protected void doSqrtBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        if (!h.options().isPlainSqrt()) {
            rootSqrtBackward(h, gradOut, gOff, gradSigma, gsOff);
            return;
        }
        int per = h.options().layout().elements(h.d());
        Scaled gIn = scaled(gradOut, gOff, per, h.batch(), false);
        call(temps -> {
            ensureLive(h);
            cl_mem[] r = sqrtBackwardCore(h, gIn.a(), gIn.off(), false, temps);
            int batch = h.batch();
            int d = h.d();
            Square sq = new Square(batch, d, h.scal);
            cl_mem gs = temps.alloc((long) batch * sq.dd);
            rt.kernel("grad_finish").i(d).i(sq.dp).i(sq.ld).m(r[0]).m(h.scal).m(r[1]).m(gs).i(0).f(0f)
                    .run(sq.grid(), null);
            cl_mem ob = temps.alloc((long) batch * d * d);
            rt.kernel("pack_out").i(d).i(sq.dp).i(sq.ld).i(0).m(gs).m(ob).run(new long[] {d, d, batch}, null);
            rt.read(ob, gradSigma, gsOff, batch * d * d);
            // C(Sigma) = 2^-k C(4^k Sigma): dL/dSigma = 2^k (the gradient at the scaled Sigma), and it is linear in
            // dL/dC = 2^-g dL/dC(scaled).
            scaleBackAndCheck("gradSigma", TOO_LARGE, gradSigma, gsOff, d * d, batch,
                    combine(h.sigmaExponents, 1, gIn.e(), -1), 1);
            return null;
        });
    }

    @Override
    protected OpenClHandle doForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff, float[] out,
                                     int outOff) {
        if (!options.isPlainSqrt()) {
            return rootLayerForward(ForwardHandle.Stage.LAYER, batch, d, n, options, x, xOff, out, outOff);
        }
        Scaled xIn = scaled(x, xOff, d * n, batch, false);
        return call(temps -> withState(st -> {
            cl_mem xc = st.alloc((long) batch * d * n);
            cl_mem xcT = centre(temps, batch, d, n, xIn.a(), xIn.off(), xc);
            cl_mem s = st.alloc((long) batch * squareSize(d));
            covarianceGemm(batch, d, n, xcT, s);
            // The handle keeps the scaled Xc: dL/dX is the same at every scale of X, so the backward needs no factor.
            OpenClHandle h = sqrtCore(st, ForwardHandle.Stage.LAYER, batch, d, n, options, s, true, xc, out,
                    outOff, temps, null);
            scaleBackAndCheck("output", DIVERGED, out, outOff, options.layout().elements(d), batch, xIn.e(), -1);
            requireConverged(h, out, outOff, xIn.e());
            return h;
        }));
    }

    /**
     * Runs a forward on a new handle state: the state is registered as live when the forward returns its handle,
     * and released at once when it throws, so a failed forward leaves no device buffer behind.
     */
    private OpenClHandle withState(java.util.function.Function<OpenClHandle.State, OpenClHandle> forward) {
        OpenClHandle.State st = new OpenClHandle.State(rt, liveStates);
        try {
            OpenClHandle h = forward.apply(st);
            liveStates.add(st);
            return h;
        } catch (RuntimeException | Error e) {
            st.run();
            throw e;
        }
    }

    @Override
    protected void doBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        if (!h.options().isPlainSqrt()) {
            rootLayerBackward(h, gradOut, gOff, gradX, gxOff);
            return;
        }
        int per = h.options().layout().elements(h.d());
        Scaled gIn = scaled(gradOut, gOff, per, h.batch(), false);
        call(temps -> {
            ensureLive(h);
            cl_mem[] r = sqrtBackwardCore(h, gIn.a(), gIn.off(), true, temps);
            Square sq = new Square(h.batch(), h.d(), h.scal);
            cl_mem s = temps.alloc((long) sq.batch * sq.dd);
            rt.kernel("grad_finish").i(sq.d).i(sq.dp).i(sq.ld).m(r[0]).m(h.scal).m(r[1]).m(s).i(h.symmetric ? 2 : 1)
                    .f(1f / h.n())
                    .run(sq.grid(), null);
            gradXFromS(temps, sq, h.n(), s, h.xc, gradX, gxOff);
            scaleBackAndCheck("gradX", TOO_LARGE, gradX, gxOff, h.d() * h.n(), h.batch(), gIn.e(), -1);
            return null;
        });
    }

    // ==================================================================================== root options, whitening

    /**
     * Host-side saved state of the forwards with root options other than the paper's and of the whitening (see
     * {@link RootPath}), keyed by their handles; weak, so that an unreachable handle's state goes with it.
     */
    private final Map<OpenClHandle, RootState> rootStates =
            Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The host iterates and, for the layer and the whitening, the caller's x. */
    private record RootState(RootPath.Saved saved, float[] x, int xOff) {
    }

    /** @return batched d x d products on the device, under the current call's temporaries */
    private RootPath.Mul deviceMul(Temps temps, int batch, int d) {
        return (a, ta, b, tb) -> deviceGemm(temps, batch, d, d, d, a, ta, b, tb);
    }

    /** C_b = op(A_b) op(B_b) for host row-major matrices, op(A) m x k and op(B) k x n, on the device. */
    private float[] deviceGemm(Temps temps, int batch, int m, int n, int k, float[] a, boolean ta, float[] b,
                               boolean tb) {
        int sa = kernelInt("m * k", (long) m * k);
        int sb = kernelInt("k * n", (long) k * n);
        int sc = kernelInt("m * n", (long) m * n);
        cl_mem ma = temps.alloc((long) batch * sa);
        cl_mem mb = temps.alloc((long) batch * sb);
        cl_mem mc = temps.alloc((long) batch * sc);
        rt.write(ma, a, 0, batch * sa);
        rt.write(mb, b, 0, batch * sb);
        gemm(batch, m, n, k, ma, ta ? m : k, sa, ta, mb, tb ? k : n, sb, tb, mc, n, sc, null, 1f, 0f, 0f, 0, null, -1,
                false);
        float[] c = new float[batch * sc];
        rt.read(mc, c, 0, batch * sc);
        return c;
    }

    private OpenClHandle hostHandle(ForwardHandle.Stage stage, int batch, int d, int n, SqrtOptions options,
                                    float[] out, int outOff, boolean sym, RootState rs) {
        OpenClHandle h = new OpenClHandle(this, stage, batch, d, n, options, out, outOff,
                new OpenClHandle.State(rt, liveStates), sym, null, null, null, null, null, null, null);
        rootStates.put(h, rs);
        return h;
    }

    private RootState rootState(OpenClHandle h) {
        RootState rs = rootStates.get(h);
        if (rs == null) {
            throw new IllegalStateException("handle " + h + " has no saved state");
        }
        return rs;
    }

    /** dL/dC in the handle's layout to B full d x d matrices (a packed gradient fills the upper triangle). */
    private static float[] fullGradient(float[] g, int off, int batch, int d, OutputLayout layout) {
        int dd = d * d;
        float[] full = new float[batch * dd];
        if (layout == OutputLayout.FULL) {
            System.arraycopy(g, off, full, 0, batch * dd);
            return full;
        }
        int o = off;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    full[b * dd + i * d + j] = g[o++];
                }
            }
        }
        return full;
    }

    private OpenClHandle rootSqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                         float[] out, int outOff) {
        boolean sym = isSymmetric(batch, d, sigma, sigmaOff);
        float[] s = java.util.Arrays.copyOfRange(sigma, sigmaOff, sigmaOff + batch * d * d);
        return call(temps -> {
            RootPath.Saved sv = RootPath.forward(deviceMul(temps, batch, d), batch, d, options, s, "sigma");
            if (sym && sv.inverse()) {
                // A symmetric Sigma should be positive semi-definite: Z_K above every exact iterate is divergence.
                for (int b = 0; b < batch; b++) {
                    Validation.requireInverseConverged(sv.r, b * d * d, OutputLayout.FULL, d, 1.0, b,
                            options.iterations());
                }
            }
            RootPath.writeOutput(sv, options.layout(), out, outOff);
            return hostHandle(ForwardHandle.Stage.SQRT, batch, d, 0, options, out, outOff, sym,
                    new RootState(sv, null, 0));
        });
    }

    private void rootSqrtBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        RootState rs = rootState(h);
        float[] g = fullGradient(gradOut, gOff, h.batch(), h.d(), h.options().layout());
        float[] gs = call(temps -> RootPath.backward(deviceMul(temps, h.batch(), h.d()), rs.saved(), g));
        System.arraycopy(gs, 0, gradSigma, gsOff, gs.length);
    }

    /**
     * Layer (C) or whitening (W = C Xc) forward with options: the device covariance, then {@link RootPath};
     * W's product runs on the device too.
     */
    private OpenClHandle rootLayerForward(ForwardHandle.Stage stage, int batch, int d, int n, SqrtOptions options,
                                          float[] x, int xOff, float[] out, int outOff) {
        int dd = d * d;
        float[] sigma = new float[batch * dd];
        doCovariance(batch, d, n, x, xOff, sigma, 0);
        return call(temps -> {
            RootPath.Saved sv = RootPath.forward(deviceMul(temps, batch, d), batch, d, options, sigma, "x");
            RootState rs = new RootState(sv, x, xOff);
            boolean inv = sv.inverse();
            if (stage == ForwardHandle.Stage.WHITEN) {
                int dn = d * n;
                for (int b = 0; b < batch; b++) {
                    Validation.requireInverseConverged(sv.r, b * dd, OutputLayout.FULL, d, 1.0, b,
                            options.iterations());
                }
                float[] w = deviceGemm(temps, batch, d, n, d, sv.r, false, RootPath.centred(x, xOff, batch, d, n),
                        false);
                for (int b = 0; b < batch; b++) {
                    double f = sv.factor(b);
                    for (int i = 0; i < dn; i++) {
                        float v = (float) (w[b * dn + i] * f);
                        if (!Float.isFinite(v)) {
                            throw Validation.notRepresentable("output", b, i, v, TOO_LARGE);
                        }
                        out[outOff + b * dn + i] = v;
                    }
                }
                return hostHandle(stage, batch, d, n, options, out, outOff, true, rs);
            }
            RootPath.writeOutput(sv, options.layout(), out, outOff);
            int per = options.layout().elements(d);
            for (int b = 0; b < batch; b++) {
                if (sv.nu[b] == 0) {
                    continue;
                }
                if (inv) {
                    Validation.requireInverseConverged(out, outOff + b * per, options.layout(), d, sv.nu[b], b,
                            options.iterations());
                } else {
                    double tr = 0;
                    for (int i = 0; i < d; i++) {
                        tr += sigma[b * dd + i * d + i] + options.epsilon();
                    }
                    Validation.requireConverged(out, outOff + b * per, options.layout(), d, tr, b,
                            options.iterations());
                }
            }
            return hostHandle(stage, batch, d, n, options, out, outOff, true, rs);
        });
    }

    private void rootLayerBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        RootState rs = rootState(h);
        float[] g = fullGradient(gradOut, gOff, h.batch(), h.d(), h.options().layout());
        float[] gs = call(temps -> RootPath.backward(deviceMul(temps, h.batch(), h.d()), rs.saved(), g));
        doCovarianceBackward(h.batch(), h.d(), h.n(), rs.x(), rs.xOff(), gs, 0, gradX, gxOff);
    }

    @Override
    protected OpenClHandle doWhitenForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                           float[] out, int outOff) {
        return rootLayerForward(ForwardHandle.Stage.WHITEN, batch, d, n, options, x, xOff, out, outOff);
    }

    /**
     * Whitening backward: dL/dC = G Xc^T (device), dL/dSigma by {@link RootPath#backward}, then
     * dL/dX = C^T (G - row means of G) + the device covariance backward of dL/dSigma.
     */
    @Override
    protected void doWhitenBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        RootState rs = rootState(h);
        int batch = h.batch();
        int d = h.d();
        int n = h.n();
        int dn = d * n;
        float[] g = java.util.Arrays.copyOfRange(gradOut, gOff, gOff + batch * dn);
        float[] xc = RootPath.centred(rs.x(), rs.xOff(), batch, d, n);
        float[] direct = call(temps -> deviceGemm(temps, batch, d, d, n, g, false, xc, true));
        float[] gs = call(temps -> RootPath.backward(deviceMul(temps, batch, d), rs.saved(), direct));
        float[] cov = new float[batch * dn];
        doCovarianceBackward(batch, d, n, rs.x(), rs.xOff(), gs, 0, cov, 0);
        float[] gcent = RootPath.centred(g, 0, batch, d, n);
        float[] cg = call(temps -> deviceGemm(temps, batch, d, n, d, rs.saved().r, true, gcent, false));
        for (int b = 0; b < batch; b++) {
            double f = rs.saved().factor(b);
            for (int i = 0; i < dn; i++) {
                int p = b * dn + i;
                float v = (float) (cg[p] * f + cov[p]);
                if (!Float.isFinite(v)) {
                    throw Validation.notRepresentable("gradX", b, i, v, TOO_LARGE);
                }
                gradX[gxOff + p] = v;
            }
        }
    }

    private static void ensureLive(OpenClHandle h) {
        if (h.state.isReleased()) {
            throw new IllegalStateException("handle " + h + " has no device memory any more (its op was closed)");
        }
    }

    private static boolean isSymmetric(int batch, int d, float[] s, int off) {
        for (int b = 0; b < batch; b++) {
            int base = off + b * d * d;
            for (int i = 0; i < d; i++) {
                for (int j = i + 1; j < d; j++) {
                    if (s[base + i * d + j] != s[base + j * d + i]) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /**
     * Releases the handles' buffers, then the runtime; run by {@link #doClose()} or, for an op dropped without
     * close, by the cleaner. References no op, so the op can become unreachable.
     */
    private static final class Release implements Runnable {
        private final ClRuntime rt;
        private final Set<OpenClHandle.State> liveStates;

        Release(ClRuntime rt, Set<OpenClHandle.State> liveStates) {
            this.rt = rt;
            this.liveStates = liveStates;
        }

        @Override
        public void run() {
            for (OpenClHandle.State st : new ArrayList<>(liveStates)) {
                st.run();
            }
            rt.close();
        }
    }

    @Override
    protected void doClose() {
        synchronized (lock) {
            cleanable.clean();
        }
    }

    // ==================================================================================== benchmarks and tests

    /**
     * Measures the batched GEMM kernel alone: C_b = A_b^T B_b for {@code batch} pairs of random d x d matrices,
     * {@code reps} launches after one warm-up, timed by the queue's profiling events.
     *
     * @param d     matrix size, at least 1
     * @param batch matrices per launch, at least 1
     * @param reps  timed launches, at least 1
     * @return GFLOP/s (2 d^3 batch reps floating-point operations over the summed kernel time)
     */
    public double gemmBenchmark(int d, int batch, int reps) {
        if (d < 1 || batch < 1 || reps < 1) {
            throw new IllegalArgumentException("gemmBenchmark needs d, batch, reps >= 1, got " + d + ", " + batch + ", " + reps);
        }
        ensureOpen();
        int ld = leading(padded(d));
        int dd = Math.multiplyExact(d, ld);
        int total = Math.multiplyExact(batch, dd);
        float[] host = new float[total];
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < total; i++) {
            host[i] = (float) (rnd.nextDouble() - 0.5);
        }
        synchronized (lock) { // the measurement is read back before another call can replace it
            call(temps -> {
                cl_mem a = temps.alloc(total);
                cl_mem b = temps.alloc(total);
                cl_mem c = temps.alloc(total);
                rt.write(a, host, 0, total);
                rt.write(b, host, 0, total);
                gemm(batch, d, d, d, a, ld, dd, true, b, ld, dd, false, c, ld, dd, null, 1f, 0f, 0f, 0, null, -1, false);
                rt.drainProfile(); // the warm-up and the uploads stay out of the measurement
                for (int r = 0; r < reps; r++) {
                    gemm(batch, d, d, d, a, ld, dd, true, b, ld, dd, false, c, ld, dd, null, 1f, 0f, 0f, 0, null, -1, false);
                }
                return null;
            });
            return 2.0 * d * d * d * batch * reps / Math.max(1, lastKernelNanos);
        }
    }

    /**
     * Runs the GEMM kernel on host data, for tests: per sample, C = s (alpha op(A) op(B) + beta C + diag I_diagLimit).
     * A has {@code ta ? k : m} rows of lda, B {@code tb ? n : k} rows of ldb, C m rows of ldc; scale, when not
     * null, holds one factor per sample.
     */
    void gemmForTest(int batch, int m, int n, int k, float[] a, int lda, boolean ta, float[] b, int ldb, boolean tb,
                     float[] c, int ldc, float alpha, float beta, float diag, int diagLimit, float[] scale,
                     boolean symOut) {
        int sa = (ta ? k : m) * lda;
        int sb = (tb ? n : k) * ldb;
        int sc = m * ldc;
        call(temps -> {
            cl_mem am = temps.alloc((long) batch * sa);
            cl_mem bm = temps.alloc((long) batch * sb);
            cl_mem cm = temps.alloc((long) batch * sc);
            rt.write(am, a, 0, batch * sa);
            rt.write(bm, b, 0, batch * sb);
            rt.write(cm, c, 0, batch * sc);
            cl_mem sm = null;
            if (scale != null) {
                float[] packed = new float[batch * ClRuntime.SCAL_STRIDE];
                for (int i = 0; i < batch; i++) {
                    packed[i * ClRuntime.SCAL_STRIDE + 1] = scale[i];
                }
                sm = temps.alloc(packed.length);
                rt.write(sm, packed, 0, packed.length);
            }
            gemm(batch, m, n, k, am, lda, sa, ta, bm, ldb, sb, tb, cm, ldc, sc, beta != 0f ? cm : null, alpha, beta,
                    diag, diagLimit, sm, 1, symOut);
            rt.read(cm, c, 0, batch * sc);
            return null;
        });
    }

    /** @return the runtime, for tests that build extra programs on the op's context */
    ClRuntime runtime() {
        return rt;
    }
}
