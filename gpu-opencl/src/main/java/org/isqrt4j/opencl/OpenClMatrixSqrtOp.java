package org.isqrt4j.opencl;

import static org.isqrt4j.opencl.PowerOfTwoScaling.combine;
import static org.isqrt4j.opencl.PowerOfTwoScaling.scaleBackAndCheck;
import static org.isqrt4j.opencl.PowerOfTwoScaling.scaled;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.isqrt4j.api.AbstractMatrixSqrtOp;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.api.Validation;
import org.isqrt4j.opencl.PowerOfTwoScaling.Scaled;
import org.jocl.CLException;
import org.jocl.cl_mem;

/**
 * The iSQRT-COV layer on an OpenCL device (through JOCL).
 *
 * <h2>Device</h2>
 * The device is chosen once, at construction: the one named by the system properties
 * {@code isqrt4j.opencl.platform} and {@code isqrt4j.opencl.device} (each an index or a case-insensitive name
 * substring; the device index counts the devices of the matching platforms), otherwise the first GPU, otherwise
 * the first available device. The kernels (classpath resources {@code org/isqrt4j/opencl/*.cl}, split by concern:
 * {@code gemm.cl}, {@code covariance.cl}, {@code normalise.cl}, {@code newton_schulz.cl}, {@code backward.cl}, ...)
 * are built once for the op's context.
 *
 * <h2>Pipeline</h2>
 * Everything between the upload of X (or Sigma, or dL/dC) and the download of the result runs as kernels on one
 * in-order queue, one launch per stage for the whole batch, in the stages of docs/maths.md: covariance
 * ({@code CovarianceStage}: centring, then the Gram product), normalise, newtonSchulz (the K steps as batched
 * GEMMs of {@code GemmRoutine} with fused epilogues, (3I - ZY)/2), compensate (in the last product's epilogue)
 * and the TRIU packing ({@code ForwardStages}); in the backward the hand-derived gradient of every stage:
 * compensateBackward, newtonSchulzBackward, normaliseBackward ({@code BackwardStages}) and covarianceBackward.
 * Products of commuting symmetric matrices are computed on their upper triangle only. The layer backward works on
 * the symmetric part of dL/dC, which is exact: with Sigma symmetric, the map from dL/dC to dL/dSigma commutes with
 * transposition and dL/dX depends on dL/dSigma only through its symmetric part (docs/maths.md (B12)-(B13)); every
 * gradient iterate is then symmetric and the backward needs about 5 (K - 2) + 3.5 products instead of the
 * 6 (K - 2) + 6 of the general form (B3)-(B5). A forward's handle keeps the iterates its backward needs in
 * device memory until it is closed.
 *
 * <h2>Range</h2>
 * The kernels compute in float32, where the covariance of features around 1e20 overflows and that of features
 * around 1e-20 underflows. A sample whose largest |x| (or |Sigma_ij|) lies outside [2^-20, 2^20] (2^-40..2^40 for
 * Sigma) is therefore uploaded scaled by a power of two that brings it near 1 (X by 2^e, Sigma by 4^k;
 * {@code PowerOfTwoScaling}, on the host), and the downloaded result is scaled back exactly: C(2^e X) = 2^e C(X),
 * Sigma(2^e X) = 4^e Sigma(X), C(4^k Sigma) = 2^k C(Sigma); the layer's dL/dX does not depend on the scale at all. Incoming gradients outside [2^-20, 2^20]
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

    /** Held by every call for its whole duration. */
    final Object lock = new Object();
    private final ClRuntime rt;
    private final CovarianceStage covariance;
    private final ForwardStages forward;
    private final BackwardStages backward;
    private final RootPathRunner roots;
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
        this(device, System.getProperty(GemmRoutine.PROPERTY));
    }

    /** @param device the device  @param gemmChoice "direct", "local" or null for the device's default GEMM kernel */
    OpenClMatrixSqrtOp(ClDevice device, String gemmChoice) {
        super(OpenClHandle.class);
        try {
            this.rt = new ClRuntime(device, gemmChoice);
        } catch (LinkageError | CLException e) {
            throw new Isqrt4jException("cannot open OpenCL device " + device.describe() + ": " + e, e);
        }
        GemmRoutine gemm = new GemmRoutine(rt);
        this.covariance = new CovarianceStage(rt, gemm);
        this.forward = new ForwardStages(rt, gemm);
        this.backward = new BackwardStages(rt, gemm);
        this.roots = new RootPathRunner(this, rt, gemm);
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
     * @return device nanoseconds of the last completed call per kernel name ("gemm", "gemm_local",
     *         "covariance_centre", ...) and "transfer" for the copies, from the queue's profiling events; unmodifiable
     */
    public Map<String, Long> lastProfile() {
        return lastProfile;
    }


    // ==================================================================================== calls

    /** What every call body sees: runs under the lock, on an open runtime, with its profile recorded. */
    interface Body<T> {
        T run(Temps temps);
    }

    /**
     * Runs a call body under the op's lock with fresh per-call buffers, and records its profile.
     *
     * @throws IllegalStateException if the op is closed
     */
    <T> T call(Body<T> body) {
        synchronized (lock) {
            if (rt.isClosed()) {
                throw new IllegalStateException(name + " is closed");
            }
            try (Temps temps = new Temps(rt)) {
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

    static final String TOO_LARGE = "input too large";
    private static final String DIVERGED = "the Newton-Schulz iteration diverged: Sigma not positive semi-definite,"
            + " or too many iterations for float32 on a rank-deficient Sigma";

    /**
     * normalise, newtonSchulz, compensate and the TRIU packing on a padded Sigma (which becomes A in place); the
     * handle keeps the iterates for the backward.
     */
    private OpenClHandle sqrtStages(OpenClHandle.State st, ForwardHandle.Stage stage, int batch, int d, int n,
                                    SqrtOptions options, cl_mem sigma, boolean sym, cl_mem xc, float[] out,
                                    int outOff, Temps temps, int[] sigmaExponents) {
        cl_mem scal = st.alloc((long) batch * ClRuntime.SCAL_STRIDE);
        SquareShape sq = new SquareShape(batch, d, scal);
        cl_mem t1 = forward.normalise(st, sq, sigma);
        ForwardStages.Iterates it = forward.newtonSchulz(st, sq, options.iterations(), sigma, t1, sym);
        forward.pack(temps, sq, it.c(), options.layout(), out, outOff);
        return new OpenClHandle(this, stage, batch, d, n, options, out, outOff, st, sym, it, scal, xc,
                sigmaExponents);
    }

    /**
     * compensateBackward and newtonSchulzBackward on the raw dL/dC (the factor of (B2) is applied in
     * normaliseBackward), leaving u = &lt;G, C&gt; in dots[2b].
     *
     * @param symmetricPart use the symmetric part of dL/dC (allowed for the layer, whose dL/dX depends on dL/dSigma
     *                      only through its symmetric part: docs/maths.md (B12)-(B13))
     * @return dA_raw
     */
    private cl_mem sqrtBackwardStages(OpenClHandle h, SquareShape sq, float[] gradOut, int gOff,
                                      boolean symmetricPart, cl_mem dots, Temps temps) {
        boolean sym = symmetricPart && h.symmetric;
        cl_mem g = backward.compensateBackward(temps, sq, h.options().layout(), gradOut, gOff, sym, h.iterates.c(),
                dots);
        return backward.newtonSchulzBackward(temps, sq, h.options().iterations(), h.iterates, h.symmetric, sym, g);
    }

    // ==================================================================================== entry points

    @Override
    protected void doCovariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff) {
        Scaled xIn = scaled(x, xOff, d * n, batch, false);
        call(temps -> {
            SquareShape sq = new SquareShape(batch, d, null);
            cl_mem s = temps.alloc(sq.floats());
            covariance.covariance(temps, batch, d, n, xIn.a(), xIn.off(), null, s);
            forward.pack(temps, sq, s, OutputLayout.FULL, sigma, sigmaOff);
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
            SquareShape sq = new SquareShape(batch, d, null);
            cl_mem xc = temps.alloc((long) batch * d * n);
            covariance.centre(temps, batch, d, n, xIn.a(), xIn.off(), xc);
            cl_mem g = temps.alloc(sq.floats());
            forward.upload(temps, sq, gIn.a(), gIn.off(), g);
            covariance.covarianceBackward(temps, sq, n, g, xc, gradX, gxOff);
            // dL/dX = (G + G^T) Xc / n is linear in Xc = 2^-e Xc(scaled), e = xIn.e()[b], and in G = 2^-g G(scaled).
            scaleBackAndCheck("gradX", TOO_LARGE, gradX, gxOff, d * n, batch, combine(xIn.e(), -1, gIn.e(), -1), 1);
            return null;
        });
    }

    @Override
    protected OpenClHandle doSqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                         float[] out, int outOff) {
        if (!options.isPlainSqrt()) {
            return roots.sqrtForward(batch, d, options, sigma, sigmaOff, out, outOff);
        }
        boolean sym = isSymmetric(batch, d, sigma, sigmaOff);
        Scaled sigmaIn = scaled(sigma, sigmaOff, d * d, batch, true);
        return call(temps -> withState(st -> {
            cl_mem s = st.alloc((long) batch * SquareShape.squareSize(d));
            forward.upload(temps, new SquareShape(batch, d, null), sigmaIn.a(), sigmaIn.off(), s);
            OpenClHandle h = sqrtStages(st, ForwardHandle.Stage.SQRT, batch, d, 0, options, s, sym, null, out,
                    outOff, temps, sigmaIn.e());
            scaleBackAndCheck("output", DIVERGED, out, outOff, options.layout().elements(d), batch, sigmaIn.e(), -1);
            return h;
        }));
    }

    @Override
    protected void doSqrtBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        if (!h.options().isPlainSqrt()) {
            roots.sqrtBackward(h, gradOut, gOff, gradSigma, gsOff);
            return;
        }
        int per = h.options().layout().elements(h.d());
        Scaled gIn = scaled(gradOut, gOff, per, h.batch(), false);
        call(temps -> {
            ensureLive(h);
            int batch = h.batch();
            int d = h.d();
            SquareShape sq = new SquareShape(batch, d, h.scal);
            cl_mem dots = temps.alloc(2L * batch);
            cl_mem da = sqrtBackwardStages(h, sq, gIn.a(), gIn.off(), false, dots, temps);
            cl_mem gs = temps.alloc(sq.floats());
            backward.normaliseBackward(sq, da, h.iterates.y()[0], dots, gs, BackwardStages.Result.SIGMA, 0f);
            forward.pack(temps, sq, gs, OutputLayout.FULL, gradSigma, gsOff);
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
            return roots.layerForward(ForwardHandle.Stage.LAYER, batch, d, n, options, x, xOff, out, outOff);
        }
        Scaled xIn = scaled(x, xOff, d * n, batch, false);
        return call(temps -> withState(st -> {
            cl_mem xc = st.alloc((long) batch * d * n);
            cl_mem s = st.alloc((long) batch * SquareShape.squareSize(d));
            covariance.covariance(temps, batch, d, n, xIn.a(), xIn.off(), xc, s);
            // The handle keeps the scaled Xc: dL/dX is the same at every scale of X, so the backward needs no factor.
            OpenClHandle h = sqrtStages(st, ForwardHandle.Stage.LAYER, batch, d, n, options, s, true, xc, out,
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
    private OpenClHandle withState(java.util.function.Function<OpenClHandle.State, OpenClHandle> body) {
        OpenClHandle.State st = new OpenClHandle.State(rt, liveStates);
        try {
            OpenClHandle h = body.apply(st);
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
            roots.layerBackward(h, gradOut, gOff, gradX, gxOff);
            return;
        }
        int per = h.options().layout().elements(h.d());
        Scaled gIn = scaled(gradOut, gOff, per, h.batch(), false);
        call(temps -> {
            ensureLive(h);
            SquareShape sq = new SquareShape(h.batch(), h.d(), h.scal);
            cl_mem dots = temps.alloc(2L * sq.batch);
            cl_mem da = sqrtBackwardStages(h, sq, gIn.a(), gIn.off(), true, dots, temps);
            // normaliseBackward with covarianceBackward's symmetrisation (B17) fused, then its product S Xc.
            cl_mem s = temps.alloc(sq.floats());
            backward.normaliseBackward(sq, da, h.iterates.y()[0], dots, s, h.symmetric
                    ? BackwardStages.Result.COVARIANCE_S_SYMMETRIC : BackwardStages.Result.COVARIANCE_S, 1f / h.n());
            covariance.gradX(temps, sq, h.n(), s, h.xc, gradX, gxOff);
            scaleBackAndCheck("gradX", TOO_LARGE, gradX, gxOff, h.d() * h.n(), h.batch(), gIn.e(), -1);
            return null;
        });
    }

    @Override
    protected OpenClHandle doWhitenForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                           float[] out, int outOff) {
        return roots.layerForward(ForwardHandle.Stage.WHITEN, batch, d, n, options, x, xOff, out, outOff);
    }

    /**
     * Whitening backward: dL/dC = G Xc^T (device), dL/dSigma by {@link RootPath#backward}, then
     * dL/dX = C^T (G - row means of G) + the device covariance backward of dL/dSigma.
     */
    @Override
    protected void doWhitenBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        roots.whitenBackward(h, gradOut, gOff, gradX, gxOff);
    }

    /** A handle whose saved state lives on the host (root options, whitening): it holds no device buffer. */
    OpenClHandle hostHandle(ForwardHandle.Stage stage, int batch, int d, int n, SqrtOptions options, float[] out,
                            int outOff, boolean sym) {
        return new OpenClHandle(this, stage, batch, d, n, options, out, outOff,
                new OpenClHandle.State(rt, liveStates), sym, null, null, null, null);
    }

    private static void ensureLive(OpenClHandle h) {
        if (h.state.isReleased()) {
            throw new IllegalStateException("handle " + h + " has no device memory any more (its op was closed)");
        }
    }

    static boolean isSymmetric(int batch, int d, float[] s, int off) {
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
        return OpenClDiagnostics.gemmBenchmark(this, d, batch, reps);
    }

    /** @return the runtime, for the diagnostics and for tests that build extra programs on the op's context */
    ClRuntime runtime() {
        return rt;
    }
}
