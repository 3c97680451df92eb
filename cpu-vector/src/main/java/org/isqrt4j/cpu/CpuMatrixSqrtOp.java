package org.isqrt4j.cpu;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import org.isqrt4j.api.AbstractMatrixSqrtOp;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.api.Validation;

/**
 * The CPU back-end of the iSQRT-COV layer: covariance pooling, trace normalisation, coupled Newton-Schulz,
 * post-compensation and optional TRIU packing, forward and exact backward, on Vector API kernels
 * ({@link #vector(int)}) or plain Java ({@link #scalar(int)}); the two agree to the last bit on the same JVM.
 *
 * <h2>How it computes</h2>
 * Per sample, the layer centres X in double, scales it by a power of two (exact, so that neither tiny nor huge
 * inputs underflow or overflow the float products), forms Xs Xs^T as one product of Xs with its transpose
 * (never an n x n matrix), and runs the iteration on A = Sigma / tr(Sigma). An incoming gradient whose largest
 * |value| lies outside [2^-20, 2^20] is scaled the same way (every backward is linear in it) and the result scaled
 * back; a result beyond the float range (the covariance of features above about 1.8e19) or a diverged iteration
 * throws IllegalArgumentException naming the sample, so no NaN or infinity is ever returned. Traces and inner
 * products are accumulated in double, the matrix products in float with fused multiply-adds. Products of the
 * symmetric iterates are computed as upper triangles and mirrored whenever A is exactly symmetric (always for the
 * layer; for {@link #sqrtForward} when the given Sigma is). The square-root backward is exact for any
 * Sigma and any dL/dC; the layer backward uses the symmetric form, since dL/dX only depends on the symmetric
 * part of dL/dSigma. A sample whose trace is 0 gives zeros forward and backward.
 *
 * <h2>Memory</h2>
 * A handle holds 2K d*d floats per sample (see {@link CpuHandle}); closing it hands them back, with the
 * handle's other per-sample arrays, as one bundle that the next forward of the same shape reuses: a training
 * loop that closes its handles and passes its own outputs allocates only a few hundred bytes per call
 * (the handle object and the API's argument checks). Each worker reuses its scratch {@code Workspace} (9 d*d + 2 d*n floats).
 *
 * <h2>Threads</h2>
 * Samples of a batch are spread over {@link #threads()} threads: the calling thread plus a private
 * {@link ForkJoinPool} of threads - 1 daemon workers; with one thread everything runs on the caller. When a
 * batch has fewer samples than threads, each large matrix product is also split into column strips across the
 * pool. Results never depend on the thread count (each entry is computed the same way). One op may be shared by any number of threads and called concurrently; {@link #close()} shuts the pool down.
 */
public final class CpuMatrixSqrtOp extends AbstractMatrixSqrtOp<CpuHandle> {
    /** System property that sets the providers' thread count (default: available processors). */
    public static final String THREADS_PROPERTY = "isqrt4j.cpu.threads";

    /** Returned by {@link #centre} for a sample whose centred X is all zero. */
    private static final int ALL_ZERO = Integer.MIN_VALUE;

    private final Kernels kernels;
    /** The same kernels, each product spread over the pool; for batches smaller than the thread count. */
    private final Kernels parallel;
    private final int threads;
    private final ForkJoinPool pool;
    private final boolean symmetricLayerBackward;
    private final InputChecksum checksum;
    private final ConcurrentLinkedDeque<Workspace> workspaces = new ConcurrentLinkedDeque<>();
    private final ArrayPool arrays = new ArrayPool();
    /**
     * Closed handles' bundles, most recent first, behind soft references (the collector may take them back);
     * a training loop that closes its handles finds its shape here and allocates nothing for saved state.
     */
    private final java.util.ArrayDeque<java.lang.ref.SoftReference<SavedState>> states = new java.util.ArrayDeque<>();
    /** More bundles than this are dropped, their iterate arrays handed to {@link #arrays} for other shapes. */
    private static final int MAX_POOLED_STATES = 16;

