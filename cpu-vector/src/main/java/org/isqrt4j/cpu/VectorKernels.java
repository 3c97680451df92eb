package org.isqrt4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels. Only {@link VectorSupport} instantiates this class, reflectively and after checking that
 * jdk.incubator.vector is in the boot layer, so the rest of the back-end loads on a JVM without the module.
 *
 * <p>GEMM blocking scheme, C[i][j] = sum_p A[i][p] B[p][j]: C is cut into column panels of NV vectors and each
 * panel into blocks of MR = 6 rows. One 6 x NV tile of accumulators stays in registers across the k loop:
 * per p, NV vectors of B row p are loaded, each of the six A[i][p] is broadcast, and 6*NV fused multiply-adds
 * update the tile. NV = 4 with 512-bit vectors (24 accumulators + 4 B vectors + 1 broadcast = 29 of the 32
 * registers; it runs at the core's FMA peak for d = 256, where 4 x 4 reached about 75%), NV = 2 below, where
 * 16 registers exist. Panels are the outer loop, so the k x (NV*VL) strip of B stays in cache while the rows
 * of A stream past it; for k &gt; {@value #KC} the k range is cut into blocks so that the strip's block fits
 * L1/L2, with the panel's partial sums parked in a per-thread buffer. Leftovers: 4-row and single-row blocks,
 * panels of 2 and 1 vectors, and a last partial vector (n not a multiple of the vector length) computed from
 * a zero-padded copy of those columns, since masked loads and stores are not intrinsified on JDK 17. With
 * {@code upper}, row blocks that lie entirely below a panel are skipped (the caller mirrors). The epilogue
 * alpha*acc (+ beta*D) is applied once per tile, after the last k block. Thread-safe: the only state is
 * per-thread scratch.
 */
final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final boolean WIDE = S.vectorBitSize() >= 512;
    /** Longest k run in one pass; longer products are split into equal k blocks of at most this size. */
    private static final int KC = 256;
    /**
     * Per-thread buffer of raw accumulators: one 6 x 4 tile, or with k blocking the partial sums of a whole
     * panel (m rows x NV vectors).
     */
    private static final ThreadLocal<float[]> PARTIAL = ThreadLocal.withInitial(() -> new float[6 * 4 * VL]);

    /** Public for reflective instantiation by {@link VectorSupport}; the class itself is package-private. */
    public VectorKernels() {
    }

    @Override
    public String name() {
        return "cpu-vector[" + S.vectorBitSize() + "-bit]";
    }

    @Override
    public void gemm(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc, boolean upper) {
        assert !upper || m == n : "upper needs a square C";
        int j = 0;
        if (WIDE) {
            for (; j + 4 * VL <= n; j += 4 * VL) {
                int iEnd = upper ? Math.min(m, j + 4 * VL) : m;
                panel4(iEnd, k, alpha, a, aOff, lda, b, bOff + j, ldb, beta, dm, dOff + j, ldd, c, cOff + j, ldc);
            }
        }
        for (; j + 2 * VL <= n; j += 2 * VL) {
            int iEnd = upper ? Math.min(m, j + 2 * VL) : m;
            panel2(iEnd, k, alpha, a, aOff, lda, b, bOff + j, ldb, beta, dm, dOff + j, ldd, c, cOff + j, ldc);
        }
        for (; j + VL <= n; j += VL) {
            int iEnd = upper ? Math.min(m, j + 1 * VL) : m;
            panel1(iEnd, k, alpha, a, aOff, lda, b, bOff + j, ldb, beta, dm, dOff + j, ldd, c, cOff + j, ldc);
        }
        if (j < n) {
            tail(m, n, k, j, alpha, a, aOff, lda, b, bOff, ldb, beta, dm, dOff, ldd, c, cOff, ldc, upper);
        }
    }

    private static float[] partial(int floats) {
        float[] buf = PARTIAL.get();
        if (buf.length < floats) {
            buf = new float[floats];
            PARTIAL.set(buf);
        }
        return buf;
    }

    /** One panel of 4 vector(s): rows 0..iEnd-1, columns from the given offsets. */
    private static void panel4(int iEnd, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc) {
        if (k <= KC) {
            float[] buf = partial(6 * 4 * VL);
            int i = 0;
            for (; i + 6 <= iEnd; i += 6) {
                k6x4(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(6, 4, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            if (i + 4 <= iEnd) {
                k4x4(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(4, 4, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x4(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(1, 4, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            return;
        }
        // k blocking: the kc x (4 vectors) block of B stays in L1 while every row block of the panel passes;
        // the panel's partial sums wait in the buffer (exact float stores, so the fma order is unchanged).
        int row = 4 * VL;
        float[] buf = partial(iEnd * row);
        int blocks = (k + KC - 1) / KC;
        int kc = (k + blocks - 1) / blocks;
        for (int k0 = 0; k0 < k; k0 += kc) {
            int kk = Math.min(kc, k - k0);
            boolean load = k0 > 0;
            int bk = bOff + k0 * ldb;
            int i = 0;
            for (; i + 6 <= iEnd; i += 6) {
                k6x4(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
            }
            if (i + 4 <= iEnd) {
                k4x4(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x4(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
            }
        }
        epilogue(iEnd, 4, buf, 0, alpha, beta, dm, dOff, ldd, c, cOff, ldc);
    }

    /** One panel of 2 vector(s): rows 0..iEnd-1, columns from the given offsets. */
    private static void panel2(int iEnd, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc) {
        if (k <= KC) {
            float[] buf = partial(6 * 2 * VL);
            int i = 0;
            for (; i + 6 <= iEnd; i += 6) {
                k6x2(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(6, 2, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            if (i + 4 <= iEnd) {
                k4x2(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(4, 2, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x2(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(1, 2, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            return;
        }
        // k blocking: the kc x (2 vectors) block of B stays in L1 while every row block of the panel passes;
        // the panel's partial sums wait in the buffer (exact float stores, so the fma order is unchanged).
        int row = 2 * VL;
        float[] buf = partial(iEnd * row);
        int blocks = (k + KC - 1) / KC;
        int kc = (k + blocks - 1) / blocks;
        for (int k0 = 0; k0 < k; k0 += kc) {
            int kk = Math.min(kc, k - k0);
            boolean load = k0 > 0;
            int bk = bOff + k0 * ldb;
            int i = 0;
            for (; i + 6 <= iEnd; i += 6) {
                k6x2(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
            }
            if (i + 4 <= iEnd) {
                k4x2(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x2(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
            }
        }
        epilogue(iEnd, 2, buf, 0, alpha, beta, dm, dOff, ldd, c, cOff, ldc);
    }

    /** One panel of 1 vector(s): rows 0..iEnd-1, columns from the given offsets. */
    private static void panel1(int iEnd, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc) {
        if (k <= KC) {
            float[] buf = partial(6 * 1 * VL);
            int i = 0;
            for (; i + 6 <= iEnd; i += 6) {
                k6x1(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(6, 1, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            if (i + 4 <= iEnd) {
                k4x1(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(4, 1, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x1(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, false);
                epilogue(1, 1, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            return;
        }
        // k blocking: the kc x (1 vectors) block of B stays in L1 while every row block of the panel passes;
        // the panel's partial sums wait in the buffer (exact float stores, so the fma order is unchanged).
        int row = 1 * VL;
        float[] buf = partial(iEnd * row);
        int blocks = (k + KC - 1) / KC;
        int kc = (k + blocks - 1) / blocks;
        for (int k0 = 0; k0 < k; k0 += kc) {
            int kk = Math.min(kc, k - k0);
            boolean load = k0 > 0;
            int bk = bOff + k0 * ldb;
            int i = 0;
            for (; i + 6 <= iEnd; i += 6) {
                k6x1(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
            }
            if (i + 4 <= iEnd) {
                k4x1(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x1(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, load);
            }
        }
        epilogue(iEnd, 1, buf, 0, alpha, beta, dm, dOff, ldd, c, cOff, ldc);
    }

    /**
     * C rows = alpha * acc (+ beta * D) for rows x nv-vector accumulators stored row-major (row stride nv*VL)
     * in buf from t. A separate pass over an L1/L2-resident buffer costs a few loads per tile against
     * 6 k nv fused multiply-adds, and keeps the kernels small enough for C1 to compile on the way to C2 (a
     * 6 x 4 kernel with this epilogue inlined fails C1's register allocation and then runs interpreted).
     */
    private static void epilogue(int rows, int nv, float[] buf, int t, float alpha, float beta, float[] dm, int di,
                                 int ldd, float[] c, int ci, int ldc) {
        if (dm == null) {
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < nv; v++) {
                    FloatVector.fromArray(S, buf, t + (r * nv + v) * VL).mul(alpha).intoArray(c, ci + r * ldc + v * VL);
                }
            }
        } else {
            FloatVector bt = FloatVector.broadcast(S, beta);
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < nv; v++) {
                    FloatVector acc = FloatVector.fromArray(S, buf, t + (r * nv + v) * VL);
                    FloatVector.fromArray(S, dm, di + r * ldd + v * VL).fma(bt, acc.mul(alpha))
                            .intoArray(c, ci + r * ldc + v * VL);
                }
            }
        }
    }

    // ------------------------------------------------------------------ micro-kernels
    // Shapes (rows x vectors), expanded from one template: accumulate the tile over a run of k (from zero, or from
    // the partial sums in buf), then store it raw into buf for the next k block or the epilogue.

    private static void k6x4(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c01 = FloatVector.fromArray(S, buf, t + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 2 * VL);
            c03 = FloatVector.fromArray(S, buf, t + 3 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 4 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 5 * VL);
            c12 = FloatVector.fromArray(S, buf, t + 6 * VL);
            c13 = FloatVector.fromArray(S, buf, t + 7 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 8 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 9 * VL);
            c22 = FloatVector.fromArray(S, buf, t + 10 * VL);
            c23 = FloatVector.fromArray(S, buf, t + 11 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 12 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 13 * VL);
            c32 = FloatVector.fromArray(S, buf, t + 14 * VL);
            c33 = FloatVector.fromArray(S, buf, t + 15 * VL);
            c40 = FloatVector.fromArray(S, buf, t + 16 * VL);
            c41 = FloatVector.fromArray(S, buf, t + 17 * VL);
            c42 = FloatVector.fromArray(S, buf, t + 18 * VL);
            c43 = FloatVector.fromArray(S, buf, t + 19 * VL);
            c50 = FloatVector.fromArray(S, buf, t + 20 * VL);
            c51 = FloatVector.fromArray(S, buf, t + 21 * VL);
            c52 = FloatVector.fromArray(S, buf, t + 22 * VL);
            c53 = FloatVector.fromArray(S, buf, t + 23 * VL);
        }
        int a0 = ai;
        int a1 = ai + 1 * lda;
        int a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda;
        int a4 = ai + 4 * lda;
        int a5 = ai + 5 * lda;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            c02 = x0.fma(b2, c02);
            c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            c12 = x1.fma(b2, c12);
            c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            c22 = x2.fma(b2, c22);
            c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            c32 = x3.fma(b2, c32);
            c33 = x3.fma(b3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40);
            c41 = x4.fma(b1, c41);
            c42 = x4.fma(b2, c42);
            c43 = x4.fma(b3, c43);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50);
            c51 = x5.fma(b1, c51);
            c52 = x5.fma(b2, c52);
            c53 = x5.fma(b3, c53);
        }
        c00.intoArray(buf, t);
        c01.intoArray(buf, t + 1 * VL);
        c02.intoArray(buf, t + 2 * VL);
        c03.intoArray(buf, t + 3 * VL);
        c10.intoArray(buf, t + 4 * VL);
        c11.intoArray(buf, t + 5 * VL);
        c12.intoArray(buf, t + 6 * VL);
        c13.intoArray(buf, t + 7 * VL);
        c20.intoArray(buf, t + 8 * VL);
        c21.intoArray(buf, t + 9 * VL);
        c22.intoArray(buf, t + 10 * VL);
        c23.intoArray(buf, t + 11 * VL);
        c30.intoArray(buf, t + 12 * VL);
        c31.intoArray(buf, t + 13 * VL);
        c32.intoArray(buf, t + 14 * VL);
        c33.intoArray(buf, t + 15 * VL);
        c40.intoArray(buf, t + 16 * VL);
        c41.intoArray(buf, t + 17 * VL);
        c42.intoArray(buf, t + 18 * VL);
        c43.intoArray(buf, t + 19 * VL);
        c50.intoArray(buf, t + 20 * VL);
        c51.intoArray(buf, t + 21 * VL);
        c52.intoArray(buf, t + 22 * VL);
        c53.intoArray(buf, t + 23 * VL);
    }

    private static void k4x4(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c01 = FloatVector.fromArray(S, buf, t + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 2 * VL);
            c03 = FloatVector.fromArray(S, buf, t + 3 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 4 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 5 * VL);
            c12 = FloatVector.fromArray(S, buf, t + 6 * VL);
            c13 = FloatVector.fromArray(S, buf, t + 7 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 8 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 9 * VL);
            c22 = FloatVector.fromArray(S, buf, t + 10 * VL);
            c23 = FloatVector.fromArray(S, buf, t + 11 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 12 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 13 * VL);
            c32 = FloatVector.fromArray(S, buf, t + 14 * VL);
            c33 = FloatVector.fromArray(S, buf, t + 15 * VL);
        }
        int a0 = ai;
        int a1 = ai + 1 * lda;
        int a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            c02 = x0.fma(b2, c02);
            c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            c12 = x1.fma(b2, c12);
            c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            c22 = x2.fma(b2, c22);
            c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            c32 = x3.fma(b2, c32);
            c33 = x3.fma(b3, c33);
        }
        c00.intoArray(buf, t);
        c01.intoArray(buf, t + 1 * VL);
        c02.intoArray(buf, t + 2 * VL);
        c03.intoArray(buf, t + 3 * VL);
        c10.intoArray(buf, t + 4 * VL);
        c11.intoArray(buf, t + 5 * VL);
        c12.intoArray(buf, t + 6 * VL);
        c13.intoArray(buf, t + 7 * VL);
        c20.intoArray(buf, t + 8 * VL);
        c21.intoArray(buf, t + 9 * VL);
        c22.intoArray(buf, t + 10 * VL);
        c23.intoArray(buf, t + 11 * VL);
        c30.intoArray(buf, t + 12 * VL);
        c31.intoArray(buf, t + 13 * VL);
        c32.intoArray(buf, t + 14 * VL);
        c33.intoArray(buf, t + 15 * VL);
    }

    private static void k1x4(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c01 = FloatVector.fromArray(S, buf, t + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 2 * VL);
            c03 = FloatVector.fromArray(S, buf, t + 3 * VL);
        }
        int a0 = ai;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            c02 = x0.fma(b2, c02);
            c03 = x0.fma(b3, c03);
        }
        c00.intoArray(buf, t);
        c01.intoArray(buf, t + 1 * VL);
        c02.intoArray(buf, t + 2 * VL);
        c03.intoArray(buf, t + 3 * VL);
    }

    private static void k6x2(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c01 = FloatVector.fromArray(S, buf, t + 1 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 2 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 3 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 4 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 5 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 6 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 7 * VL);
            c40 = FloatVector.fromArray(S, buf, t + 8 * VL);
            c41 = FloatVector.fromArray(S, buf, t + 9 * VL);
            c50 = FloatVector.fromArray(S, buf, t + 10 * VL);
            c51 = FloatVector.fromArray(S, buf, t + 11 * VL);
        }
        int a0 = ai;
        int a1 = ai + 1 * lda;
        int a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda;
        int a4 = ai + 4 * lda;
        int a5 = ai + 5 * lda;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40);
            c41 = x4.fma(b1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50);
            c51 = x5.fma(b1, c51);
        }
        c00.intoArray(buf, t);
        c01.intoArray(buf, t + 1 * VL);
        c10.intoArray(buf, t + 2 * VL);
        c11.intoArray(buf, t + 3 * VL);
        c20.intoArray(buf, t + 4 * VL);
        c21.intoArray(buf, t + 5 * VL);
        c30.intoArray(buf, t + 6 * VL);
        c31.intoArray(buf, t + 7 * VL);
        c40.intoArray(buf, t + 8 * VL);
        c41.intoArray(buf, t + 9 * VL);
        c50.intoArray(buf, t + 10 * VL);
        c51.intoArray(buf, t + 11 * VL);
    }

    private static void k4x2(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c01 = FloatVector.fromArray(S, buf, t + 1 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 2 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 3 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 4 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 5 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 6 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 7 * VL);
        }
        int a0 = ai;
        int a1 = ai + 1 * lda;
        int a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
        }
        c00.intoArray(buf, t);
        c01.intoArray(buf, t + 1 * VL);
        c10.intoArray(buf, t + 2 * VL);
        c11.intoArray(buf, t + 3 * VL);
        c20.intoArray(buf, t + 4 * VL);
        c21.intoArray(buf, t + 5 * VL);
        c30.intoArray(buf, t + 6 * VL);
        c31.intoArray(buf, t + 7 * VL);
    }

    private static void k1x2(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c01 = FloatVector.fromArray(S, buf, t + 1 * VL);
        }
        int a0 = ai;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
        }
        c00.intoArray(buf, t);
        c01.intoArray(buf, t + 1 * VL);
    }

    private static void k6x1(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c10 = FloatVector.fromArray(S, buf, t + 1 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * VL);
            c40 = FloatVector.fromArray(S, buf, t + 4 * VL);
            c50 = FloatVector.fromArray(S, buf, t + 5 * VL);
        }
        int a0 = ai;
        int a1 = ai + 1 * lda;
        int a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda;
        int a4 = ai + 4 * lda;
        int a5 = ai + 5 * lda;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50);
        }
        c00.intoArray(buf, t);
        c10.intoArray(buf, t + 1 * VL);
        c20.intoArray(buf, t + 2 * VL);
        c30.intoArray(buf, t + 3 * VL);
        c40.intoArray(buf, t + 4 * VL);
        c50.intoArray(buf, t + 5 * VL);
    }

    private static void k4x1(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S), c10 = c00, c20 = c00, c30 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
            c10 = FloatVector.fromArray(S, buf, t + 1 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * VL);
        }
        int a0 = ai;
        int a1 = ai + 1 * lda;
        int a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
        }
        c00.intoArray(buf, t);
        c10.intoArray(buf, t + 1 * VL);
        c20.intoArray(buf, t + 2 * VL);
        c30.intoArray(buf, t + 3 * VL);
    }

    private static void k1x1(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             boolean load) {
        FloatVector c00 = FloatVector.zero(S);
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t);
        }
        int a0 = ai;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
        }
        c00.intoArray(buf, t);
    }


    // ------------------------------------------------------------------ last, partial vector of columns
    // Masked loads and stores are not intrinsified on every supported JDK (JDK 17 falls back to per-lane
    // Java code), so the last n mod VL columns of B are copied once into a zero-padded k x VL strip and the
    // tile goes through a small per-thread buffer; its epilogue is the scalar form of the vector one, which
    // rounds identically (fma is fused in both).

    private static final ThreadLocal<float[]> STRIP = ThreadLocal.withInitial(() -> new float[0]);

    private static void tail(int m, int n, int k, int j, float alpha, float[] a, int aOff, int lda, float[] b,
                             int bOff, int ldb, float beta, float[] dm, int dOff, int ldd, float[] c, int cOff,
                             int ldc, boolean upper) {
        int cols = n - j;
        int need = k * VL + 4 * VL;
        float[] strip = STRIP.get();
        if (strip.length < need) {
            strip = new float[need];
            STRIP.set(strip);
        }
        for (int p = 0; p < k; p++) {
            int src = bOff + p * ldb + j;
            int dst = p * VL;
            for (int l = 0; l < cols; l++) {
                strip[dst + l] = b[src + l];
            }
            for (int l = cols; l < VL; l++) {
                strip[dst + l] = 0f;
            }
        }
        int tmp = k * VL;
        int iEnd = upper ? Math.min(m, n) : m;
        int i = 0;
        for (; i + 4 <= iEnd; i += 4) {
            int a0 = aOff + i * lda;
            int a1 = a0 + lda;
            int a2 = a1 + lda;
            int a3 = a2 + lda;
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            for (int p = 0, bp = 0; p < k; p++, bp += VL) {
                FloatVector b0 = FloatVector.fromArray(S, strip, bp);
                c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b0, c0);
                c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
                c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
                c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
            }
            c0.intoArray(strip, tmp);
            c1.intoArray(strip, tmp + VL);
            c2.intoArray(strip, tmp + 2 * VL);
            c3.intoArray(strip, tmp + 3 * VL);
            tailEpilogue(4, cols, strip, tmp, alpha, beta, dm, dOff + i * ldd + j, ldd, c, cOff + i * ldc + j, ldc);
        }
        for (; i < iEnd; i++) {
            int a0 = aOff + i * lda;
            FloatVector c0 = FloatVector.zero(S);
            for (int p = 0, bp = 0; p < k; p++, bp += VL) {
                c0 = FloatVector.broadcast(S, a[a0 + p]).fma(FloatVector.fromArray(S, strip, bp), c0);
            }
            c0.intoArray(strip, tmp);
            tailEpilogue(1, cols, strip, tmp, alpha, beta, dm, dOff + i * ldd + j, ldd, c, cOff + i * ldc + j, ldc);
        }
    }

    private static void tailEpilogue(int rows, int cols, float[] acc, int accOff, float alpha, float beta,
                                     float[] dm, int di, int ldd, float[] c, int ci, int ldc) {
        for (int r = 0; r < rows; r++) {
            for (int l = 0; l < cols; l++) {
                float v = acc[accOff + r * VL + l] * alpha;
                if (dm != null) {
                    v = Math.fma(dm[di + r * ldd + l], beta, v);
                }
                c[ci + r * ldc + l] = v;
            }
        }
    }
}
