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

/**
 * The CPU back-end of the iSQRT-COV layer: covariance pooling, trace normalisation, coupled Newton-Schulz,
 * post-compensation and optional TRIU packing, forward and exact backward, on Vector API kernels
 * ({@link #vector(int)}) or plain Java ({@link #scalar(int)}); the two agree to the last bit on the same JVM.
 *
 * <h2>How it computes</h2>
 * Per sample, the layer centres X in double, scales it by a power of two (exact, so that neither tiny nor huge
 * inputs underflow or overflow the float products), forms Xs Xs^T as one product of Xs with its transpose
 * (never an n x n matrix), and runs the iteration on A = Sigma / tr(Sigma). Traces and inner products are
 * accumulated in double, the matrix products in float with fused multiply-adds. Products of the symmetric
 * iterates are computed as upper triangles and mirrored whenever A is exactly symmetric (always for the
 * layer; for {@link #sqrtForward} when the given Sigma is). The square-root backward is exact for any
 * Sigma and any dL/dC; the layer backward uses the symmetric form, since dL/dX only depends on the symmetric
 * part of dL/dSigma. A sample whose trace is 0 gives zeros forward and backward.
 *
 * <h2>Memory</h2>
 * A handle holds 2K d*d floats per sample (see {@link CpuHandle}); closing it recycles them into the next
 * forward. Each worker reuses its scratch {@code Workspace} (9 d*d + 2 d*n floats).
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
    private final ConcurrentLinkedDeque<Workspace> workspaces = new ConcurrentLinkedDeque<>();
    private final ArrayPool arrays = new ArrayPool();

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
    }

    private static ForkJoinWorkerThread newWorker(ForkJoinPool p) {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName("isqrt4j-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }

    /**
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
     * @param threads threads per call, at least 1
     * @return an op on the plain-Java kernels, which need no extra module
     * @throws IllegalArgumentException if threads &lt; 1
     */
    public static CpuMatrixSqrtOp scalar(int threads) {
        return new CpuMatrixSqrtOp(ScalarKernels.INSTANCE, threads, true);
    }

    /**
     * @return whether jdk.incubator.vector is in the boot layer and the vector kernels load, i.e. whether
     *         {@link #vector(int)} works. The first call on a JVM without the module logs one INFO message.
     */
    public static boolean vectorAvailable() {
        return VectorSupport.vectorKernels() != null;
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

    /** @return how many threads one call uses at most */
    public int threads() {
        return threads;
    }

    @Override
    public String toString() {
        return name() + "[threads=" + threads + (isClosed() ? ", closed" : "") + "]";
    }

    /** Takes back a closed handle's saved-state array for the next forward. */
    void recycle(float[] a) {
        if (!isClosed()) {
            arrays.recycle(a);
        }
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

    // ------------------------------------------------------------------ centring

    /**
     * Centres one sample in double and scales it by 2^e so that max |Xs| lies in [1, 2).
     *
     * @param mean receives the d channel means at mOff
     * @param xs   receives Xs, d x n
     * @return e, or {@link #ALL_ZERO} when every centred value is 0 (xs is then not written)
     */
    private static int centre(float[] x, int off, int d, int n, double[] mean, int mOff, float[] xs) {
        double maxAbs = 0;
        for (int c = 0; c < d; c++) {
            int r = off + c * n;
            double s = 0;
            for (int p = 0; p < n; p++) {
                s += x[r + p];
            }
            double mu = s / n;
            mean[mOff + c] = mu;
            for (int p = 0; p < n; p++) {
                maxAbs = Math.max(maxAbs, Math.abs(x[r + p] - mu));
            }
        }
        if (maxAbs == 0) {
            return ALL_ZERO;
        }
        int e = -Math.getExponent(maxAbs);
        scaleCentred(x, off, d, n, mean, mOff, e, xs);
        return e;
    }

    /** xs = (x - mean) * 2^e, rounded once to float. */
    private static void scaleCentred(float[] x, int off, int d, int n, double[] mean, int mOff, int e, float[] xs) {
        double scale = Math.scalb(1.0, e);
        for (int c = 0; c < d; c++) {
            int r = off + c * n;
            double mu = mean[mOff + c];
            int o = c * n;
            for (int p = 0; p < n; p++) {
                xs[o + p] = (float) ((x[r + p] - mu) * scale);
            }
        }
    }

    /** ws.m0 = Xs Xs^T (upper triangle, mirrored); needs ws.xs filled. */
    private static void gram(Kernels kn, int d, int n, Workspace ws) {
        Engine.transpose(ws.xs, 0, d, n, ws.xst, 0);
        kn.gemm(d, d, n, 1f, ws.xs, 0, n, ws.xst, 0, d, 0f, null, 0, 0, ws.m0, 0, d, true);
        Engine.mirrorUpper(ws.m0, 0, d);
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
            int e = centre(x, xOff + b * d * n, d, n, ws.mean, 0, ws.xs);
            int so = sigmaOff + b * dd;
            if (e == ALL_ZERO) {
                zero(sigma, so, dd);
                return;
            }
            gram(kn, d, n, ws);
            double f = Math.scalb(1.0, -2 * e) / n;
            for (int i = 0; i < dd; i++) {
                sigma[so + i] = (float) (ws.m0[i] * f);
            }
        });
    }

    @Override
    protected void doCovarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                                        float[] gradX, int gxOff) {
        Kernels kn = kernelsFor(batch);
        int dd = d * d;
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, n);
            int e = centre(x, xOff + b * d * n, d, n, ws.mean, 0, ws.xs);
            int gxo = gxOff + b * d * n;
            if (e == ALL_ZERO) {
                zero(gradX, gxo, d * n);
                return;
            }
            int go = gOff + b * dd;
            float[] s = ws.m0;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    s[i * d + j] = (float) (((double) gradSigma[go + i * d + j] + gradSigma[go + j * d + i]) / n);
                }
            }
            // dL/dX = (G + G^T) Xc / n with Xc = Xs 2^-e; 2^-e is exact in float for every e centre() returns.
            kn.gemm(d, n, d, Math.scalb(1f, -e), s, 0, d, ws.xs, 0, n, 0f, null, 0, 0, gradX, gxo, n, false);
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
        int savedLen = Engine.savedFloats(d, iters);
        CpuHandle h = new CpuHandle(this, ForwardHandle.Stage.SQRT, batch, d, 0, options, out, outOff, null, 0);
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, 0);
            int so = sigmaOff + b * dd;
            int oo = outOff + b * perOut;
            double tau = Engine.trace(sigma, so, d);
            if (!(tau > 0)) {
                zero(out, oo, perOut);
                return;
            }
            float[] st = arrays.obtain(savedLen);
            for (int i = 0; i < dd; i++) {
                st[i] = (float) (sigma[so + i] / tau);
            }
            boolean sym = Engine.isSymmetric(sigma, so, d);
            Engine.forward(kn, d, iters, st, sym, ws.m0);
            checkFinite(st, iters * dd, dd, b);
            Engine.writeOutput(st, iters * dd, d, Math.sqrt(tau), layout, out, oo);
            h.saved[b] = st;
            h.trace[b] = tau;
            h.symmetric[b] = sym;
        });
        return h;
    }

    /** A positive semi-definite Sigma keeps the iterates bounded; anything else may blow up, and is rejected. */
    private static void checkFinite(float[] st, int off, int len, int sample) {
        float acc = 0f;
        for (int i = 0; i < len; i++) {
            acc += st[off + i] * 0f;
        }
        if (acc != 0f) {
            throw new IllegalArgumentException("sigma sample " + sample + ": the Newton-Schulz iteration diverged"
                    + " (eigenvalues of Sigma/tr(Sigma) outside [0, 1]: Sigma is not positive semi-definite)");
        }
    }

    @Override
    protected void doSqrtBackward(CpuHandle h, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        Kernels kn = kernelsFor(h.batch());
        int d = h.d();
        int dd = d * d;
        int iters = h.options().iterations();
        OutputLayout layout = h.options().layout();
        int perOut = layout.elements(d);
        forEachSample(h.batch(), (b, ws) -> {
            ws.ensure(d, 0);
            int go = gsOff + b * dd;
            float[] st = h.saved[b];
            if (st == null) {
                zero(gradSigma, go, dd);
                return;
            }
            Engine.readGradient(gradOut, gOff + b * perOut, d, layout, ws.m0);
            double gy = Engine.dot(ws.m0, 0, st, iters * dd, dd);
            float[] da = Engine.backward(kn, d, iters, st, h.symmetric[b], ws, ws.m0);
            double c = gy / 2 - Engine.dot(da, 0, st, 0, dd);
            double sq = Math.sqrt(h.trace[b]);
            // dL/dSigma = (dA + (<G,Y_K>/2 - <dA,A>) I) / sqrt(tau), with dA the backward of G itself:
            // DESIGN.md's sqrt(tau) G, s and 1/tau terms with the sqrt(tau) factored out.
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double v = da[i * d + j];
                    if (i == j) {
                        v += c;
                    }
                    gradSigma[go + i * d + j] = (float) (v / sq);
                }
            }
        });
    }

    // ------------------------------------------------------------------ whole layer

    @Override
    protected CpuHandle doForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                  float[] out, int outOff) {
        Kernels kn = kernelsFor(batch);
        int dd = d * d;
        int iters = options.iterations();
        OutputLayout layout = options.layout();
        int perOut = layout.elements(d);
        int savedLen = Engine.savedFloats(d, iters);
        CpuHandle h = new CpuHandle(this, ForwardHandle.Stage.LAYER, batch, d, n, options, out, outOff, x, xOff);
        forEachSample(batch, (b, ws) -> {
            ws.ensure(d, n);
            int oo = outOff + b * perOut;
            int e = centre(x, xOff + b * d * n, d, n, h.means, b * d, ws.xs);
            h.exponent[b] = e;
            if (e == ALL_ZERO) {
                zero(out, oo, perOut);
                return;
            }
            gram(kn, d, n, ws);
            double tr = Engine.trace(ws.m0, 0, d);
            float[] st = arrays.obtain(savedLen);
            for (int i = 0; i < dd; i++) {
                st[i] = (float) (ws.m0[i] / tr);
            }
            Engine.forward(kn, d, iters, st, true, ws.m1);
            // sqrt(tau) with tau = tr(Xc Xc^T)/n and Xc = Xs 2^-e.
            Engine.writeOutput(st, iters * dd, d, Math.scalb(Math.sqrt(tr / n), -e), layout, out, oo);
            h.saved[b] = st;
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
        int dd = d * d;
        int iters = h.options().iterations();
        OutputLayout layout = h.options().layout();
        int perOut = layout.elements(d);
        forEachSample(h.batch(), (b, ws) -> {
            ws.ensure(d, n);
            int gxo = gxOff + b * d * n;
            float[] st = h.saved[b];
            if (st == null) {
                zero(gradX, gxo, d * n);
                return;
            }
            scaleCentred(h.x, h.xOff + b * d * n, d, n, h.means, b * d, h.exponent[b], ws.xs);
            Engine.readGradient(gradOut, gOff + b * perOut, d, layout, ws.m8);
            double gy = Engine.dot(ws.m8, 0, st, iters * dd, dd);
            float[] da;
            if (symmetricLayerBackward) {
                Engine.symmetrize(ws.m8, ws.m0, d);
                da = Engine.backwardSymmetric(kn, d, iters, st, ws, ws.m0);
            } else {
                System.arraycopy(ws.m8, 0, ws.m0, 0, dd);
                da = Engine.backward(kn, d, iters, st, true, ws, ws.m0);
            }
            double c2 = gy - 2 * Engine.dot(da, 0, st, 0, dd);
            float[] s = ws.m8;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double v = (double) da[i * d + j] + da[j * d + i];
                    if (i == j) {
                        v += c2;
                    }
                    s[i * d + j] = (float) v;
                }
            }
            // dL/dX = (S + S^T) Xc / n with S = (dA + cI)/sqrt(tau); in scaled terms (S' + S'^T) Xs / sqrt(n tr).
            float alpha = (float) (1.0 / Math.sqrt(n * h.trace[b]));
            kn.gemm(d, n, d, alpha, s, 0, d, ws.xs, 0, n, 0f, null, 0, 0, gradX, gxo, n, false);
        });
    }

    @Override
    protected void doClose() {
        if (pool != null) {
            pool.shutdown();
        }
        arrays.clear();
        workspaces.clear();
    }
}