    /**
     * @param kernels                the product kernels
     * @param threads                threads per call, at least 1
     * @param symmetricLayerBackward true for the layer's symmetric backward (the default); false runs the
     *                               general one, which tests compare it with
     */
    CpuMatrixSqrtOp(Kernels kernels, int threads, boolean symmetricLayerBackward) {
        super(CpuHandle.class);
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.kernels = kernels;
        this.threads = threads;
        this.symmetricLayerBackward = symmetricLayerBackward;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads - 1, CpuMatrixSqrtOp::newWorker, null, false);
        this.parallel = pool == null ? kernels : new ParallelKernels(kernels, pool, threads);
        Kernels vk = VectorSupport.vectorKernels();
        this.checksum = vk != null && kernels.getClass() == vk.getClass() ? VectorSupport.vectorChecksum() : null;
    }

    /** The vector form of the saved-input checksum on the vector kernels; the api's scalar one otherwise. */
    @Override
    protected long savedInputChecksum(float[] x, int off, int len) {
        return checksum != null ? checksum.of(x, off, len) : super.savedInputChecksum(x, off, len);
    }

    private static ForkJoinWorkerThread newWorker(ForkJoinPool p) {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName("isqrt4j-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }

    /**
     * Creates an op on the Vector API kernels.
     *
     * @param threads threads per call, at least 1
     * @return an op on the Vector API kernels
     * @throws Isqrt4jException if jdk.incubator.vector is not resolved (or its kernels fail to load)
     * @throws IllegalArgumentException if threads &lt; 1
     */
    public static CpuMatrixSqrtOp vector(int threads) {
        Kernels k = VectorSupport.vectorKernels();
        if (k == null) {
            throw new Isqrt4jException("cpu-vector is not available: " + VectorSupport.unavailableReason());
        }
        return new CpuMatrixSqrtOp(k, threads, true);
    }

    /**
     * Creates an op on the plain-Java kernels (bit-identical results to the vector ones).
     *
     * @param threads threads per call, at least 1
     * @return an op on the plain-Java kernels, which need no extra module
     * @throws IllegalArgumentException if threads &lt; 1
     */
    public static CpuMatrixSqrtOp scalar(int threads) {
        return new CpuMatrixSqrtOp(ScalarKernels.INSTANCE, threads, true);
    }

    /**
     * Tells whether the Vector API kernels can run in this JVM.
     *
     * @return whether jdk.incubator.vector is in the boot layer and the vector kernels load, i.e. whether
     *         {@link #vector(int)} works. The first call on a JVM without the module logs one INFO message.
     */
    public static boolean vectorAvailable() {
        return VectorSupport.vectorKernels() != null;
    }

    /**
     * C = A B for row-major float matrices, on the calling thread, with the kernels the layer uses (the vector
     * ones when {@link #vectorAvailable()}, else the plain-Java ones). Exposed for benchmarks that compare the
     * back-end's GEMM with a BLAS; every entry is accumulated in float with fused multiply-adds, p = 0..k-1.
     *
     * @param m rows of A and C
     * @param n columns of B and C
     * @param k columns of A, rows of B
     * @param a A, at least m*k floats
     * @param b B, at least k*n floats
     * @param c C, at least m*n floats, written
     * @throws IllegalArgumentException if a dimension is below 1, an array is null or too short, or C overlaps
     *                                  A or B (the same array)
     */
    public static void gemm(int m, int n, int k, float[] a, float[] b, float[] c) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("gemm dimensions must be >= 1, got m=" + m + ", n=" + n + ", k=" + k);
        }
        String shape = "m=" + m + ", n=" + n + ", k=" + k;
        org.isqrt4j.api.Validation.checkArray("a", a, 0, org.isqrt4j.api.Validation.product("m*k", m, k), shape);
        org.isqrt4j.api.Validation.checkArray("b", b, 0, org.isqrt4j.api.Validation.product("k*n", k, n), shape);
        org.isqrt4j.api.Validation.checkArray("c", c, 0, org.isqrt4j.api.Validation.product("m*n", m, n), shape);
        if (c == a || c == b) {
            throw new IllegalArgumentException("gemm: c must not be the same array as a or b (" + shape + ")");
        }
        Kernels kn = VectorSupport.vectorKernels();
        if (kn == null) {
            kn = ScalarKernels.INSTANCE;
        }
        kn.gemm(m, n, k, 1f, a, 0, k, b, 0, n, 0f, null, 0, 0, c, 0, n, false);
    }

    /**
     * @return the value of {@value #THREADS_PROPERTY}, or the number of available processors when it is unset
     * @throws Isqrt4jException if the property is set but not a positive integer
     */
    static int defaultThreads() {
        String v = System.getProperty(THREADS_PROPERTY);
        if (v == null || v.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(v.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Isqrt4jException("system property " + THREADS_PROPERTY + " must be a positive integer, got '" + v + "'");
    }

    /** @return {@code cpu-vector[N-bit]} with N the preferred vector size, or {@code cpu-scalar} */
    @Override
    public String name() {
        return kernels.name();
    }

    /**
     * The op's parallelism.
     *
     * @return how many threads one call uses at most
     */
    public int threads() {
        return threads;
    }

    @Override
    public String toString() {
        return name() + "[threads=" + threads + (isClosed() ? ", closed" : "") + "]";
    }

    /** Takes back a closed handle's bundle for the next forward. */
    void recycle(SavedState st) {
        SavedState dropped = null;
        synchronized (states) {
            if (!isClosed()) {
                states.addFirst(st.ref);
                if (states.size() > MAX_POOLED_STATES) {
                    dropped = states.pollLast().get();
                }
            }
        }
        if (dropped != null) {
            dropped.drainInto(arrays);
        }
    }

    /** @return a pooled bundle of this shape (most recently closed first), or a new one */
    private SavedState obtainState(boolean layer, int batch, int d, int savedLen) {
        synchronized (states) {
            for (java.util.Iterator<java.lang.ref.SoftReference<SavedState>> it = states.iterator(); it.hasNext(); ) {
                SavedState s = it.next().get();
                if (s == null) {
                    it.remove();
                } else if (s.fits(layer, batch, d, savedLen)) {
                    it.remove();
                    s.reset();
                    return s;
                }
            }
        }
        return new SavedState(layer, batch, d, savedLen);
    }

    // ------------------------------------------------------------------ batch parallelism

    /** @return the kernels for a call on this batch: the products themselves go parallel when samples are few */
    private Kernels kernelsFor(int batch) {
        return batch < threads ? parallel : kernels;
    }

    @FunctionalInterface
    private interface SampleBody {
        void run(int b, Workspace ws);
    }

    private Workspace borrow() {
        Workspace ws = workspaces.pollFirst();
        return ws != null ? ws : new Workspace();
    }

    /** Runs body for b = 0..batch-1, spread over the caller and the pool; rethrows the first failure. */
    private void forEachSample(int batch, SampleBody body) {
        int workers = pool == null ? 1 : Math.min(threads, batch);
        AtomicInteger next = new AtomicInteger();
        Runnable job = () -> {
            Workspace ws = borrow();
            try {
                int b;
                while ((b = next.getAndIncrement()) < batch) {
                    body.run(b, ws);
                }
            } finally {
                workspaces.addFirst(ws);
            }
        };
        if (workers <= 1) {
            job.run();
            return;
        }
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[workers - 1];
        for (int i = 0; i < forked.length; i++) {
            forked[i] = pool.submit(job);
        }
        Throwable failure = null;
        try {
            job.run();
        } catch (Throwable t) {
            failure = t;
        }
        for (ForkJoinTask<?> f : forked) {
            try {
                f.join();
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                } else if (failure != t) {
                    failure.addSuppressed(t);
                }
            }
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        if (failure != null) {
            throw new Isqrt4jException("worker failed", failure);
        }
    }

    // ------------------------------------------------------------------ the stages (docs/maths.md)

    /**
     * Centres one sample in double and scales it by 2^e so that max |Xs| lies in [1, 2).
     *
     * @param mean receives the d channel means at mOff
     * @param xs   receives Xs, d x n
     * @return e, or {@link #ALL_ZERO} when every centred value is 0 (xs is then not written)
     */
    private static int centre(Kernels kn, float[] x, int off, int d, int n, double[] mean, int mOff, float[] xs) {
        double maxAbs = 0;
        for (int c = 0; c < d; c++) {
            int r = off + c * n;
            // max |x - mu| = max(hi - mu, mu - lo) exactly, since rounding the difference is monotone; sum, max
            // and min each run on vectors.
            double mu = kn.sum(x, r, n) / n;
            mean[mOff + c] = mu;
            maxAbs = Math.max(maxAbs, Math.max(kn.max(x, r, n) - mu, mu - kn.min(x, r, n)));
        }
        if (maxAbs == 0) {
            return ALL_ZERO;
        }
        int e = -Math.getExponent(maxAbs);
        scaleCentred(kn, x, off, d, n, mean, mOff, e, xs);
        return e;
    }

    /** xs = (x - mean) * 2^e, rounded once to float. */
    private static void scaleCentred(Kernels kn, float[] x, int off, int d, int n, double[] mean, int mOff, int e,
                                     float[] xs) {
        double scale = Math.scalb(1.0, e);
        for (int c = 0; c < d; c++) {
            kn.centreScale(x, off + c * n, mean[mOff + c], scale, xs, c * n, n);
        }
    }

    /**
     * Stage covariance, docs/maths.md (M1)-(M2) in scaled form: Xs = (X - mu) 2^e into ws.xs ({@link #centre}) and
     * M = Xs Xs^T into ws.m0 (one triangle, mirrored, so exactly symmetric); Sigma = M 2^-2e / n.
     *
     * @param mean receives the d channel means at mOff
     * @return e, or {@link #ALL_ZERO} when every centred value is 0 (neither ws.xs nor ws.m0 is then written)
     */
    private static int covariance(Kernels kn, float[] x, int off, int d, int n, double[] mean, int mOff,
                                  Workspace ws) {
        int e = centre(kn, x, off, d, n, mean, mOff, ws.xs);
        if (e != ALL_ZERO) {
            kn.transpose(ws.xs, 0, d, n, ws.xst, 0);
            kn.gemm(d, d, n, 1f, ws.xs, 0, n, ws.xst, 0, d, 0f, null, 0, 0, ws.m0, 0, d, true);
            kn.mirror(ws.m0, 0, d);
        }
        return e;
    }

    /**
     * Stage normalise, (M3) (the default path; the options have {@link #normalise(float[], int, int, double, double,
     * float[])}): A = M / tau into st[0, d*d), as M times 1/tau in double, rounded once. Times 1/tau rather than
     * divided by tau: a quotient per element cost JDK 17 about 250 us at d = 256, and the reciprocal's rounding (half
     * an ulp of a double) vanishes in the float result.
     */
    private static void normalise(Kernels kn, float[] m, int off, int d, double tau, float[] st) {
        kn.mulInto(m, off, 1.0 / tau, st, 0, d * d);
    }

    /**
     * Stage compensateBackward, (B1)-(B2) with sqrt(tau) factored out as in (B16): one sample's G = dL/dC into g
     * (d x d; a packed gradient is scattered onto the upper triangle, (B1)). The backward is linear in G: one whose
     * largest |value| lies outside [2^-20, 2^20] (denormal, or near the float limit) is scaled by 2^ge, and the
     * caller scales the result back. The other half of (B2), &lt;G, Y_K&gt;, enters {@link #normaliseBackward}.
     *
     * @return ge
     */
    private static int compensateBackward(Kernels kn, float[] gradOut, int off, int d, OutputLayout layout,
                                          float[] g) {
        Engine.readGradient(gradOut, off, d, layout, g);
        int ge = scaleExponent(kn.maxAbs(gradOut, off, layout.elements(d)));
        scale(g, 0, d * d, ge);
        return ge;
    }

    /**
     * Stage normaliseBackward, the trace terms: docs/maths.md (B16), one coefficient for every path. With D the
     * step recursion's output for G (newtonSchulzBackward), dL/dS = (D + c N') / q, where N' = d(nu)/dS is I for
     * the trace (the paper's pre-normalisation) and A for the Frobenius norm, and q = sqrt(nu) (SQRT) or
     * nu^(3/2) (INV_SQRT); see the comment above {@link #normaliser}.
     *
     * @param gy &lt;G, Y_K&gt; (SQRT) or &lt;G, Z_K&gt; (INV_SQRT), in double, taken before the recursion
     *           overwrote G
     * @param da D, d x d at offset 0
     * @param a  A, d x d at offset 0 (slot 0 of the saved state)
     * @return c = &lt;G, Y_K&gt;/2 - &lt;D, A&gt; (SQRT) or -(&lt;G, Z_K&gt;/2 + &lt;D, A&gt;) (INV_SQRT)
     */
    private static double normaliseBackward(Kernels kn, double gy, float[] da, float[] a, int d, boolean inverse) {
        double daA = kn.dot(da, 0, a, 0, d * d);
        return inverse ? -(gy / 2 + daA) : gy / 2 - daA;
    }

    /**
     * The symmetric factor of stage covarianceBackward, (B17): s = P + P^T (= 2 sym(P)), each entry summed in double
     * and rounded once.
     */
    private static void twiceSym(float[] p, float[] s, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                s[i * d + j] = (float) ((double) p[i * d + j] + p[j * d + i]);
            }
        }
    }

    private static void zero(float[] a, int off, int len) {
        java.util.Arrays.fill(a, off, off + len, 0f);
    }

    // ------------------------------------------------------------------ covariance

    @Override
    protected void doCovariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff) {
        Kernels kn = kernelsFor(batch);
        int dd = d * d;
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, n);
            int e = covariance(kn, x, xOff + b * d * n, d, n, ws.mean, 0, ws);
            int so = sigmaOff + b * dd;
            if (e == ALL_ZERO) {
                zero(sigma, so, dd);
                return;
            }
            double f = Math.scalb(1.0, -2 * e) / n;
            kn.mulInto(ws.m0, 0, f, sigma, so, dd);
            requireRepresentable(kn, "sigma", sigma, so, dd, b, TOO_LARGE);
        });
    }

    @Override
    protected void doCovarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                                        float[] gradX, int gxOff) {
        Kernels kn = kernelsFor(batch);
        int dd = d * d;
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, n);
            int e = centre(kn, x, xOff + b * d * n, d, n, ws.mean, 0, ws.xs);
            int gxo = gxOff + b * d * n;
            if (e == ALL_ZERO) {
                zero(gradX, gxo, d * n);
                return;
            }
            int go = gOff + b * dd;
            float[] s = ws.m0;
            // dL/dX = (G + G^T) Xc / n with Xc = Xs 2^-e. The 2^-e goes into S in double, not into the product's
            // float alpha: e spans -128..150, beyond float's exponent range at both ends, and inside it the
            // result is the same to the bit (a power of two commutes with every rounding that does not under- or
            // overflow).
            double scale = Math.scalb(1.0, -e) / n;
            double smax = 0;
            for (int i = 0; i < dd; i++) {
                smax = Math.max(smax, Math.abs(gradSigma[go + i]));
            }
            // S itself must be a normal float: if (G + G^T) 2^-e / n is not, S is computed times 2^q and the
            // result scaled back by 2^-q, in double (q = 0, the same bits as without, for moderate S).
            int q = scaleExponent(2 * smax * scale);
            scale = Math.scalb(scale, q);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    s[i * d + j] = (float) (((double) gradSigma[go + i * d + j] + gradSigma[go + j * d + i]) * scale);
                }
            }
            kn.gemm(d, n, d, 1f, s, 0, d, ws.xs, 0, n, 0f, null, 0, 0, gradX, gxo, n, false);
            scale(gradX, gxo, d * n, -q);
            requireRepresentable(kn, "gradX", gradX, gxo, d * n, b, TOO_LARGE);
        });
    }

    // ------------------------------------------------------------------ square root alone

    @Override
    protected CpuHandle doSqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                      float[] out, int outOff) {
        Kernels kn = kernelsFor(batch);
        int dd = d * d;
        int iters = options.iterations();
        OutputLayout layout = options.layout();
        int perOut = layout.elements(d);
        // The paper's options (SQRT, TRACE, eps = 0) keep their own normalise, whose bits predate the options.
        boolean plain = options.isPlainSqrt();
        boolean inv = options.root() == SqrtOptions.Root.INV_SQRT;
        CpuHandle h = new CpuHandle(this, ForwardHandle.Stage.SQRT, batch, d, 0, options, out, outOff, null, 0,
                obtainState(false, batch, d, Engine.savedFloats(d, iters)));
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, 0);
            int so = sigmaOff + b * dd;
            int oo = outOff + b * perOut;
            double nu = plain ? Engine.trace(sigma, so, d)
                    : normaliser(sigma, so, d, options.epsilon(), options.normalisation());
            if (!(nu > 0)) {
                if (inv) {
                    throw Validation.zeroInverse("sigma", b, options);
                }
                zero(out, oo, perOut);
                return;
            }
            float[] st = h.state.take(b, arrays);
            if (plain) {
                normalise(kn, sigma, so, d, nu, st);
            } else {
                normalise(sigma, so, d, options.epsilon(), nu, st);
            }
            boolean sym = Engine.isSymmetric(sigma, so, d);
            newtonSchulz(kn, d, options, st, sym, ws.m0);
            checkFinite(kn, st, iters * dd, dd, b);
            if (inv && sym) {
                // A symmetric Sigma should be positive semi-definite: Z_K above every exact iterate is divergence.
                Validation.requireInverseConverged(st, iters * dd, OutputLayout.FULL, d, 1.0, b, iters);
            }
            Engine.compensate(kn, st, iters * dd, d, inv ? 1 / Math.sqrt(nu) : Math.sqrt(nu), layout, out, oo);
            requireRepresentable(kn, "output", out, oo, perOut, b, DIVERGED);
            h.trace[b] = nu;
            h.symmetric[b] = sym;
        });
        return h;
    }

    /** A positive semi-definite Sigma keeps the iterates bounded; anything else may blow up, and is rejected. */
    private static void checkFinite(Kernels kn, float[] st, int off, int len, int sample) {
        if (!kn.allFinite(st, off, len)) {
            throw new IllegalArgumentException("sigma sample " + sample + ": " + DIVERGED);
        }
    }

    /** Inputs whose largest |value| has a binary exponent within +-SAFE_EXP are used as they are. */
    private static final int SAFE_EXP = 20;

    /** @return 0 if max is 0 or has a binary exponent within +-SAFE_EXP, else q with max 2^q in [1, 2) */
    private static int scaleExponent(double max) {
        if (!(max > 0) || max == Double.POSITIVE_INFINITY) {
            return 0;
        }
        int exp = Math.getExponent(max);
        return exp < -SAFE_EXP || exp > SAFE_EXP ? -exp : 0;
    }

    /** a *= 2^q in double, rounded once (exact unless the result leaves the normal float range); q = 0 is a no-op. */
    private static void scale(float[] a, int off, int len, int q) {
        if (q != 0) {
            double f = Math.scalb(1.0, q);
            for (int i = 0; i < len; i++) {
                a[off + i] = (float) (a[off + i] * f);
            }
        }
    }

    private static final String TOO_LARGE = "input too large";
    private static final String DIVERGED = "the Newton-Schulz iteration diverged: Sigma not positive semi-definite,"
            + " or too many iterations for float32 on a rank-deficient Sigma";

    /**
     * For finite input no NaN or infinity may leave the library. X and Sigma are scaled by powers of two, so a
     * result overflows only when its exact value is beyond the float range (the covariance of features above about
     * 1.8e19, a gradient of an extreme dL/dC), or when the iteration diverged: reported as the caller's input.
     */
    private static void requireRepresentable(Kernels kn, String what, float[] a, int off, int len, int sample,
                                             String why) {
        if (!kn.allFinite(a, off, len)) {
            Validation.requireRepresentable(what, a, off, len, sample, why);
        }
    }

    @Override
    protected void doSqrtBackward(CpuHandle h, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        Kernels kn = kernelsFor(h.batch());
        int d = h.d();
        int dd = d * d;
        SqrtOptions o = h.options();
        int iters = o.iterations();
        OutputLayout layout = o.layout();
        int perOut = layout.elements(d);
        boolean plain = o.isPlainSqrt();
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        forEachSample(h.batch(), (b, ws) -> {
            ws.ensure(d, 0);
            int go = gsOff + b * dd;
            float[] st = h.saved[b];
            if (st == null) {
                zero(gradSigma, go, dd);
                return;
            }
            int ge = compensateBackward(kn, gradOut, gOff + b * perOut, d, layout, ws.m0);
            double nu = h.trace[b];
            if (plain) {
                double gy = kn.dot(ws.m0, 0, st, iters * dd, dd);
                float[] da = Engine.newtonSchulzBackward(kn, d, iters, st, h.symmetric[b], ws, ws.m0);
                double c = normaliseBackward(kn, gy, da, st, d, false);
                double sq = Math.scalb(Math.sqrt(nu), ge);
                // (B16) rounded once: dL/dSigma = (D + c I) / sqrt(tau).
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        double v = da[i * d + j];
                        if (i == j) {
                            v += c;
                        }
                        gradSigma[go + i * d + j] = (float) (v / sq);
                    }
                }
            } else {
                rootBackward(kn, d, o, st, h.symmetric[b], ws, ws.m8);
                double q = Math.scalb(inv ? nu * Math.sqrt(nu) : Math.sqrt(nu), ge);
                for (int i = 0; i < dd; i++) {
                    gradSigma[go + i] = (float) (ws.m8[i] / q);
                }
            }
            requireRepresentable(kn, "gradSigma", gradSigma, go, dd, b, TOO_LARGE);
        });
    }

    // ------------------------------------------------------------------ whole layer

    @Override
    protected CpuHandle doForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                  float[] out, int outOff) {
        if (!options.isPlainSqrt()) {
            return layerForwardWithOptions(ForwardHandle.Stage.LAYER, batch, d, n, options, x, xOff, out, outOff);
        }
        Kernels kn = kernelsFor(batch);
        int dd = d * d;
        int iters = options.iterations();
        OutputLayout layout = options.layout();
        int perOut = layout.elements(d);
        int savedLen = Engine.savedFloats(d, iters);
        CpuHandle h = new CpuHandle(this, ForwardHandle.Stage.LAYER, batch, d, n, options, out, outOff, x, xOff,
                obtainState(true, batch, d, savedLen));
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, n);
            int oo = outOff + b * perOut;
            int e = covariance(kn, x, xOff + b * d * n, d, n, h.means, b * d, ws);
            h.exponent[b] = e;
            if (e == ALL_ZERO) {
                zero(out, oo, perOut);
                return;
            }
            double tr = Engine.trace(ws.m0, 0, d);
            float[] st = h.state.take(b, arrays);
            normalise(kn, ws.m0, 0, d, tr, st);
            // Y_K goes to ws.m2 and slot K keeps T_K (Engine's saved-state comment).
            Engine.newtonSchulz(kn, d, iters, st, true, ws.m1, ws.m2);
            // sqrt(tau) with tau = tr(Xc Xc^T)/n and Xc = Xs 2^-e.
            Engine.compensate(kn, ws.m2, 0, d, Math.scalb(Math.sqrt(tr / n), -e), layout, out, oo);
            requireRepresentable(kn, "output", out, oo, perOut, b, DIVERGED);
            Validation.requireConverged(out, oo, layout, d, Math.scalb(tr / n, -2 * e), b, iters);
            h.trace[b] = tr;
            h.symmetric[b] = true;
        });
        return h;
    }

    @Override
    protected void doBackward(CpuHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        Kernels kn = kernelsFor(h.batch());
        int d = h.d();
        int n = h.n();
        int perOut = h.options().layout().elements(d);
        boolean plain = h.options().isPlainSqrt();
        forEachSample(h.batch(), (b, ws) -> {
            ws.ensure(d, n);
            int gxo = gxOff + b * d * n;
            float[] st = h.saved[b];
            if (st == null) {
                zero(gradX, gxo, d * n);
                return;
            }
            scaleCentred(kn, h.x, h.xOff + b * d * n, d, n, h.means, b * d, h.exponent[b], ws.xs);
            if (plain) {
                layerBackwardSample(kn, h, b, st, ws, gradOut, gOff + b * perOut, gradX, gxo);
            } else {
                layerBackwardWithOptions(kn, h, b, st, ws, gradOut, gOff + b * perOut, gradX, gxo);
            }
            requireRepresentable(kn, "gradX", gradX, gxo, d * n, b, TOO_LARGE);
        });
    }

    /**
     * One sample of the paper's layer backward, ws.xs holding Xs: the symmetric form (B12)-(B14) by default, the
     * general one when the op was built for the tests' comparison.
     */
    private void layerBackwardSample(Kernels kn, CpuHandle h, int b, float[] st, Workspace ws, float[] gradOut,
                                     int gradOff, float[] gradX, int gxo) {
        int d = h.d();
        int n = h.n();
        int dd = d * d;
        int iters = h.options().iterations();
        OutputLayout layout = h.options().layout();
        int perOut = layout.elements(d);
        int ge;
        float[] s = ws.m8;
        float twice = 1;
        if (symmetricLayerBackward) {
            // compensateBackward (B1)-(B2), but a full gradient that needs no scaling is read in place; a packed
            // one is first spread over the upper triangle. The backward is linear in dL/dC: an extreme one
            // (denormal, or near the float limit) runs times 2^ge.
            ge = scaleExponent(kn.maxAbs(gradOut, gradOff, perOut));
            float[] g = gradOut;
            int go = gradOff;
            if (layout != OutputLayout.FULL || ge != 0) {
                Engine.readGradient(gradOut, go, d, layout, ws.m8);
                scale(ws.m8, 0, dd, ge);
                g = ws.m8;
                go = 0;
            }
            // (B12)-(B13): sym(G) gives the same dL/dX, and keeps every gradient of (B14) symmetric.
            kn.symmetrize(g, go, ws.m0, d);
            float[] da = Engine.newtonSchulzBackwardSymmetric(kn, d, iters, st, ws, ws.m0);
            kn.mirror(da, 0, d);
            double c = normaliseBackward(kn, ws.traceTerm, da, st, d, false);
            // S = 2 (D + c I), the 2 going into the product's alpha below: a power of two, so the
            // products round as they would on 2 D.
            for (int i = 0; i < d; i++) {
                da[i * d + i] = (float) (da[i * d + i] + c);
            }
            s = da;
            twice = 2;
        } else {
            ge = compensateBackward(kn, gradOut, gradOff, d, layout, ws.m8);
            // Slot K holds T_K: Y_K = Y_{K-1} T_K again, the forward's very product (so the same bits).
            Engine.mul(kn, d, 1f, st, (iters - 1) * dd, st, iters * dd, 0f, null, 0, ws.m7, 0, true);
            double gy = kn.dot(ws.m8, 0, ws.m7, 0, dd);
            System.arraycopy(ws.m8, 0, ws.m0, 0, dd);
            float[] da = Engine.newtonSchulzBackward(kn, d, iters, st, true, ws, ws.m0);
            double c = normaliseBackward(kn, gy, da, st, d, false);
            // S = (D + c I) + (D + c I)^T of (B17), rounded once.
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double v = (double) da[i * d + j] + da[j * d + i];
                    if (i == j) {
                        v += 2 * c;
                    }
                    s[i * d + j] = (float) v;
                }
            }
        }
        // covarianceBackward (B17): dL/dX = (S + S^T) Xc / n with S = (D + cI)/sqrt(tau) (B16); in scaled terms
        // (S' + S'^T) Xs / sqrt(n tr).
        float alpha = twice * (float) (1.0 / Math.sqrt(n * h.trace[b]));
        kn.gemm(d, n, d, alpha, s, 0, d, ws.xs, 0, n, 0f, null, 0, 0, gradX, gxo, n, false);
        scale(gradX, gxo, d * n, -ge);
    }

    // ------------------------------------------------------------------ root, pre-normalisation and eps options

    /*
     * The options other than the paper's (INV_SQRT, FROBENIUS, eps > 0) run here (the layer's, and the square
     * root's branches with !plain), so that the default path keeps its bits. S = Sigma + eps I, nu = tr(S) or
     * ||S||_F, A = S / nu; C = sqrt(nu) Y_K or Z_K / sqrt(nu). Slot K of the saved state holds Y_K or Z_K (not T_K),
     * and every backward is the general one (Engine.newtonSchulzBackward or Engine.newtonSchulzInverseBackward, exact
     * for any G) followed by the normaliser terms (normaliseBackward), with dA the backward of G itself:
     *   SQRT:     dL/dS = (dA + (<G,Y_K>/2 - <dA,A>) N') / sqrt(nu)
     *   INV_SQRT: dL/dS = (dA - (<G,Z_K>/2 + <dA,A>) N') / nu^(3/2)
     * with N' = dnu/dS = I (TRACE) or A (FROBENIUS); dL/dSigma = dL/dS (eps is a constant).
     */

    /** @return nu of M + epsS I: its trace or Frobenius norm, in double */
    private static double normaliser(float[] m, int off, int d, double epsS, SqrtOptions.Normalisation norm) {
        if (norm == SqrtOptions.Normalisation.TRACE) {
            return Engine.trace(m, off, d) + d * epsS;
        }
        double s = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double v = m[off + i * d + j];
                if (i == j) {
                    v += epsS;
                }
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    /**
     * Stage normalise with the options, (M3) generalised: st[0, d*d) = A = (M + epsS I) / nu, in double, rounded
     * once.
     */
    private static void normalise(float[] m, int off, int d, double epsS, double nu, float[] st) {
        double r = 1.0 / nu;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double v = m[off + i * d + j];
                if (i == j) {
                    v += epsS;
                }
                st[i * d + j] = (float) (v * r);
            }
        }
    }

    /** Stage newtonSchulz, (M4): Y_K (SQRT) or Z_K (INV_SQRT) into slot K of st, whose slot 0 holds A. */
    private static void newtonSchulz(Kernels kn, int d, SqrtOptions o, float[] st, boolean sym, float[] t) {
        if (o.root() == SqrtOptions.Root.INV_SQRT) {
            Engine.newtonSchulzInverse(kn, d, o.iterations(), st, sym, t);
        } else {
            Engine.newtonSchulz(kn, d, o.iterations(), st, sym, t, null);
        }
    }

    /**
     * Stages newtonSchulzBackward and normaliseBackward of the options: D = dL/dA of the root for G in ws.m0
     * (overwritten), then P = D + c N' written to p (full d x d, in double, rounded once), with c and N' of
     * {@link #normaliseBackward}.
     */
    private static void rootBackward(Kernels kn, int d, SqrtOptions o, float[] st, boolean sym, Workspace ws,
                                     float[] p) {
        int dd = d * d;
        int iters = o.iterations();
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        double gdot = kn.dot(ws.m0, 0, st, iters * dd, dd);
        float[] da = inv ? Engine.newtonSchulzInverseBackward(kn, d, iters, st, sym, ws, ws.m0)
                : Engine.newtonSchulzBackward(kn, d, iters, st, sym, ws, ws.m0);
        double c = normaliseBackward(kn, gdot, da, st, d, inv);
        boolean frob = o.normalisation() == SqrtOptions.Normalisation.FROBENIUS;
        for (int i = 0; i < dd; i++) {
            double v = da[i];
            if (frob) {
                v += c * st[i];
            }
            p[i] = (float) v;
        }
        if (!frob) {
            for (int i = 0; i < d; i++) {
                p[i * d + i] = (float) ((double) da[i * d + i] + c);
            }
        }
    }

    /** C = alpha A B with alpha in double: its power of two is applied after the product, exactly. */
    private static void gemmScaled(Kernels kn, int m, int n, int k, double alpha, int pow2, float[] a, int aOff,
                                   int lda, float[] b, int bOff, int ldb, float[] c, int cOff) {
        int e = Math.getExponent(alpha);
        kn.gemm(m, n, k, (float) Math.scalb(alpha, -e), a, aOff, lda, b, bOff, ldb, 0f, null, 0, 0, c, cOff, n, false);
        scale(c, cOff, m * n, pow2 + e);
    }

    /**
     * Layer (C) or whitening (W) forward with options. Xs = (X - mean) 2^e and M = Xs Xs^T, so that
     * Sigma = M 2^-2e / n and S = (M + epsS I) 2^-2e / n with epsS = eps n 2^2e; nu_s = nu(M + epsS I) is kept.
     * A sample with constant features and eps &gt; 0 runs with e = 0 and Xs = 0 (A = I / d or I / sqrt(d)).
     */
    private CpuHandle layerForwardWithOptions(ForwardHandle.Stage stage, int batch, int d, int n, SqrtOptions options,
                                              float[] x, int xOff, float[] out, int outOff) {
        Kernels kn = kernelsFor(batch);
        int dd = d * d;
        int iters = options.iterations();
        OutputLayout layout = options.layout();
        boolean whiten = stage == ForwardHandle.Stage.WHITEN;
        int perOut = whiten ? d * n : layout.elements(d);
        boolean inv = options.root() == SqrtOptions.Root.INV_SQRT;
        double eps = options.epsilon();
        CpuHandle h = new CpuHandle(this, stage, batch, d, n, options, out, outOff, x, xOff,
                obtainState(true, batch, d, Engine.savedFloats(d, iters)));
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, n);
            int oo = outOff + b * perOut;
            int e = covariance(kn, x, xOff + b * d * n, d, n, h.means, b * d, ws);
            if (e == ALL_ZERO) {
                if (inv && eps == 0) {
                    throw Validation.zeroInverse("x", b, options);
                }
                if (eps == 0) {
                    h.exponent[b] = e;
                    zero(out, oo, perOut);
                    return;
                }
                e = 0;
                zero(ws.xs, 0, d * n);
                zero(ws.m0, 0, dd);
            }
            h.exponent[b] = e;
            double epsS = Math.scalb(eps * n, 2 * e);
            double nuS = normaliser(ws.m0, 0, d, epsS, options.normalisation());
            float[] st = h.state.take(b, arrays);
            normalise(ws.m0, 0, d, epsS, nuS, st);
            double trS = Engine.trace(ws.m0, 0, d) + d * epsS;
            newtonSchulz(kn, d, options, st, true, ws.m1);
            int k = iters * dd;
            checkFinite(kn, st, k, dd, b);
            if (whiten) {
                Validation.requireInverseConverged(st, k, OutputLayout.FULL, d, 1.0, b, iters);
                // W = C Xc = Z_K Xs sqrt(n / nu_s): the 2^e of Xc and of 1/sqrt(nu) cancel.
                gemmScaled(kn, d, n, d, Math.sqrt(n / nuS), 0, st, k, d, ws.xs, 0, n, out, oo);
            } else {
                double nu = Math.scalb(nuS / n, -2 * e);
                Engine.compensate(kn, st, k, d, inv ? 1 / Math.sqrt(nu) : Math.sqrt(nu), layout, out, oo);
                requireRepresentable(kn, "output", out, oo, perOut, b, DIVERGED);
                if (inv) {
                    Validation.requireInverseConverged(out, oo, layout, d, nu, b, iters);
                } else {
                    // Every exact iterate has ||C||_F^2 <= nu tr(A) = tr(S), for both pre-normalisations.
                    Validation.requireConverged(out, oo, layout, d, Math.scalb(trS / n, -2 * e), b, iters);
                }
            }
            requireRepresentable(kn, "output", out, oo, perOut, b, DIVERGED);
            h.trace[b] = nuS;
            h.symmetric[b] = true;
        });
        return h;
    }

    /**
     * One sample of the layer backward with options, ws.xs holding Xs. With P = dA + c N' from dL/dC (scaled by
     * 2^ge), dL/dSigma = P / q and dL/dX = (P + P^T) Xs 2^-e / (n q): for SQRT q = sqrt(nu_s / n) 2^-e, so
     * dL/dX = (P + P^T) Xs / sqrt(n nu_s); for INV_SQRT q = (nu_s / n)^(3/2) 2^-3e, so dL/dX = (P + P^T) Xs sqrt(n) 2^2e / nu_s^(3/2).
     */
    private static void layerBackwardWithOptions(Kernels kn, CpuHandle h, int b, float[] st, Workspace ws,
                                                 float[] gradOut, int gradOff, float[] gradX, int gxo) {
        int d = h.d();
        int n = h.n();
        SqrtOptions o = h.options();
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        int e = h.exponent[b];
        int ge = compensateBackward(kn, gradOut, gradOff, d, o.layout(), ws.m0);
        rootBackward(kn, d, o, st, true, ws, ws.m7);
        float[] s = ws.m8;
        twiceSym(ws.m7, s, d);
        // covarianceBackward (B17), the factors folded into one power-of-two-split alpha.
        double nuS = h.trace[b];
        if (inv) {
            gemmScaled(kn, d, n, d, Math.sqrt(n) / (nuS * Math.sqrt(nuS)), 2 * e - ge, s, 0, d, ws.xs, 0, n,
                    gradX, gxo);
        } else {
            gemmScaled(kn, d, n, d, 1 / Math.sqrt(n * nuS), -ge, s, 0, d, ws.xs, 0, n, gradX, gxo);
        }
    }

    @Override
    protected CpuHandle doWhitenForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                        float[] out, int outOff) {
        return layerForwardWithOptions(ForwardHandle.Stage.WHITEN, batch, d, n, options, x, xOff, out, outOff);
    }

    /**
     * Whitening backward. With G = dL/dW and G' = G Xs^T (= dL/dC 2^e, scaled by 2^ge), P = dA + c N' from G'
     * (INV_SQRT), the chain rule through W = C Xc, Sigma = Xc Xc^T / n and the centring gives
     * dL/dXc = 2^e sqrt(n / nu_s) (Z_K G + (P + P^T) Xs 2^-ge / nu_s), and dL/dX is dL/dXc minus its row means.
     */
    @Override
    protected void doWhitenBackward(CpuHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        Kernels kn = kernelsFor(h.batch());
        int d = h.d();
        int n = h.n();
        int dd = d * d;
        int dn = d * n;
        SqrtOptions o = h.options();
        int k = o.iterations() * dd;
        forEachSample(h.batch(), (b, ws) -> {
            ws.ensure(d, n);
            int gxo = gxOff + b * dn;
            int go = gOff + b * dn;
            float[] st = h.saved[b];
            int e = h.exponent[b];
            scaleCentred(kn, h.x, h.xOff + b * dn, d, n, h.means, b * d, e, ws.xs);
            kn.transpose(ws.xs, 0, d, n, ws.xst, 0);
            kn.gemm(d, d, n, 1f, gradOut, go, n, ws.xst, 0, d, 0f, null, 0, 0, ws.m0, 0, d, false);
            int ge = scaleExponent(kn.maxAbs(ws.m0, 0, dd));
            scale(ws.m0, 0, dd, ge);
            rootBackward(kn, d, o, st, true, ws, ws.m7);
            float[] s = ws.m8;
            twiceSym(ws.m7, s, d);
            double nuS = h.trace[b];
            double a1 = Math.sqrt(n / nuS);
            int p = Math.getExponent(a1);
            float f1 = (float) Math.scalb(a1, -p);
            float f2 = (float) Math.scalb(a1 / nuS, -p - ge);
            kn.gemm(d, n, d, f1, st, k, d, gradOut, go, n, 0f, null, 0, 0, gradX, gxo, n, false);
            kn.gemm(d, n, d, f2, s, 0, d, ws.xs, 0, n, 1f, gradX, gxo, n, gradX, gxo, n, false);
            for (int c = 0; c < d; c++) {
                int r = gxo + c * n;
                double mu = kn.sum(gradX, r, n) / n;
                for (int q = 0; q < n; q++) {
                    gradX[r + q] = (float) (gradX[r + q] - mu);
                }
            }
            scale(gradX, gxo, dn, e + p);
            requireRepresentable(kn, "gradX", gradX, gxo, dn, b, TOO_LARGE);
        });
    }

    @Override
    protected void doClose() {
        if (pool != null) {
            pool.shutdown();
        }
        synchronized (states) {
            states.clear();
        }
        arrays.clear();
        workspaces.clear();
    }
}
