package org.isqrt4j.bench;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Baseline {@code isqrt-openblas}: the iSQRT-COV layer in its straightforward scheme, every matrix product an
 * OpenBLAS sgemm on native buffers, the elementwise work in plain Java. What a user who reaches for a native BLAS
 * would write, and the denominator of the report's speed-ups.
 *
 * <p>Forward per sample (docs/maths.md (M1)-(M5)): Xc = X minus channel means; Sigma = Xc Xc^T / n (one sgemm);
 * A = Sigma / tau; step 1: T = (3I - A)/2, Y1 = A T, Z1 = T; steps k = 2..K: P = Z Y, T = (3I - P)/2, Y = Y T and,
 * except in the last step, Z = T Z; C = sqrt(tau) Y_K. That is 3K-3 products (K &gt;= 2). It keeps Xc, Y_0..Y_{K-1},
 * Z_1..Z_{K-1} and Y_K.
 *
 * <p>Backward per sample, the straightforward 10K-12 products: each step from (Y, Z) recomputes both YZ and ZY and
 * forms dL/dY = (G_Y'(3I - YZ) - Z G_Z' Z - ZY G_Y')/2 and dL/dZ = ((3I - YZ) G_Z' - Y G_Y' Y - G_Z' ZY)/2
 * (10 products; 6 in the last step, where G_Z' = 0); the first step, Z = I, gives
 * dL/dA = (G_Y'(3I - A) - A G_Y' - G_Z')/2 (2 products). Then dL/dSigma = dL/dA / tau + (s - &lt;dL/dA, A&gt;/tau) I,
 * s = &lt;G, Y_K&gt;/(2 sqrt tau), and dL/dX = (dL/dSigma + dL/dSigma^T) Xc / n (one sgemm).
 *
 * <p>Two ways to use two or more cores: {@link Parallelism#BATCH} (OpenBLAS single-threaded, samples spread over
 * a Java pool) and {@link Parallelism#BLAS_THREADS} (samples one after another, OpenBLAS's own threads inside each
 * sgemm).
 */
final class OpenBlasIsqrt implements LayerRunner {

    /** How the baseline uses more than one core. */
    enum Parallelism {
        /** One sample per Java worker, OpenBLAS single-threaded. */
        BATCH,
        /** Samples in sequence, OpenBLAS threads inside every sgemm. */
        BLAS_THREADS
    }

    /**
     * What the plain {@code isqrt-openblas} id uses: the faster of the two. Interleaved timing
     * ({@code bench/run.sh --choices}, issue batch sizes, 2 threads, 15 rounds): batch parallelism was 3.9x to 5.4x
     * faster on W3, 1.2x on W1 forward+backward, level (0.98x to 1.05x) on W2, and 0.82x on W1 forward.
     */
    static final Parallelism DEFAULT = Parallelism.BATCH;

    private final int batch;
    private final int d;
    private final int n;
    private final int k;
    private final int threads;
    private final Parallelism parallelism;
    private final BatchPool pool;
    private final List<FloatPointer> owned = new ArrayList<>();

    // Saved per sample for the backward.
    private final FloatPointer[] xc;
    private final FloatPointer[][] ys; // Y_0 = A .. Y_{K-1}
    private final FloatPointer[][] zs; // Z_1 .. Z_{K-1}; index 0 (Z_0 = I) unused
    private final FloatPointer[] yk;
    private final double[] tau;
    private final Scratch[] scratch;

    /** Per-worker native scratch and heap staging arrays. */
    private final class Scratch {
        final FloatPointer t = alloc(d * d);
        final FloatPointer p = alloc(d * d);
        final FloatPointer yz = alloc(d * d);
        final FloatPointer zy = alloc(d * d);
        final FloatPointer m = alloc(d * d);
        final FloatPointer t1 = alloc(d * d);
        final FloatPointer t2 = alloc(d * d);
        FloatPointer gy = alloc(d * d);
        FloatPointer gz = alloc(d * d);
        FloatPointer ngy = alloc(d * d);
        FloatPointer ngz = alloc(d * d);
        final FloatPointer gx = alloc(d * n);
        final float[] dn = new float[d * n];
        final float[] dd = new float[d * d];
        final float[] dd2 = new float[d * d];
        final float[] dd3 = new float[d * d];
    }

    OpenBlasIsqrt(Parallelism parallelism, int threads, int batch, int d, int n, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("K must be >= 1, got " + k);
        }
        this.batch = batch;
        this.d = d;
        this.n = n;
        this.k = k;
        this.threads = threads;
        this.parallelism = parallelism;
        OpenBlas.setThreads(parallelism == Parallelism.BATCH ? 1 : threads);
        this.pool = new BatchPool(parallelism == Parallelism.BATCH ? threads : 1);
        xc = new FloatPointer[batch];
        ys = new FloatPointer[batch][k];
        zs = new FloatPointer[batch][k];
        yk = new FloatPointer[batch];
        tau = new double[batch];
        for (int s = 0; s < batch; s++) {
            xc[s] = alloc(d * n);
            yk[s] = alloc(d * d);
            for (int j = 0; j < k; j++) {
                ys[s][j] = alloc(d * d);
                zs[s][j] = j == 0 ? null : alloc(d * d);
            }
        }
        scratch = new Scratch[pool.threads()];
        for (int w = 0; w < scratch.length; w++) {
            scratch[w] = new Scratch();
        }
    }

    private FloatPointer alloc(int size) {
        FloatPointer p = new FloatPointer(size);
        owned.add(p);
        return p;
    }

    @Override
    public String describe() {
        return OpenBlas.version() + " sgemm, " + (parallelism == Parallelism.BATCH
                ? "batch-parallel x" + threads + ", 1 BLAS thread" : threads + " BLAS threads, samples in sequence");
    }

    @Override
    public void forward(float[] x, float[] out) {
        pool.forEach(batch, (w, s) -> forwardSample(scratch[w], s, x, out));
    }

    @Override
    public void backward(float[] gradOut, float[] gradX) {
        pool.forEach(batch, (w, s) -> backwardSample(scratch[w], s, gradOut, gradX));
    }

    /** T = (3I - P) / 2 from P in {@code src}, into {@code dst} (may be the same array). */
    private void halfThreeIMinus(float[] src, float[] dst) {
        for (int i = 0; i < d * d; i++) {
            dst[i] = -0.5f * src[i];
        }
        for (int i = 0; i < d; i++) {
            dst[i * d + i] += 1.5f;
        }
    }

    private void forwardSample(Scratch sc, int s, float[] x, float[] out) {
        int xo = s * d * n;
        float[] xcs = sc.dn;
        for (int i = 0; i < d; i++) {
            double mean = 0;
            for (int p = 0; p < n; p++) {
                mean += x[xo + i * n + p];
            }
            float mf = (float) (mean / n);
            for (int p = 0; p < n; p++) {
                xcs[i * n + p] = x[xo + i * n + p] - mf;
            }
        }
        xc[s].put(xcs, 0, d * n);
        FloatPointer a = ys[s][0];
        OpenBlas.sgemm(false, true, d, d, n, 1f / n, xc[s], n, xc[s], n, 0f, a, d);
        float[] m = sc.dd;
        a.get(m, 0, d * d);
        double tr = 0;
        for (int i = 0; i < d; i++) {
            tr += m[i * d + i];
        }
        tau[s] = tr;
        int oo = s * d * d;
        if (!(tr > 0)) {
            java.util.Arrays.fill(out, oo, oo + d * d, 0f);
            return;
        }
        float inv = (float) (1.0 / tr);
        for (int i = 0; i < d * d; i++) {
            m[i] *= inv;
        }
        a.put(m, 0, d * d);
        halfThreeIMinus(m, m);
        if (k == 1) {
            sc.t.put(m, 0, d * d);
            OpenBlas.mul(d, 1f, a, sc.t, 0f, yk[s]);
        } else {
            zs[s][1].put(m, 0, d * d);
            OpenBlas.mul(d, 1f, a, zs[s][1], 0f, ys[s][1]);
            for (int j = 2; j <= k; j++) {
                FloatPointer y = ys[s][j - 1];
                FloatPointer z = zs[s][j - 1];
                OpenBlas.mul(d, 1f, z, y, 0f, sc.p);
                sc.p.get(m, 0, d * d);
                halfThreeIMinus(m, m);
                sc.t.put(m, 0, d * d);
                OpenBlas.mul(d, 1f, y, sc.t, 0f, j < k ? ys[s][j] : yk[s]);
                if (j < k) {
                    OpenBlas.mul(d, 1f, sc.t, z, 0f, zs[s][j]);
                }
            }
        }
        yk[s].get(m, 0, d * d);
        float rt = (float) Math.sqrt(tr);
        for (int i = 0; i < d * d; i++) {
            out[oo + i] = rt * m[i];
        }
    }

    private void backwardSample(Scratch sc, int s, float[] gradOut, float[] gradX) {
        int xo = s * d * n;
        double tr = tau[s];
        if (!(tr > 0)) {
            java.util.Arrays.fill(gradX, xo, xo + d * n, 0f);
            return;
        }
        double rt = Math.sqrt(tr);
        float[] m = sc.dd;
        float[] m2 = sc.dd2;
        yk[s].get(m2, 0, d * d);
        int go = s * d * d;
        double gDotY = 0;
        for (int i = 0; i < d * d; i++) {
            gDotY += (double) gradOut[go + i] * m2[i];
            m[i] = (float) (rt * gradOut[go + i]);
        }
        double sTerm = gDotY / (2 * rt);
        sc.gy.put(m, 0, d * d);
        boolean gzZero = true;
        for (int j = k; j >= 2; j--) {
            FloatPointer y = ys[s][j - 1];
            FloatPointer z = zs[s][j - 1];
            OpenBlas.mul(d, 1f, y, z, 0f, sc.yz);
            OpenBlas.mul(d, 1f, z, y, 0f, sc.zy);
            sc.yz.get(m, 0, d * d);
            for (int i = 0; i < d * d; i++) {
                m[i] = -m[i];
            }
            for (int i = 0; i < d; i++) {
                m[i * d + i] += 3f;
            }
            sc.m.put(m, 0, d * d);
            // dL/dY = (G_Y' M - ZY G_Y' - Z G_Z' Z) / 2, M = 3I - YZ
            OpenBlas.mul(d, 0.5f, sc.gy, sc.m, 0f, sc.ngy);
            OpenBlas.mul(d, -0.5f, sc.zy, sc.gy, 1f, sc.ngy);
            // dL/dZ = (M G_Z' - Y G_Y' Y - G_Z' ZY) / 2
            OpenBlas.mul(d, 1f, y, sc.gy, 0f, sc.t1);
            OpenBlas.mul(d, -0.5f, sc.t1, y, 0f, sc.ngz);
            if (!gzZero) {
                OpenBlas.mul(d, 1f, z, sc.gz, 0f, sc.t2);
                OpenBlas.mul(d, -0.5f, sc.t2, z, 1f, sc.ngy);
                OpenBlas.mul(d, 0.5f, sc.m, sc.gz, 1f, sc.ngz);
                OpenBlas.mul(d, -0.5f, sc.gz, sc.zy, 1f, sc.ngz);
            }
            FloatPointer swap = sc.gy;
            sc.gy = sc.ngy;
            sc.ngy = swap;
            swap = sc.gz;
            sc.gz = sc.ngz;
            sc.ngz = swap;
            gzZero = false;
        }
        // First step, Z_0 = I: dL/dA = (G_Y'(3I - A) - A G_Y' - G_Z') / 2
        FloatPointer a = ys[s][0];
        a.get(m2, 0, d * d);
        for (int i = 0; i < d * d; i++) {
            m[i] = -m2[i];
        }
        for (int i = 0; i < d; i++) {
            m[i * d + i] += 3f;
        }
        sc.m.put(m, 0, d * d);
        OpenBlas.mul(d, 0.5f, sc.gy, sc.m, 0f, sc.ngy);
        OpenBlas.mul(d, -0.5f, a, sc.gy, 1f, sc.ngy);
        sc.ngy.get(m, 0, d * d);
        if (!gzZero) {
            float[] gz = sc.dd3;
            sc.gz.get(gz, 0, d * d);
            for (int i = 0; i < d * d; i++) {
                m[i] -= 0.5f * gz[i];
            }
        }
        // dL/dSigma = dL/dA / tau + (s - <dL/dA, A> / tau) I, then H = dL/dSigma + its transpose
        double gDotA = 0;
        for (int i = 0; i < d * d; i++) {
            gDotA += (double) m[i] * m2[i];
        }
        float diag = (float) (sTerm - gDotA / tr);
        float inv = (float) (1.0 / tr);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                m2[i * d + j] = inv * (m[i * d + j] + m[j * d + i]);
            }
            m2[i * d + i] += 2 * diag;
        }
        sc.t1.put(m2, 0, d * d);
        OpenBlas.sgemm(false, false, d, n, d, 1f / n, sc.t1, d, xc[s], n, 0f, sc.gx, n);
        sc.gx.get(gradX, xo, d * n);
    }

    @Override
    public void close() {
        pool.close();
        for (FloatPointer p : owned) {
            p.close();
        }
        owned.clear();
    }
}
