package org.isqrt4j.cpu;

/**
 * Plain-Java kernels for JVMs without jdk.incubator.vector.
 *
 * <p>GEMM blocking scheme: C is cut into column blocks of {@value #JB} and each into blocks of 4 rows; a
 * 4 x 64 tile is accumulated in a per-thread buffer over the whole k loop in i-p-j order
 * (C[i][j] += A[i][p] B[p][j]), so every element of B row p read from cache feeds four fused multiply-adds
 * and the accumulation order is that of {@link Kernels}' contract (bit-identical to the vector kernels).
 * Leftover rows run one at a time. Because the tile lives in the buffer until its epilogue, D may alias C.
 * Thread-safe.
 */
final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    /** Columns per block: 4 x 64 accumulators (1 KiB) stay in L1 next to the B rows. */
    private static final int JB = 64;

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[4 * JB]);

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "cpu-scalar";
    }

    @Override
    public void gemm(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] dm, int dOff, int ldd, float[] c, int cOff, int ldc, boolean upper) {
        assert !upper || m == n : "upper needs a square C";
        float[] acc = TILE.get();
        for (int j0 = 0; j0 < n; j0 += JB) {
            int w = Math.min(JB, n - j0);
            int iEnd = upper ? Math.min(m, j0 + w) : m;
            int i = 0;
            for (; i + 4 <= iEnd; i += 4) {
                java.util.Arrays.fill(acc, 0f);
                int a0 = aOff + i * lda;
                int a1 = a0 + lda;
                int a2 = a1 + lda;
                int a3 = a2 + lda;
                for (int p = 0; p < k; p++) {
                    float x0 = a[a0 + p];
                    float x1 = a[a1 + p];
                    float x2 = a[a2 + p];
                    float x3 = a[a3 + p];
                    int bp = bOff + p * ldb + j0;
                    for (int j = 0; j < w; j++) {
                        float bv = b[bp + j];
                        acc[j] = Math.fma(x0, bv, acc[j]);
                        acc[JB + j] = Math.fma(x1, bv, acc[JB + j]);
                        acc[2 * JB + j] = Math.fma(x2, bv, acc[2 * JB + j]);
                        acc[3 * JB + j] = Math.fma(x3, bv, acc[3 * JB + j]);
                    }
                }
                store(4, w, acc, alpha, beta, dm, dOff + i * ldd + j0, ldd, c, cOff + i * ldc + j0, ldc);
            }
            for (; i < iEnd; i++) {
                java.util.Arrays.fill(acc, 0, JB, 0f);
                int a0 = aOff + i * lda;
                for (int p = 0; p < k; p++) {
                    float x0 = a[a0 + p];
                    int bp = bOff + p * ldb + j0;
                    for (int j = 0; j < w; j++) {
                        acc[j] = Math.fma(x0, b[bp + j], acc[j]);
                    }
                }
                store(1, w, acc, alpha, beta, dm, dOff + i * ldd + j0, ldd, c, cOff + i * ldc + j0, ldc);
            }
        }
    }

    private static void store(int rows, int w, float[] acc, float alpha, float beta, float[] dm, int di, int ldd,
                              float[] c, int ci, int ldc) {
        for (int r = 0; r < rows; r++) {
            int t = r * JB;
            int co = ci + r * ldc;
            if (dm == null) {
                for (int j = 0; j < w; j++) {
                    c[co + j] = acc[t + j] * alpha;
                }
            } else {
                int dr = di + r * ldd;
                for (int j = 0; j < w; j++) {
                    c[co + j] = Math.fma(dm[dr + j], beta, acc[t + j] * alpha);
                }
            }
        }
    }
}
