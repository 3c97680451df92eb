package org.isqrt4j.cpu;

/**
 * The complete plain-Java kernel set, for JVMs without jdk.incubator.vector, and the reference arithmetic of every
 * {@link Kernels} method: {@code VectorKernels} computes exactly what these forms compute (in the same order
 * where order matters) and calls them explicitly where it deliberately stays scalar.
 *
 * <p>GEMM blocking scheme: C is cut into column blocks of {@value #JB} and each into blocks of 4 rows; a
 * 4 x 64 tile is accumulated in a per-thread buffer over the whole k loop in i-p-j order
 * (C[i][j] += A[i][p] B[p][j]), so every element of B row p read from cache feeds four fused multiply-adds
 * and the accumulation order is that of {@link Kernels}' contract (bit-identical to the vector kernels).
 * Leftover rows run one at a time. Because the tile lives in the buffer until its epilogue, D may alias C.
 * The O(d^2) passes that read a transposed operand are tiled in {@value #TB} x {@value #TB} blocks.
 * Thread-safe.
 */
final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    /** Columns per block: 4 x 64 accumulators (1 KiB) stay in L1 next to the B rows. */
    private static final int JB = 64;

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[4 * JB]);

    /** Tile edge of the cache-blocked transposes and mirrors. */
    private static final int TB = 32;

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

    // ------------------------------------------------------------------ O(d^2) passes

    /** Copies the strict upper triangle onto the lower one, making the matrix exactly symmetric. */
    @Override
    public void mirror(float[] c, int off, int d) {
        for (int ib = 0; ib < d; ib += TB) {
            int ie = Math.min(ib + TB, d);
            for (int jb = 0; jb <= ib; jb += TB) {
                for (int i = ib; i < ie; i++) {
                    int je = Math.min(jb + TB, i);
                    for (int j = jb; j < je; j++) {
                        c[off + i * d + j] = c[off + j * d + i];
                    }
                }
            }
        }
    }

    /** dst (cols x rows) = src^T, src rows x cols, both dense row-major. */
    @Override
    public void transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff) {
        for (int ib = 0; ib < rows; ib += TB) {
            int ie = Math.min(ib + TB, rows);
            for (int jb = 0; jb < cols; jb += TB) {
                int je = Math.min(jb + TB, cols);
                for (int i = ib; i < ie; i++) {
                    for (int j = jb; j < je; j++) {
                        dst[dOff + j * rows + i] = src[sOff + i * cols + j];
                    }
                }
            }
        }
    }

    /**
     * Upper triangle (diagonal included) of out = 1.5 g - 0.5 (p + p^T): the symmetric "M + M^T" of a
     * backward step from one product. Only g's upper triangle is read; out's strict lower triangle is left as
     * it was (the caller either adds a triangle product on top and mirrors, or only reads the upper part).
     * Tiled like {@link #mirror}, so the transposed reads of p stay in L1.
     */
    @Override
    public void symCombineUpper(float[] g, float[] p, float[] out, int d) {
        for (int ib = 0; ib < d; ib += TB) {
            int ie = Math.min(ib + TB, d);
            for (int jb = ib; jb < d; jb += TB) {
                int je = Math.min(jb + TB, d);
                for (int i = ib; i < ie; i++) {
                    int r = i * d;
                    for (int j = Math.max(jb, i); j < je; j++) {
                        out[r + j] = 1.5f * g[r + j] - 0.5f * (p[r + j] + p[j * d + i]);
                    }
                }
            }
        }
    }

    /** Full out = (g + g^T) / 2 for g at gOff, from one tiled pass over the upper triangle. */
    @Override
    public void symmetrize(float[] g, int gOff, float[] out, int d) {
        for (int ib = 0; ib < d; ib += TB) {
            int ie = Math.min(ib + TB, d);
            for (int jb = ib; jb < d; jb += TB) {
                int je = Math.min(jb + TB, d);
                for (int i = ib; i < ie; i++) {
                    for (int j = Math.max(jb, i); j < je; j++) {
                        float v = 0.5f * (g[gOff + i * d + j] + g[gOff + j * d + i]);
                        out[i * d + j] = v;
                        out[j * d + i] = v;
                    }
                }
            }
        }
    }

    /** Partial sums of {@link #dot}: one per lane of two 8-lane double vectors. */
    static final int DOT_LANES = 16;

    /**
     * Sum of a[i] b[i] in double (each product exact). The order is fixed so that the vector kernels can
     * reproduce it: partial sum l takes the i = l mod 16 below the last multiple of 16, u_l = s_l + s_{l+8},
     * then ((u0 + u1) + (u2 + u3)) + ((u4 + u5) + (u6 + u7)), then the leftover products one by one.
     */
    @Override
    public double dot(float[] a, int aOff, float[] b, int bOff, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int n16 = len - len % DOT_LANES;
        for (int i = 0; i < n16; i += DOT_LANES) {
            int x = aOff + i;
            int y = bOff + i;
            s0 += (double) a[x] * b[y];
            s1 += (double) a[x + 1] * b[y + 1];
            s2 += (double) a[x + 2] * b[y + 2];
            s3 += (double) a[x + 3] * b[y + 3];
            s4 += (double) a[x + 4] * b[y + 4];
            s5 += (double) a[x + 5] * b[y + 5];
            s6 += (double) a[x + 6] * b[y + 6];
            s7 += (double) a[x + 7] * b[y + 7];
            s8 += (double) a[x + 8] * b[y + 8];
            s9 += (double) a[x + 9] * b[y + 9];
            s10 += (double) a[x + 10] * b[y + 10];
            s11 += (double) a[x + 11] * b[y + 11];
            s12 += (double) a[x + 12] * b[y + 12];
            s13 += (double) a[x + 13] * b[y + 13];
            s14 += (double) a[x + 14] * b[y + 14];
            s15 += (double) a[x + 15] * b[y + 15];
        }
        double r = dotFinish(s0 + s8, s1 + s9, s2 + s10, s3 + s11, s4 + s12, s5 + s13, s6 + s14, s7 + s15);
        return dotTail(r, a, aOff, b, bOff, n16, len);
    }

    static double dotFinish(double u0, double u1, double u2, double u3, double u4, double u5, double u6, double u7) {
        return ((u0 + u1) + (u2 + u3)) + ((u4 + u5) + (u6 + u7));
    }

    static double dotTail(double r, float[] a, int aOff, float[] b, int bOff, int from, int len) {
        for (int i = from; i < len; i++) {
            r += (double) a[aOff + i] * b[bOff + i];
        }
        return r;
    }

    /** Sum of a[i] in double, in {@link #dot}'s order. */
    @Override
    public double sum(float[] a, int off, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        double s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
        int n16 = len - len % DOT_LANES;
        for (int i = 0; i < n16; i += DOT_LANES) {
            int x = off + i;
            s0 += a[x];
            s1 += a[x + 1];
            s2 += a[x + 2];
            s3 += a[x + 3];
            s4 += a[x + 4];
            s5 += a[x + 5];
            s6 += a[x + 6];
            s7 += a[x + 7];
            s8 += a[x + 8];
            s9 += a[x + 9];
            s10 += a[x + 10];
            s11 += a[x + 11];
            s12 += a[x + 12];
            s13 += a[x + 13];
            s14 += a[x + 14];
            s15 += a[x + 15];
        }
        double r = dotFinish(s0 + s8, s1 + s9, s2 + s10, s3 + s11, s4 + s12, s5 + s13, s6 + s14, s7 + s15);
        return sumTail(r, a, off, n16, len);
    }

    static double sumTail(double r, float[] a, int off, int from, int len) {
        for (int i = from; i < len; i++) {
            r += a[off + i];
        }
        return r;
    }

    /** @return max a[i], len &gt;= 1 (exact, so any order gives it) */
    @Override
    public float max(float[] a, int off, int len) {
        float m = a[off];
        for (int i = 1; i < len; i++) {
            m = Math.max(m, a[off + i]);
        }
        return m;
    }

    /** @return min a[i], len &gt;= 1 (exact, so any order gives it) */
    @Override
    public float min(float[] a, int off, int len) {
        float m = a[off];
        for (int i = 1; i < len; i++) {
            m = Math.min(m, a[off + i]);
        }
        return m;
    }

    /** xs[o + p] = (float) ((x[off + p] - mu) * scale) for p &lt; n: the difference and product in double. */
    @Override
    public void centreScale(float[] x, int off, double mu, double scale, float[] xs, int o, int n) {
        for (int p = 0; p < n; p++) {
            xs[o + p] = (float) ((x[off + p] - mu) * scale);
        }
    }

    /** dst[dOff + i] = (float) (src[sOff + i] * f) for i &lt; len, the product in double. */
    @Override
    public void mulInto(float[] src, int sOff, double f, float[] dst, int dOff, int len) {
        for (int i = 0; i < len; i++) {
            dst[dOff + i] = (float) (src[sOff + i] * f);
        }
    }

    /** @return max |a[i]| (exact, so any order gives it) */
    @Override
    public float maxAbs(float[] a, int off, int len) {
        float m = 0f;
        for (int i = 0; i < len; i++) {
            m = Math.max(m, Math.abs(a[off + i]));
        }
        return m;
    }

    /**
     * @return whether every value is finite: x * 0 is a signed zero exactly for finite x, NaN otherwise, and a
     *         sum of zeros stays zero. Four partial sums, so that the adds do not wait on one another.
     */
    @Override
    public boolean allFinite(float[] a, int off, int len) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            s0 += a[off + i] * 0f;
            s1 += a[off + i + 1] * 0f;
            s2 += a[off + i + 2] * 0f;
            s3 += a[off + i + 3] * 0f;
        }
        for (; i < len; i++) {
            s0 += a[off + i] * 0f;
        }
        return (s0 + s1) + (s2 + s3) == 0f;
    }
}
