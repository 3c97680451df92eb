package org.isqrt4j.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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
 * of A stream past it; for k &gt; {@value #KC} the k range is cut into blocks, each block of the strip packed
 * into a contiguous per-thread copy (long row strides alias in L1 and span many pages), with the panel's
 * partial sums parked in a per-thread buffer. In upper mode a row block inside a diagonal block of a 4-vector
 * panel runs on the panel's vectors from the one holding its first row's diagonal on (4, 3, 2 or 1 vectors).
 * Leftovers: 4-row blocks (also 4 + 4 instead of 6 + 1 + 1 for the last 8 or 9 rows) and single-row blocks,
 * panels of 2 and 1 vectors, and a last partial vector (n not a multiple of the vector length) computed from
 * a zero-padded copy of those columns, since masked loads and stores are not intrinsified on JDK 17. With
 * {@code upper}, row blocks that lie entirely below a panel are skipped (the caller mirrors). The epilogue
 * alpha*acc (+ beta*D) is applied once per tile, after the last k block; without D and without k blocking the
 * kernel itself stores alpha*acc into C (the round trip through the tile buffer cost 6% at d = 64). Mirrors,
 * transposes and the symmetric combinations of the backward use 16 x 16 register transposes (see below); inner
 * products and sums in double run on two 8-lane double vectors that hold {@code ScalarKernels.dot}'s 16 partial sums.
 * Thread-safe: the only state is per-thread scratch.
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
        if (!WIDE) {
            narrow(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, dm, dOff, ldd, c, cOff, ldc, upper);
            return;
        }
        int j = 0;
        if (WIDE) {
            for (; j + 4 * VL <= n; j += 4 * VL) {
                int iEnd = upper ? Math.min(m, j + 4 * VL) : m;
                int diag = upper ? j : m;
                panel4(iEnd, diag, k, alpha, a, aOff, lda, b, bOff + j, ldb, beta, dm, dOff + j, ldd, c, cOff + j,
                        ldc);
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

    /** Per-thread tile buffer of the narrow path (6 x 2 vectors). */
    private static final ThreadLocal<float[]> NTILE = ThreadLocal.withInitial(() -> new float[6 * 2 * VL]);
    /** Fewest rows for which the narrow path packs the B strip (the copy costs k * 2 VL floats per panel). */
    private static final int PACK_ROWS = 8;
    /**
     * Shortest row stride of B (floats) for which the narrow path packs: below it a strip's rows spread over
     * enough L1 sets (at d = 64 packing cost more than it saved).
     */
    private static final int PACK_LDB = 128;

    /**
     * The GEMM for vectors narrower than 512 bits (AVX2 and 128-bit, 16 registers on x86): 6 x 2 tiles (12
     * accumulators; C2 hoists the six broadcasts of a k step, so with the two B vectors about 20 values are live,
     * which on 16 registers stays out of the stack only with A read in place: packing A made one accumulator go
     * through the stack in a standalone probe on Zen 3), 4 x 2 and 1 x 2 for the last rows, then 1-vector
     * panels. Loop nest panel - k block (at most {@value #KC}) - row block. Each kc x 2VL strip of B is packed
     * into a contiguous per-thread copy with vector copies (B's rows lie ldb apart, 1-4 KiB at d = 256..1024,
     * which maps an unpacked strip onto a few L1 sets and many pages), so every row block reads it from L1; not
     * for short strides ({@value #PACK_LDB} floats) or fewer than {@value #PACK_ROWS} rows, where the copy cost
     * more than it saved (System.arraycopy per 16-float row halved the d = 64 figure). With several k blocks the
     * panel's raw sums wait in a per-thread m x 2VL buffer (exact float stores and reloads: every entry gets the
     * same fused multiply-adds in the same order as on the scalar path) and the epilogue runs once per panel.
     * Measured against the former scheme (B read in place, the same 6 x 2 tiles), one thread, thread CPU time,
     * interleaved in one JVM, Zen 4 at 256 bits: equal to +10% at d = 64..256, +13..27% at 512, +34..54% at 1024;
     * at 128 bits +27% at 1024 on JDK 25. A k block loop outermost (the m x kc block of A in L2 across panels),
     * with or without 96-192-row blocks of A, measured the same within noise; kc = 512 lost at d = 256.
     */
    private static void narrow(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc,
                               boolean upper) {
        int nw = n - n % VL;
        int blocks = (k + KC - 1) / KC;
        int kc = (k + blocks - 1) / blocks;
        float[] tileBuf = NTILE.get();
        float[] pk = packed(kc * 2 * VL);
        for (int j = 0; j < nw; ) {
            int nv = j + 2 * VL <= nw ? 2 : 1;
            int row = nv * VL;
            int iEnd = upper ? Math.min(m, j + row) : m;
            float[] acc = blocks > 1 ? partial(iEnd * row) : null;
            for (int k0 = 0; k0 < k; k0 += kc) {
                int kk = Math.min(kc, k - k0);
                boolean load = k0 > 0;
                float[] bs = b;
                int bj = bOff + k0 * ldb + j;
                int lbs = ldb;
                if (iEnd >= PACK_ROWS && ldb >= PACK_LDB) {
                    for (int p = 0, src = bj, dst = 0; p < kk; p++, src += ldb, dst += row) {
                        FloatVector.fromArray(S, b, src).intoArray(pk, dst);
                        if (nv == 2) {
                            FloatVector.fromArray(S, b, src + VL).intoArray(pk, dst + VL);
                        }
                    }
                    bs = pk;
                    bj = 0;
                    lbs = row;
                }
                int i = 0;
                while (i < iEnd) {
                    int left = iEnd - i;
                    int rows = left >= 6 && !eightOrNine(left) ? 6 : left >= 4 ? 4 : 1;
                    int ai = aOff + i * lda + k0;
                    if (acc != null) {
                        narrowKernel(rows, nv, kk, a, ai, lda, bs, bj, lbs, acc, i * row, row, 1f, load);
                    } else if (dm == null) {
                        narrowKernel(rows, nv, kk, a, ai, lda, bs, bj, lbs, c, cOff + i * ldc + j, ldc, alpha, false);
                    } else {
                        narrowKernel(rows, nv, kk, a, ai, lda, bs, bj, lbs, tileBuf, 0, row, 1f, false);
                        epilogue(rows, nv, tileBuf, 0, row, alpha, beta, dm, dOff + i * ldd + j, ldd, c,
                                cOff + i * ldc + j, ldc);
                    }
                    i += rows;
                }
            }
            if (acc != null) {
                epilogue(iEnd, nv, acc, 0, row, alpha, beta, dm, dOff + j, ldd, c, cOff + j, ldc);
            }
            j += row;
        }
        if (nw < n) {
            tail(m, n, k, nw, alpha, a, aOff, lda, b, bOff, ldb, beta, dm, dOff, ldd, c, cOff, ldc, upper);
        }
    }

    private static void narrowKernel(int rows, int nv, int k, float[] a, int ai, int lda, float[] b, int bj, int ldb,
                                     float[] out, int t, int ldt, float alpha, boolean load) {
        switch (rows * 8 + nv) {
            case 6 * 8 + 2: k6x2(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, load); break;
            case 6 * 8 + 1: k6x1(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, load); break;
            case 4 * 8 + 2: k4x2(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, load); break;
            case 4 * 8 + 1: k4x1(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, load); break;
            case 1 * 8 + 2: k1x2(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, load); break;
            default: k1x1(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, load); break;
        }
    }

    /**
     * Whether the rows left make 4 + 4 (+ 1) rather than 6 + 1 + 1 (+ 1): single rows run at a fraction of the
     * 6-row kernel's speed (at d = 128, 21 blocks of 6 left two of them).
     */
    private static boolean eightOrNine(int rows) {
        return rows == 8 || rows == 9;
    }

    /** Per-thread strip of packed B rows for the k-blocked path. */
    private static final ThreadLocal<float[]> PACKED = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] packed(int floats) {
        float[] buf = PACKED.get();
        if (buf.length < floats) {
            buf = new float[floats];
            PACKED.set(buf);
        }
        return buf;
    }

    private static float[] partial(int floats) {
        float[] buf = PARTIAL.get();
        if (buf.length < floats) {
            buf = new float[floats];
            PARTIAL.set(buf);
        }
        return buf;
    }

    /**
     * One panel of 4 vector(s): rows 0..iEnd-1, columns from the given offsets. With {@code upper}, a row block
     * starting at row i &gt;= diag (the panel's first column) only needs the panel's vectors from the one holding
     * column i on (the upper triangle of the diagonal block), so it runs a 3-, 2- or 1-vector kernel there: a
     * triangle then costs 53% of a full product at d = 256 instead of 62.5%.
     */
    private static void panel4(int iEnd, int diag, int k, float alpha, float[] a, int aOff, int lda, float[] b,
                               int bOff, int ldb, float beta, float[] dm, int dOff, int ldd, float[] c, int cOff,
                               int ldc) {
        if (k <= KC) {
            int i = 0;
            for (; i + 6 <= iEnd && !eightOrNine(iEnd - i); i += 6) {
                tile(6, i < diag ? 0 : (i - diag) / VL, k, alpha, a, aOff + i * lda, lda, b, bOff, ldb, beta, dm,
                        dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            for (; i + 4 <= iEnd; i += 4) {
                tile(4, i < diag ? 0 : (i - diag) / VL, k, alpha, a, aOff + i * lda, lda, b, bOff, ldb, beta, dm,
                        dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            for (; i < iEnd; i++) {
                tile(1, i < diag ? 0 : (i - diag) / VL, k, alpha, a, aOff + i * lda, lda, b, bOff, ldb, beta, dm,
                        dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
            }
            return;
        }
        // k blocking: the kc x (4 vectors) block of B is packed into a contiguous per-thread strip (rows of B lie
        // ldb apart, a multiple of 2-4 KiB at d = 512..1024, which maps them onto a few L1 sets and many pages)
        // and stays in cache while every row block of the panel passes; the panel's partial sums wait in the
        // buffer (exact float stores, so the fma order is unchanged).
        int row = 4 * VL;
        float[] buf = partial(iEnd * row);
        int blocks = (k + KC - 1) / KC;
        int kc = (k + blocks - 1) / blocks;
        float[] pk = packed(kc * row);
        for (int k0 = 0; k0 < k; k0 += kc) {
            int kk = Math.min(kc, k - k0);
            boolean load = k0 > 0;
            for (int p = 0, src = bOff + k0 * ldb; p < kk; p++, src += ldb) {
                System.arraycopy(b, src, pk, p * row, row);
            }
            int i = 0;
            for (; i + 6 <= iEnd && !eightOrNine(iEnd - i); i += 6) {
                k6x4(kk, a, aOff + i * lda + k0, lda, pk, 0, row, buf, i * row, row, 1f, load);
            }
            while (i + 4 <= iEnd) {
                k4x4(kk, a, aOff + i * lda + k0, lda, pk, 0, row, buf, i * row, row, 1f, load);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x4(kk, a, aOff + i * lda + k0, lda, pk, 0, row, buf, i * row, row, 1f, load);
            }
        }
        epilogue(iEnd, 4, buf, 0, alpha, beta, dm, dOff, ldd, c, cOff, ldc);
    }

    /**
     * One block of rows (6, 4 or 1) by the panel's vectors v0..3, without k blocking: straight into C without D,
     * else through the tile buffer and the epilogue.
     */
    private static void tile(int rows, int v0, int k, float alpha, float[] a, int ai, int lda, float[] b, int bj,
                             int ldb, float beta, float[] dm, int di, int ldd, float[] c, int ci, int ldc) {
        int nv = 4 - v0;
        int o = v0 * VL;
        if (dm == null) {
            kernel(rows, nv, k, a, ai, lda, b, bj + o, ldb, c, ci + o, ldc, alpha);
        } else {
            float[] buf = partial(6 * 4 * VL);
            kernel(rows, nv, k, a, ai, lda, b, bj + o, ldb, buf, 0, nv * VL, 1f);
            epilogue(rows, nv, buf, 0, alpha, beta, dm, di + o, ldd, c, ci + o, ldc);
        }
    }

    private static void kernel(int rows, int nv, int k, float[] a, int ai, int lda, float[] b, int bj, int ldb,
                               float[] out, int t, int ldt, float alpha) {
        switch (rows * 8 + nv) {
            case 6 * 8 + 4: k6x4(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 6 * 8 + 3: k6x3(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 6 * 8 + 2: k6x2(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 6 * 8 + 1: k6x1(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 4 * 8 + 4: k4x4(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 4 * 8 + 3: k4x3(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 4 * 8 + 2: k4x2(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 4 * 8 + 1: k4x1(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 1 * 8 + 4: k1x4(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 1 * 8 + 3: k1x3(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            case 1 * 8 + 2: k1x2(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
            default: k1x1(k, a, ai, lda, b, bj, ldb, out, t, ldt, alpha, false); break;
        }
    }

    /** One panel of 2 vector(s): rows 0..iEnd-1, columns from the given offsets. */
    private static void panel2(int iEnd, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc) {
        if (k <= KC) {
            float[] buf = partial(6 * 2 * VL);
            int i = 0;
            for (; i + 6 <= iEnd && !eightOrNine(iEnd - i); i += 6) {
                if (dm == null) {
                    k6x2(k, a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, alpha, false);
                } else {
                    k6x2(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, 2 * VL, 1f, false);
                    epilogue(6, 2, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                }
            }
            while (i + 4 <= iEnd) {
                if (dm == null) {
                    k4x2(k, a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, alpha, false);
                } else {
                    k4x2(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, 2 * VL, 1f, false);
                    epilogue(4, 2, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                }
                i += 4;
            }
            for (; i < iEnd; i++) {
                if (dm == null) {
                    k1x2(k, a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, alpha, false);
                } else {
                    k1x2(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, 2 * VL, 1f, false);
                    epilogue(1, 2, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                }
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
            for (; i + 6 <= iEnd && !eightOrNine(iEnd - i); i += 6) {
                k6x2(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, row, 1f, load);
            }
            while (i + 4 <= iEnd) {
                k4x2(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, row, 1f, load);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x2(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, row, 1f, load);
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
            for (; i + 6 <= iEnd && !eightOrNine(iEnd - i); i += 6) {
                if (dm == null) {
                    k6x1(k, a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, alpha, false);
                } else {
                    k6x1(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, 1 * VL, 1f, false);
                    epilogue(6, 1, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                }
            }
            while (i + 4 <= iEnd) {
                if (dm == null) {
                    k4x1(k, a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, alpha, false);
                } else {
                    k4x1(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, 1 * VL, 1f, false);
                    epilogue(4, 1, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                }
                i += 4;
            }
            for (; i < iEnd; i++) {
                if (dm == null) {
                    k1x1(k, a, aOff + i * lda, lda, b, bOff, ldb, c, cOff + i * ldc, ldc, alpha, false);
                } else {
                    k1x1(k, a, aOff + i * lda, lda, b, bOff, ldb, buf, 0, 1 * VL, 1f, false);
                    epilogue(1, 1, buf, 0, alpha, beta, dm, dOff + i * ldd, ldd, c, cOff + i * ldc, ldc);
                }
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
            for (; i + 6 <= iEnd && !eightOrNine(iEnd - i); i += 6) {
                k6x1(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, row, 1f, load);
            }
            while (i + 4 <= iEnd) {
                k4x1(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, row, 1f, load);
                i += 4;
            }
            for (; i < iEnd; i++) {
                k1x1(kk, a, aOff + i * lda + k0, lda, b, bk, ldb, buf, i * row, row, 1f, load);
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
        epilogue(rows, nv, buf, t, nv * VL, alpha, beta, dm, di, ldd, c, ci, ldc);
    }

    /** As above, with the buffer's row stride ldt. */
    private static void epilogue(int rows, int nv, float[] buf, int t, int ldt, float alpha, float beta, float[] dm,
                                 int di, int ldd, float[] c, int ci, int ldc) {
        if (dm == null) {
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < nv; v++) {
                    FloatVector.fromArray(S, buf, t + r * ldt + v * VL).mul(alpha).intoArray(c, ci + r * ldc + v * VL);
                }
            }
        } else {
            FloatVector bt = FloatVector.broadcast(S, beta);
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < nv; v++) {
                    FloatVector acc = FloatVector.fromArray(S, buf, t + r * ldt + v * VL);
                    FloatVector.fromArray(S, dm, di + r * ldd + v * VL).fma(bt, acc.mul(alpha))
                            .intoArray(c, ci + r * ldc + v * VL);
                }
            }
        }
    }


    // ------------------------------------------------------------------ 16 x 16 transposes
    // A 16 x 16 block is transposed in registers in four butterfly stages: at stage b (8, 4, 2, 1) rows i and
    // i + b (i with bit b clear) swap their off-diagonal b x b sub-blocks, each new row one lane rotation and one
    // masked blend. The 16 rows live in locals (an array of vectors would be boxed on the heap). Only copies and
    // the same per-element arithmetic as the scalar code, so results are bit-identical to it.

    private static final VectorShuffle<Float> SR0 = rotation(-1), SL0 = rotation(1);
    private static final VectorShuffle<Float> SR1 = rotation(-2), SL1 = rotation(2);
    private static final VectorShuffle<Float> SR2 = rotation(-4), SL2 = rotation(4);
    private static final VectorShuffle<Float> SR3 = rotation(-8), SL3 = rotation(8);
    private static final VectorMask<Float> M0 = laneBit(1), N0 = M0.not();
    private static final VectorMask<Float> M1 = laneBit(2), N1 = M1.not();
    private static final VectorMask<Float> M2 = laneBit(4), N2 = M2.not();
    private static final VectorMask<Float> M3 = laneBit(8), N3 = M3.not();
    /** BELOW[q]: lanes l &lt; q, the strict lower part of row q of a diagonal block. */
    private static final VectorMask<Float>[] BELOW = belowMasks();

    private static VectorShuffle<Float> rotation(int by) {
        int[] idx = new int[VL];
        for (int l = 0; l < VL; l++) {
            idx[l] = Math.floorMod(l + by, VL);
        }
        return VectorShuffle.fromArray(S, idx, 0);
    }

    private static VectorMask<Float> laneBit(int bit) {
        boolean[] m = new boolean[VL];
        for (int l = 0; l < VL; l++) {
            m[l] = (l & bit) != 0;
        }
        return VectorMask.fromArray(S, m, 0);
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] belowMasks() {
        VectorMask<Float>[] r = new VectorMask[VL];
        for (int q = 0; q < VL; q++) {
            boolean[] m = new boolean[VL];
            for (int l = 0; l < q; l++) {
                m[l] = true;
            }
            r[q] = VectorMask.fromArray(S, m, 0);
        }
        return r;
    }

    /**
     * Whether the register transposes are used: written for exactly 16 lanes (512-bit vectors), on every JDK. They
     * made W1 forward+backward 15% faster than the scalar tiled copies on JDK 25. They used to be off on JDK 17,
     * measured 9% slower at d = 64 there; since the double-precision glue uses one float species (see {@link #dot}),
     * they measured faster on JDK 17 too (2026-12-07, Xeon Ice Lake, one thread, CpuBench best of 3 runs
     * alternating: W2 forward 10.4-10.7k to 11.8-12.9k samples/s, forward+backward 3.6-3.8k to 4.2-4.6k, W1 forward
     * 293-298 to 305-315), which put JDK 17 within 6 % of JDK 25 on W1 and W2. Both paths give the same bits.
     */
    private static final boolean T16 = VL == 16;

    /** Per-thread 16 x 16 tile for the transposed block of the T16 kernels that combine it with other blocks. */
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[16 * 16]);

    @Override
    public void mirror(float[] c, int off, int d) {
        if (!T16) {
            // Deliberately the scalar form: the register transposes need 16 lanes (T16, see above).
            ScalarKernels.INSTANCE.mirror(c, off, d);
            return;
        }
        int d16 = d & ~15;
        float[] tile = TILE.get();
        for (int bi = 0; bi < d16; bi += 16) {
            // diagonal block: its transpose through the tile, blended into the entries below the diagonal
            int diag = off + bi * d + bi;
            transposeBlock(c, diag, d, tile, 0, 16);
            for (int k = 0; k < 16; k++) {
                FloatVector.fromArray(S, c, diag + k * d).blend(FloatVector.fromArray(S, tile, k * 16), BELOW[k])
                        .intoArray(c, diag + k * d);
            }
            for (int bj = bi + 16; bj < d16; bj += 16) {
                transposeBlock(c, off + bi * d + bj, d, c, off + bj * d + bi, d);
            }
        }
        // Rows below the last whole block row: their entries left of the diagonal, one by one.
        for (int i = d16; i < d; i++) {
            for (int j = 0; j < i; j++) {
                c[off + i * d + j] = c[off + j * d + i];
            }
        }
    }

    @Override
    public void symCombineUpper(float[] g, float[] p, float[] out, int d) {
        if (!T16 || (d & 15) != 0) {
            // Deliberately the scalar form: the register transposes need 16 lanes (T16) and d a multiple of 16.
            ScalarKernels.INSTANCE.symCombineUpper(g, p, out, d);
            return;
        }
        FloatVector h = FloatVector.broadcast(S, 0.5f);
        FloatVector th = FloatVector.broadcast(S, 1.5f);
        float[] tile = TILE.get();
        for (int bi = 0; bi < d; bi += 16) {
            for (int bj = bi; bj < d; bj += 16) {
                int at = bi * d + bj;
                transposeBlock(p, bj * d + bi, d, tile, 0, 16);
                for (int k = 0; k < 16; k++) {
                    int r = at + k * d;
                    th.mul(FloatVector.fromArray(S, g, r))
                            .sub(FloatVector.fromArray(S, p, r).add(FloatVector.fromArray(S, tile, k * 16)).mul(h))
                            .intoArray(out, r);
                }
            }
        }
    }

    /**
     * Per pair of 16 x 16 blocks (upper U at (bi, bj), lower L at (bj, bi)): out's upper block is (U + L^T) / 2 and
     * its lower block (L + U^T) / 2, which are the same sums as the scalar form's (addition commutes exactly).
     */
    @Override
    public void symmetrize(float[] g, int gOff, float[] out, int d) {
        if (!T16 || (d & 15) != 0) {
            // Deliberately the scalar form: the register transposes need 16 lanes (T16) and d a multiple of 16.
            ScalarKernels.INSTANCE.symmetrize(g, gOff, out, d);
            return;
        }
        float[] tile = TILE.get();
        for (int bi = 0; bi < d; bi += 16) {
            for (int bj = bi; bj < d; bj += 16) {
                int up = gOff + bi * d + bj;
                int lo = gOff + bj * d + bi;
                halfSum(g, lo, up, out, bi * d + bj, d, tile);
                if (bj != bi) {
                    halfSum(g, up, lo, out, bj * d + bi, d, tile);
                }
            }
        }
    }

    /** out block at o = (g block at at + (g block at tr)^T) / 2, 16 x 16, rows d apart; the transpose goes through tile. */
    private static void halfSum(float[] g, int tr, int at, float[] out, int o, int d, float[] tile) {
        FloatVector h = FloatVector.broadcast(S, 0.5f);
        transposeBlock(g, tr, d, tile, 0, 16);
        for (int k = 0; k < 16; k++) {
            FloatVector.fromArray(S, g, at + k * d).add(FloatVector.fromArray(S, tile, k * 16)).mul(h)
                    .intoArray(out, o + k * d);
        }
    }

    /** Whole 16 x 16 blocks through registers, the edges (rows or columns past the last multiple of 16) one by one. */
    @Override
    public void transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff) {
        if (!T16) {
            // Deliberately the scalar form: the register transposes need 16 lanes (T16, see above).
            ScalarKernels.INSTANCE.transpose(src, sOff, rows, cols, dst, dOff);
            return;
        }
        int r16 = rows & ~15;
        int c16 = cols & ~15;
        for (int i = 0; i < r16; i += 16) {
            for (int j = 0; j < c16; j += 16) {
                transposeBlock(src, sOff + i * cols + j, cols, dst, dOff + j * rows + i, rows);
            }
        }
        for (int i = 0; i < rows; i++) {
            for (int j = i < r16 ? c16 : 0; j < cols; j++) {
                dst[dOff + j * rows + i] = src[sOff + i * cols + j];
            }
        }
    }

    /**
     * dst block at t (row stride ldt) = (src block at s, row stride lds)^T, 16 x 16: the one register transpose
     * network (four rounds of lane rotations and blends), used by every T16 kernel. All 16 rows are loaded before
     * any is stored, so src and dst may be the same array (blocks that do not overlap, or a tile). Not inlined
     * (too large), so it takes no vector argument, which would be boxed.
     */
    private static void transposeBlock(float[] src, int s, int lds, float[] dst, int t, int ldt) {
        FloatVector r0 = FloatVector.fromArray(S, src, s + 0 * lds);
        FloatVector r1 = FloatVector.fromArray(S, src, s + 1 * lds);
        FloatVector r2 = FloatVector.fromArray(S, src, s + 2 * lds);
        FloatVector r3 = FloatVector.fromArray(S, src, s + 3 * lds);
        FloatVector r4 = FloatVector.fromArray(S, src, s + 4 * lds);
        FloatVector r5 = FloatVector.fromArray(S, src, s + 5 * lds);
        FloatVector r6 = FloatVector.fromArray(S, src, s + 6 * lds);
        FloatVector r7 = FloatVector.fromArray(S, src, s + 7 * lds);
        FloatVector r8 = FloatVector.fromArray(S, src, s + 8 * lds);
        FloatVector r9 = FloatVector.fromArray(S, src, s + 9 * lds);
        FloatVector r10 = FloatVector.fromArray(S, src, s + 10 * lds);
        FloatVector r11 = FloatVector.fromArray(S, src, s + 11 * lds);
        FloatVector r12 = FloatVector.fromArray(S, src, s + 12 * lds);
        FloatVector r13 = FloatVector.fromArray(S, src, s + 13 * lds);
        FloatVector r14 = FloatVector.fromArray(S, src, s + 14 * lds);
        FloatVector r15 = FloatVector.fromArray(S, src, s + 15 * lds);
        FloatVector x30 = r0;
        r0 = x30.blend(r8.rearrange(SR3), M3);
        r8 = r8.blend(x30.rearrange(SL3), N3);
        FloatVector x31 = r1;
        r1 = x31.blend(r9.rearrange(SR3), M3);
        r9 = r9.blend(x31.rearrange(SL3), N3);
        FloatVector x32 = r2;
        r2 = x32.blend(r10.rearrange(SR3), M3);
        r10 = r10.blend(x32.rearrange(SL3), N3);
        FloatVector x33 = r3;
        r3 = x33.blend(r11.rearrange(SR3), M3);
        r11 = r11.blend(x33.rearrange(SL3), N3);
        FloatVector x34 = r4;
        r4 = x34.blend(r12.rearrange(SR3), M3);
        r12 = r12.blend(x34.rearrange(SL3), N3);
        FloatVector x35 = r5;
        r5 = x35.blend(r13.rearrange(SR3), M3);
        r13 = r13.blend(x35.rearrange(SL3), N3);
        FloatVector x36 = r6;
        r6 = x36.blend(r14.rearrange(SR3), M3);
        r14 = r14.blend(x36.rearrange(SL3), N3);
        FloatVector x37 = r7;
        r7 = x37.blend(r15.rearrange(SR3), M3);
        r15 = r15.blend(x37.rearrange(SL3), N3);
        FloatVector x20 = r0;
        r0 = x20.blend(r4.rearrange(SR2), M2);
        r4 = r4.blend(x20.rearrange(SL2), N2);
        FloatVector x21 = r1;
        r1 = x21.blend(r5.rearrange(SR2), M2);
        r5 = r5.blend(x21.rearrange(SL2), N2);
        FloatVector x22 = r2;
        r2 = x22.blend(r6.rearrange(SR2), M2);
        r6 = r6.blend(x22.rearrange(SL2), N2);
        FloatVector x23 = r3;
        r3 = x23.blend(r7.rearrange(SR2), M2);
        r7 = r7.blend(x23.rearrange(SL2), N2);
        FloatVector x28 = r8;
        r8 = x28.blend(r12.rearrange(SR2), M2);
        r12 = r12.blend(x28.rearrange(SL2), N2);
        FloatVector x29 = r9;
        r9 = x29.blend(r13.rearrange(SR2), M2);
        r13 = r13.blend(x29.rearrange(SL2), N2);
        FloatVector x210 = r10;
        r10 = x210.blend(r14.rearrange(SR2), M2);
        r14 = r14.blend(x210.rearrange(SL2), N2);
        FloatVector x211 = r11;
        r11 = x211.blend(r15.rearrange(SR2), M2);
        r15 = r15.blend(x211.rearrange(SL2), N2);
        FloatVector x10 = r0;
        r0 = x10.blend(r2.rearrange(SR1), M1);
        r2 = r2.blend(x10.rearrange(SL1), N1);
        FloatVector x11 = r1;
        r1 = x11.blend(r3.rearrange(SR1), M1);
        r3 = r3.blend(x11.rearrange(SL1), N1);
        FloatVector x14 = r4;
        r4 = x14.blend(r6.rearrange(SR1), M1);
        r6 = r6.blend(x14.rearrange(SL1), N1);
        FloatVector x15 = r5;
        r5 = x15.blend(r7.rearrange(SR1), M1);
        r7 = r7.blend(x15.rearrange(SL1), N1);
        FloatVector x18 = r8;
        r8 = x18.blend(r10.rearrange(SR1), M1);
        r10 = r10.blend(x18.rearrange(SL1), N1);
        FloatVector x19 = r9;
        r9 = x19.blend(r11.rearrange(SR1), M1);
        r11 = r11.blend(x19.rearrange(SL1), N1);
        FloatVector x112 = r12;
        r12 = x112.blend(r14.rearrange(SR1), M1);
        r14 = r14.blend(x112.rearrange(SL1), N1);
        FloatVector x113 = r13;
        r13 = x113.blend(r15.rearrange(SR1), M1);
        r15 = r15.blend(x113.rearrange(SL1), N1);
        FloatVector x00 = r0;
        r0 = x00.blend(r1.rearrange(SR0), M0);
        r1 = r1.blend(x00.rearrange(SL0), N0);
        FloatVector x02 = r2;
        r2 = x02.blend(r3.rearrange(SR0), M0);
        r3 = r3.blend(x02.rearrange(SL0), N0);
        FloatVector x04 = r4;
        r4 = x04.blend(r5.rearrange(SR0), M0);
        r5 = r5.blend(x04.rearrange(SL0), N0);
        FloatVector x06 = r6;
        r6 = x06.blend(r7.rearrange(SR0), M0);
        r7 = r7.blend(x06.rearrange(SL0), N0);
        FloatVector x08 = r8;
        r8 = x08.blend(r9.rearrange(SR0), M0);
        r9 = r9.blend(x08.rearrange(SL0), N0);
        FloatVector x010 = r10;
        r10 = x010.blend(r11.rearrange(SR0), M0);
        r11 = r11.blend(x010.rearrange(SL0), N0);
        FloatVector x012 = r12;
        r12 = x012.blend(r13.rearrange(SR0), M0);
        r13 = r13.blend(x012.rearrange(SL0), N0);
        FloatVector x014 = r14;
        r14 = x014.blend(r15.rearrange(SR0), M0);
        r15 = r15.blend(x014.rearrange(SL0), N0);
        r0.intoArray(dst, t + 0 * ldt);
        r1.intoArray(dst, t + 1 * ldt);
        r2.intoArray(dst, t + 2 * ldt);
        r3.intoArray(dst, t + 3 * ldt);
        r4.intoArray(dst, t + 4 * ldt);
        r5.intoArray(dst, t + 5 * ldt);
        r6.intoArray(dst, t + 6 * ldt);
        r7.intoArray(dst, t + 7 * ldt);
        r8.intoArray(dst, t + 8 * ldt);
        r9.intoArray(dst, t + 9 * ldt);
        r10.intoArray(dst, t + 10 * ldt);
        r11.intoArray(dst, t + 11 * ldt);
        r12.intoArray(dst, t + 12 * ldt);
        r13.intoArray(dst, t + 13 * ldt);
        r14.intoArray(dst, t + 14 * ldt);
        r15.intoArray(dst, t + 15 * ldt);
    }

    /**
     * The double-precision glue ({@link #dot}, {@link #sum}, {@link #centreScale}, {@link #mulInto}) runs on
     * vectors at 512 bits (16 float lanes) on every JDK. It widens each float vector of the kernels' own species S
     * into its two halves as 512-bit doubles ({@code castShape(DS, 0)} and {@code castShape(DS, 1)}) and narrows
     * back with {@code castShape(S, 0)}, {@code castShape(S, -1)} and a blend, so it uses one float species only,
     * the one the GEMM kernels use. It used to load 256-bit float vectors beside the 512-bit ones, and on JDK 17
     * that broke the GEMM: once {@code FloatVector.intoArray} and its siblings had seen two FloatVector classes
     * (Float512Vector and Float256Vector), C2 found no static binding for {@code Vector.length()} /
     * {@code vspecies()} inside them, {@code VectorSupport.store} was no longer intrinsified (-XX:+PrintInlining:
     * "failed to inline (intrinsic)"), and the GEMM kernels' vectors went to the heap: 308 KB allocated per
     * d = 256 product and the kernel 60 % to 20x slower. That is why this glue was JDK 25-only until now. With one
     * float species the GEMM allocates 0 B on JDK 17 and 25 (cpu-vector's {@code GlueSpeciesTest}), and the glue
     * is 8-20x faster than the scalar forms on both, bit-identical to them.
     *
     * <p>At 256 and 128 bits the same widening (4 and 8 double accumulators of 4 and 2 lanes) was measured no
     * faster than the scalar forms, and at 128 bits 2-5x slower (the 128-bit half conversions are not
     * intrinsified well on JDK 17 or 25), so there the scalar forms run: {@code GLUE} is false.
     *
     * <p>{@link #dot} and {@link #sum} keep {@code ScalarKernels.dot}'s 16 partial sums: lane l of the first accumulator
     * is partial sum l, lane l of the second sum l + 8, finished as {@code ScalarKernels.dotFinish(s_l + s_{l+8})}. Each
     * product of two floats is exact in double, so the double fused multiply-add rounds like the scalar add.
     */
    private static final boolean GLUE = VL == 16;
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());
    /** Selects the upper half of the lanes of S, where {@code castShape(S, -1)} puts its values. */
    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(S, ((1L << VL) - 1) & ~((1L << (VL / 2)) - 1));

    private static DoubleVector lo(FloatVector v) {
        return (DoubleVector) v.castShape(DS, 0);
    }

    private static DoubleVector hi(FloatVector v) {
        return (DoubleVector) v.castShape(DS, 1);
    }

    /** The float vector whose lower half is {@code l} and upper half {@code h}, each rounded once to float. */
    private static FloatVector narrow(DoubleVector l, DoubleVector h) {
        FloatVector a = (FloatVector) l.castShape(S, 0);
        FloatVector b = (FloatVector) h.castShape(S, -1);
        return a.blend(b, UPPER_HALF);
    }

    @Override
    public double dot(float[] a, int aOff, float[] b, int bOff, int len) {
        if (!GLUE) {
            // Deliberately the scalar form: narrower than 512 bits, where the widening is no faster (see above).
            return ScalarKernels.INSTANCE.dot(a, aOff, b, bOff, len);
        }
        int n16 = len - len % ScalarKernels.DOT_LANES;
        DoubleVector s0 = DoubleVector.zero(DS);
        DoubleVector s1 = s0;
        for (int i = 0; i < n16; i += 16) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            FloatVector y = FloatVector.fromArray(S, b, bOff + i);
            s0 = lo(x).fma(lo(y), s0);
            s1 = hi(x).fma(hi(y), s1);
        }
        return ScalarKernels.dotTail(finish(s0.add(s1)), a, aOff, b, bOff, n16, len);
    }

    /** Lanes as in {@link #dot}: {@code ScalarKernels.sum}'s 16 partial sums. */
    @Override
    public double sum(float[] a, int off, int len) {
        if (!GLUE) {
            // Deliberately the scalar form: narrower than 512 bits, where the widening is no faster (see above).
            return ScalarKernels.INSTANCE.sum(a, off, len);
        }
        int n16 = len - len % ScalarKernels.DOT_LANES;
        DoubleVector s0 = DoubleVector.zero(DS);
        DoubleVector s1 = s0;
        for (int i = 0; i < n16; i += 16) {
            FloatVector x = FloatVector.fromArray(S, a, off + i);
            s0 = s0.add(lo(x));
            s1 = s1.add(hi(x));
        }
        return ScalarKernels.sumTail(finish(s0.add(s1)), a, off, n16, len);
    }

    /** {@code ScalarKernels.dotFinish} of the 8 lanes of u (u_l = s_l + s_{l+8}). */
    private static double finish(DoubleVector u) {
        return ScalarKernels.dotFinish(u.lane(0), u.lane(1), u.lane(2), u.lane(3), u.lane(4), u.lane(5), u.lane(6),
                u.lane(7));
    }

    @Override
    public float max(float[] a, int off, int len) {
        if (len < VL) {
            // Deliberately the scalar form: shorter than one vector.
            return ScalarKernels.INSTANCE.max(a, off, len);
        }
        FloatVector m = FloatVector.fromArray(S, a, off);
        int i = VL;
        for (; i + VL <= len; i += VL) {
            m = m.max(FloatVector.fromArray(S, a, off + i));
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            r = Math.max(r, a[off + i]);
        }
        return r;
    }

    @Override
    public float min(float[] a, int off, int len) {
        if (len < VL) {
            // Deliberately the scalar form: shorter than one vector.
            return ScalarKernels.INSTANCE.min(a, off, len);
        }
        FloatVector m = FloatVector.fromArray(S, a, off);
        int i = VL;
        for (; i + VL <= len; i += VL) {
            m = m.min(FloatVector.fromArray(S, a, off + i));
        }
        float r = m.reduceLanes(VectorOperators.MIN);
        for (; i < len; i++) {
            r = Math.min(r, a[off + i]);
        }
        return r;
    }

    /** The same double operations lane by lane, so the same bits as the scalar form. */
    @Override
    public void centreScale(float[] x, int off, double mu, double scale, float[] xs, int o, int n) {
        int p = 0;
        if (GLUE) { // otherwise the scalar loop below does it all: narrower than 512 bits (see above)
            for (; p + VL <= n; p += VL) {
                FloatVector v = FloatVector.fromArray(S, x, off + p);
                narrow(lo(v).sub(mu).mul(scale), hi(v).sub(mu).mul(scale)).intoArray(xs, o + p);
            }
        }
        for (; p < n; p++) {
            xs[o + p] = (float) ((x[off + p] - mu) * scale);
        }
    }

    @Override
    public void mulInto(float[] src, int sOff, double f, float[] dst, int dOff, int len) {
        int i = 0;
        if (GLUE) { // otherwise the scalar loop below does it all: narrower than 512 bits (see above)
            for (; i + VL <= len; i += VL) {
                FloatVector v = FloatVector.fromArray(S, src, sOff + i);
                narrow(lo(v).mul(f), hi(v).mul(f)).intoArray(dst, dOff + i);
            }
        }
        for (; i < len; i++) {
            dst[dOff + i] = (float) (src[sOff + i] * f);
        }
    }


    /** The sum of every v * 0 is NaN exactly when some v is not finite, whatever the order. */
    @Override
    public boolean allFinite(float[] a, int off, int len) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector z = s0;
        int i = 0;
        for (; i + 2 * VL <= len; i += 2 * VL) {
            s0 = FloatVector.fromArray(S, a, off + i).fma(z, s0);
            s1 = FloatVector.fromArray(S, a, off + i + VL).fma(z, s1);
        }
        float t = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            t += a[off + i] * 0f;
        }
        return t == 0f;
    }

    @Override
    public float maxAbs(float[] a, int off, int len) {
        FloatVector m0 = FloatVector.zero(S);
        FloatVector m1 = m0;
        int i = 0;
        for (; i + 2 * VL <= len; i += 2 * VL) {
            m0 = m0.max(FloatVector.fromArray(S, a, off + i).abs());
            m1 = m1.max(FloatVector.fromArray(S, a, off + i + VL).abs());
        }
        float m = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            m = Math.max(m, Math.abs(a[off + i]));
        }
        return m;
    }

    // ------------------------------------------------------------------ micro-kernels
    // Shapes (rows x vectors), expanded from one template: accumulate the tile over a run of k (from zero, or from
    // the partial sums in buf), then store alpha * acc with row stride ldt: raw (alpha = 1, exact) into the buffer
    // for the next k block or the epilogue, or, when there is no D, straight into C.

    private static void k6x4(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 0 * ldt + 2 * VL);
            c03 = FloatVector.fromArray(S, buf, t + 0 * ldt + 3 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 1 * ldt + 1 * VL);
            c12 = FloatVector.fromArray(S, buf, t + 1 * ldt + 2 * VL);
            c13 = FloatVector.fromArray(S, buf, t + 1 * ldt + 3 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 2 * ldt + 1 * VL);
            c22 = FloatVector.fromArray(S, buf, t + 2 * ldt + 2 * VL);
            c23 = FloatVector.fromArray(S, buf, t + 2 * ldt + 3 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 3 * ldt + 1 * VL);
            c32 = FloatVector.fromArray(S, buf, t + 3 * ldt + 2 * VL);
            c33 = FloatVector.fromArray(S, buf, t + 3 * ldt + 3 * VL);
            c40 = FloatVector.fromArray(S, buf, t + 4 * ldt + 0 * VL);
            c41 = FloatVector.fromArray(S, buf, t + 4 * ldt + 1 * VL);
            c42 = FloatVector.fromArray(S, buf, t + 4 * ldt + 2 * VL);
            c43 = FloatVector.fromArray(S, buf, t + 4 * ldt + 3 * VL);
            c50 = FloatVector.fromArray(S, buf, t + 5 * ldt + 0 * VL);
            c51 = FloatVector.fromArray(S, buf, t + 5 * ldt + 1 * VL);
            c52 = FloatVector.fromArray(S, buf, t + 5 * ldt + 2 * VL);
            c53 = FloatVector.fromArray(S, buf, t + 5 * ldt + 3 * VL);
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
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c02.mul(alpha).intoArray(buf, t + 0 * ldt + 2 * VL);
        c03.mul(alpha).intoArray(buf, t + 0 * ldt + 3 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c11.mul(alpha).intoArray(buf, t + 1 * ldt + 1 * VL);
        c12.mul(alpha).intoArray(buf, t + 1 * ldt + 2 * VL);
        c13.mul(alpha).intoArray(buf, t + 1 * ldt + 3 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c21.mul(alpha).intoArray(buf, t + 2 * ldt + 1 * VL);
        c22.mul(alpha).intoArray(buf, t + 2 * ldt + 2 * VL);
        c23.mul(alpha).intoArray(buf, t + 2 * ldt + 3 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
        c31.mul(alpha).intoArray(buf, t + 3 * ldt + 1 * VL);
        c32.mul(alpha).intoArray(buf, t + 3 * ldt + 2 * VL);
        c33.mul(alpha).intoArray(buf, t + 3 * ldt + 3 * VL);
        c40.mul(alpha).intoArray(buf, t + 4 * ldt + 0 * VL);
        c41.mul(alpha).intoArray(buf, t + 4 * ldt + 1 * VL);
        c42.mul(alpha).intoArray(buf, t + 4 * ldt + 2 * VL);
        c43.mul(alpha).intoArray(buf, t + 4 * ldt + 3 * VL);
        c50.mul(alpha).intoArray(buf, t + 5 * ldt + 0 * VL);
        c51.mul(alpha).intoArray(buf, t + 5 * ldt + 1 * VL);
        c52.mul(alpha).intoArray(buf, t + 5 * ldt + 2 * VL);
        c53.mul(alpha).intoArray(buf, t + 5 * ldt + 3 * VL);
    }

    private static void k4x4(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 0 * ldt + 2 * VL);
            c03 = FloatVector.fromArray(S, buf, t + 0 * ldt + 3 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 1 * ldt + 1 * VL);
            c12 = FloatVector.fromArray(S, buf, t + 1 * ldt + 2 * VL);
            c13 = FloatVector.fromArray(S, buf, t + 1 * ldt + 3 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 2 * ldt + 1 * VL);
            c22 = FloatVector.fromArray(S, buf, t + 2 * ldt + 2 * VL);
            c23 = FloatVector.fromArray(S, buf, t + 2 * ldt + 3 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 3 * ldt + 1 * VL);
            c32 = FloatVector.fromArray(S, buf, t + 3 * ldt + 2 * VL);
            c33 = FloatVector.fromArray(S, buf, t + 3 * ldt + 3 * VL);
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
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c02.mul(alpha).intoArray(buf, t + 0 * ldt + 2 * VL);
        c03.mul(alpha).intoArray(buf, t + 0 * ldt + 3 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c11.mul(alpha).intoArray(buf, t + 1 * ldt + 1 * VL);
        c12.mul(alpha).intoArray(buf, t + 1 * ldt + 2 * VL);
        c13.mul(alpha).intoArray(buf, t + 1 * ldt + 3 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c21.mul(alpha).intoArray(buf, t + 2 * ldt + 1 * VL);
        c22.mul(alpha).intoArray(buf, t + 2 * ldt + 2 * VL);
        c23.mul(alpha).intoArray(buf, t + 2 * ldt + 3 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
        c31.mul(alpha).intoArray(buf, t + 3 * ldt + 1 * VL);
        c32.mul(alpha).intoArray(buf, t + 3 * ldt + 2 * VL);
        c33.mul(alpha).intoArray(buf, t + 3 * ldt + 3 * VL);
    }

    private static void k1x4(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 0 * ldt + 2 * VL);
            c03 = FloatVector.fromArray(S, buf, t + 0 * ldt + 3 * VL);
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
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c02.mul(alpha).intoArray(buf, t + 0 * ldt + 2 * VL);
        c03.mul(alpha).intoArray(buf, t + 0 * ldt + 3 * VL);
    }

    private static void k6x3(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 0 * ldt + 2 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 1 * ldt + 1 * VL);
            c12 = FloatVector.fromArray(S, buf, t + 1 * ldt + 2 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 2 * ldt + 1 * VL);
            c22 = FloatVector.fromArray(S, buf, t + 2 * ldt + 2 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 3 * ldt + 1 * VL);
            c32 = FloatVector.fromArray(S, buf, t + 3 * ldt + 2 * VL);
            c40 = FloatVector.fromArray(S, buf, t + 4 * ldt + 0 * VL);
            c41 = FloatVector.fromArray(S, buf, t + 4 * ldt + 1 * VL);
            c42 = FloatVector.fromArray(S, buf, t + 4 * ldt + 2 * VL);
            c50 = FloatVector.fromArray(S, buf, t + 5 * ldt + 0 * VL);
            c51 = FloatVector.fromArray(S, buf, t + 5 * ldt + 1 * VL);
            c52 = FloatVector.fromArray(S, buf, t + 5 * ldt + 2 * VL);
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
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            c02 = x0.fma(b2, c02);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            c12 = x1.fma(b2, c12);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            c22 = x2.fma(b2, c22);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            c32 = x3.fma(b2, c32);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(b0, c40);
            c41 = x4.fma(b1, c41);
            c42 = x4.fma(b2, c42);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(b0, c50);
            c51 = x5.fma(b1, c51);
            c52 = x5.fma(b2, c52);
        }
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c02.mul(alpha).intoArray(buf, t + 0 * ldt + 2 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c11.mul(alpha).intoArray(buf, t + 1 * ldt + 1 * VL);
        c12.mul(alpha).intoArray(buf, t + 1 * ldt + 2 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c21.mul(alpha).intoArray(buf, t + 2 * ldt + 1 * VL);
        c22.mul(alpha).intoArray(buf, t + 2 * ldt + 2 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
        c31.mul(alpha).intoArray(buf, t + 3 * ldt + 1 * VL);
        c32.mul(alpha).intoArray(buf, t + 3 * ldt + 2 * VL);
        c40.mul(alpha).intoArray(buf, t + 4 * ldt + 0 * VL);
        c41.mul(alpha).intoArray(buf, t + 4 * ldt + 1 * VL);
        c42.mul(alpha).intoArray(buf, t + 4 * ldt + 2 * VL);
        c50.mul(alpha).intoArray(buf, t + 5 * ldt + 0 * VL);
        c51.mul(alpha).intoArray(buf, t + 5 * ldt + 1 * VL);
        c52.mul(alpha).intoArray(buf, t + 5 * ldt + 2 * VL);
    }

    private static void k4x3(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 0 * ldt + 2 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 1 * ldt + 1 * VL);
            c12 = FloatVector.fromArray(S, buf, t + 1 * ldt + 2 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 2 * ldt + 1 * VL);
            c22 = FloatVector.fromArray(S, buf, t + 2 * ldt + 2 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 3 * ldt + 1 * VL);
            c32 = FloatVector.fromArray(S, buf, t + 3 * ldt + 2 * VL);
        }
        int a0 = ai;
        int a1 = ai + 1 * lda;
        int a2 = ai + 2 * lda;
        int a3 = ai + 3 * lda;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            c02 = x0.fma(b2, c02);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(b0, c10);
            c11 = x1.fma(b1, c11);
            c12 = x1.fma(b2, c12);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(b0, c20);
            c21 = x2.fma(b1, c21);
            c22 = x2.fma(b2, c22);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(b0, c30);
            c31 = x3.fma(b1, c31);
            c32 = x3.fma(b2, c32);
        }
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c02.mul(alpha).intoArray(buf, t + 0 * ldt + 2 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c11.mul(alpha).intoArray(buf, t + 1 * ldt + 1 * VL);
        c12.mul(alpha).intoArray(buf, t + 1 * ldt + 2 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c21.mul(alpha).intoArray(buf, t + 2 * ldt + 1 * VL);
        c22.mul(alpha).intoArray(buf, t + 2 * ldt + 2 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
        c31.mul(alpha).intoArray(buf, t + 3 * ldt + 1 * VL);
        c32.mul(alpha).intoArray(buf, t + 3 * ldt + 2 * VL);
    }

    private static void k1x3(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c02 = FloatVector.fromArray(S, buf, t + 0 * ldt + 2 * VL);
        }
        int a0 = ai;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
            c02 = x0.fma(b2, c02);
        }
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c02.mul(alpha).intoArray(buf, t + 0 * ldt + 2 * VL);
    }

    private static void k6x2(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 1 * ldt + 1 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 2 * ldt + 1 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 3 * ldt + 1 * VL);
            c40 = FloatVector.fromArray(S, buf, t + 4 * ldt + 0 * VL);
            c41 = FloatVector.fromArray(S, buf, t + 4 * ldt + 1 * VL);
            c50 = FloatVector.fromArray(S, buf, t + 5 * ldt + 0 * VL);
            c51 = FloatVector.fromArray(S, buf, t + 5 * ldt + 1 * VL);
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
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c11.mul(alpha).intoArray(buf, t + 1 * ldt + 1 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c21.mul(alpha).intoArray(buf, t + 2 * ldt + 1 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
        c31.mul(alpha).intoArray(buf, t + 3 * ldt + 1 * VL);
        c40.mul(alpha).intoArray(buf, t + 4 * ldt + 0 * VL);
        c41.mul(alpha).intoArray(buf, t + 4 * ldt + 1 * VL);
        c50.mul(alpha).intoArray(buf, t + 5 * ldt + 0 * VL);
        c51.mul(alpha).intoArray(buf, t + 5 * ldt + 1 * VL);
    }

    private static void k4x2(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c11 = FloatVector.fromArray(S, buf, t + 1 * ldt + 1 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c21 = FloatVector.fromArray(S, buf, t + 2 * ldt + 1 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
            c31 = FloatVector.fromArray(S, buf, t + 3 * ldt + 1 * VL);
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
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c11.mul(alpha).intoArray(buf, t + 1 * ldt + 1 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c21.mul(alpha).intoArray(buf, t + 2 * ldt + 1 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
        c31.mul(alpha).intoArray(buf, t + 3 * ldt + 1 * VL);
    }

    private static void k1x2(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c01 = FloatVector.fromArray(S, buf, t + 0 * ldt + 1 * VL);
        }
        int a0 = ai;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + VL);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
            c01 = x0.fma(b1, c01);
        }
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c01.mul(alpha).intoArray(buf, t + 0 * ldt + 1 * VL);
    }

    private static void k6x1(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
            c40 = FloatVector.fromArray(S, buf, t + 4 * ldt + 0 * VL);
            c50 = FloatVector.fromArray(S, buf, t + 5 * ldt + 0 * VL);
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
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
        c40.mul(alpha).intoArray(buf, t + 4 * ldt + 0 * VL);
        c50.mul(alpha).intoArray(buf, t + 5 * ldt + 0 * VL);
    }

    private static void k4x1(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S), c10 = c00, c20 = c00, c30 = c00;
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
            c10 = FloatVector.fromArray(S, buf, t + 1 * ldt + 0 * VL);
            c20 = FloatVector.fromArray(S, buf, t + 2 * ldt + 0 * VL);
            c30 = FloatVector.fromArray(S, buf, t + 3 * ldt + 0 * VL);
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
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
        c10.mul(alpha).intoArray(buf, t + 1 * ldt + 0 * VL);
        c20.mul(alpha).intoArray(buf, t + 2 * ldt + 0 * VL);
        c30.mul(alpha).intoArray(buf, t + 3 * ldt + 0 * VL);
    }

    private static void k1x1(int k, float[] a, int ai, int lda, float[] b, int bj, int ldb, float[] buf, int t,
                             int ldt, float alpha, boolean load) {
        FloatVector c00 = FloatVector.zero(S);
        if (load) {
            c00 = FloatVector.fromArray(S, buf, t + 0 * ldt + 0 * VL);
        }
        int a0 = ai;
        for (int p = 0, bp = bj; p < k; p++, bp += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(b0, c00);
        }
        c00.mul(alpha).intoArray(buf, t + 0 * ldt + 0 * VL);
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
