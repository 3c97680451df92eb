package org.isqrt4j.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spreads one product over several threads, for batches smaller than the thread count (a batch of one would
 * otherwise use a single core). C is cut into column strips of {@value #STRIP} (a multiple of every kernel's
 * panel width) handed out dynamically, widest-cost first; each strip is an independent call of the wrapped
 * kernels, so every entry is computed exactly as in a single call and results do not depend on the number of
 * threads. In upper mode a strip of columns [j0, j1) only needs rows below j1, computed in full (the caller
 * mirrors anyway). Products below {@value #MIN_FMAS} multiply-adds run on the calling thread. Every other method
 * is forwarded to the wrapped kernels as it is (they are O(d^2) passes): {@link Kernels} has no default methods,
 * so a method added there must be forwarded here too or nothing compiles. Thread-safe.
 */
final class ParallelKernels implements Kernels {
    static final int STRIP = 64;
    static final long MIN_FMAS = 1L << 20;

    private final Kernels inner;
    private final ForkJoinPool pool;
    private final int ways;

    /**
     * @param inner the kernels each strip runs on
     * @param pool  the workers (the calling thread takes part too)
     * @param ways  threads to use at most, calling thread included
     */
    ParallelKernels(Kernels inner, ForkJoinPool pool, int ways) {
        this.inner = inner;
        this.pool = pool;
        this.ways = ways;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void gemm(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc, boolean upper) {
        int strips = (n + STRIP - 1) / STRIP;
        int workers = Math.min(ways, strips);
        if (workers < 2 || (long) m * n * k < MIN_FMAS) {
            inner.gemm(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, dm, dOff, ldd, c, cOff, ldc, upper);
            return;
        }
        AtomicInteger next = new AtomicInteger(strips);
        Runnable job = () -> {
            int s;
            // Last strips first: in upper mode they are the tallest.
            while ((s = next.decrementAndGet()) >= 0) {
                int j0 = s * STRIP;
                int w = Math.min(STRIP, n - j0);
                int rows = upper ? Math.min(m, j0 + w) : m;
                inner.gemm(rows, w, k, alpha, a, aOff, lda, b, bOff + j0, ldb, beta, dm, dOff + j0, ldd,
                        c, cOff + j0, ldc, false);
            }
        };
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[workers - 1];
        for (int i = 0; i < forked.length; i++) {
            forked[i] = pool.submit(job);
        }
        RuntimeException failure = null;
        try {
            job.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> f : forked) {
            try {
                f.join();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void mirror(float[] c, int off, int d) {
        inner.mirror(c, off, d);
    }

    @Override
    public void symCombineUpper(float[] g, float[] p, float[] out, int d) {
        inner.symCombineUpper(g, p, out, d);
    }

    @Override
    public void symmetrize(float[] g, int gOff, float[] out, int d) {
        inner.symmetrize(g, gOff, out, d);
    }

    @Override
    public double dot(float[] a, int aOff, float[] b, int bOff, int len) {
        return inner.dot(a, aOff, b, bOff, len);
    }

    @Override
    public boolean allFinite(float[] a, int off, int len) {
        return inner.allFinite(a, off, len);
    }

    @Override
    public double sum(float[] a, int off, int len) {
        return inner.sum(a, off, len);
    }

    @Override
    public float max(float[] a, int off, int len) {
        return inner.max(a, off, len);
    }

    @Override
    public float min(float[] a, int off, int len) {
        return inner.min(a, off, len);
    }

    @Override
    public void centreScale(float[] x, int off, double mu, double scale, float[] xs, int o, int n) {
        inner.centreScale(x, off, mu, scale, xs, o, n);
    }

    @Override
    public void mulInto(float[] src, int sOff, double f, float[] dst, int dOff, int len) {
        inner.mulInto(src, sOff, f, dst, dOff, len);
    }

    @Override
    public void transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff) {
        inner.transpose(src, sOff, rows, cols, dst, dOff);
    }

    @Override
    public float maxAbs(float[] a, int off, int len) {
        return inner.maxAbs(a, off, len);
    }
}
