package org.isqrt4j.cpu;

/**
 * The kernel set the algorithm ({@link Engine}, {@link CpuMatrixSqrtOp}) runs on: the O(d^3) part, one general
 * matrix product with a fused epilogue, plus the O(d^2) passes worth vectorising (the mirror of a triangle product,
 * the backward's symmetric combinations, transposes, inner products and sums in double, conversions, the
 * finiteness check and extremes). Two complete implementations give bit-identical results: {@link ScalarKernels},
 * plain Java and the reference arithmetic of every method, and {@code VectorKernels} (only present when
 * jdk.incubator.vector is resolved, so nothing outside {@link VectorSupport} names it). {@link ParallelKernels}
 * wraps either to spread one product over threads.
 *
 * <p>The interface has no default methods on purpose: an implementation that does not implement a method does not
 * compile, so no method can silently fall back to another implementation's code. Where {@code VectorKernels}
 * deliberately uses the scalar form it calls {@link ScalarKernels} explicitly, and {@code KernelsCompletenessTest}
 * checks that every method is declared by each implementation.
 *
 * <p>Arithmetic contract, shared by both so that they agree bit for bit: every entry is accumulated in float
 * as {@code acc = fma(a[i][p], b[p][j], acc)} for p = 0..k-1 in order, starting from 0; the epilogue is
 * {@code r = acc * alpha}, then {@code r = fma(d[i][j], beta, r)} when a D matrix is given. The O(d^2) methods
 * compute what {@link ScalarKernels}' forms compute, in the same order where order matters.
 *
 * <p>Implementations are stateless or thread-confined per call: safe for concurrent use.
 */
interface Kernels {

    /** @return a short name for messages and {@code name()} */
    String name();

    /**
     * C = alpha * A B + beta * D, all row-major with leading dimensions (row strides).
     *
     * @param m     rows of A and C
     * @param n     columns of B and C
     * @param k     columns of A, rows of B (k &gt;= 1)
     * @param alpha scale of the product
     * @param a     A, m x k  @param aOff offset  @param lda row stride
     * @param b     B, k x n  @param bOff offset  @param ldb row stride
     * @param beta  scale of D (ignored when {@code dm} is null)
     * @param dm    D, m x n, or null; may be the very region of C (each entry is read before it is written),
     *              but must not overlap C otherwise
     * @param dOff  offset  @param ldd row stride
     * @param c     C, m x n, must not overlap A or B  @param cOff offset  @param ldc row stride
     * @param upper when true (m == n required) only the entries with j &gt;= i are guaranteed; others may be
     *              left unwritten or hold anything. The caller mirrors (the product of commuting symmetric
     *              matrices is symmetric, so half of it is enough).
     */
    void gemm(int m, int n, int k, float alpha,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float beta, float[] dm, int dOff, int ldd,
              float[] c, int cOff, int ldc, boolean upper);

    /** Copies the strict upper triangle of the d x d matrix at off onto its lower one (exact copies). */
    void mirror(float[] c, int off, int d);

    /**
     * Upper triangle, diagonal included, of out = 1.5 g - 0.5 (p + p^T) for d x d matrices at offset 0, with the
     * arithmetic of {@link ScalarKernels#symCombineUpper} (implementations may write more of out).
     */
    void symCombineUpper(float[] g, float[] p, float[] out, int d);

    /**
     * Full out = (g + g^T) / 2 for the d x d g at gOff, out at offset 0: {@link ScalarKernels#symmetrize}'s
     * arithmetic.
     */
    void symmetrize(float[] g, int gOff, float[] out, int d);

    /** dst (cols x rows) = src^T, src rows x cols, both dense row-major (exact copies). */
    void transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff);

    /** Sum of a[i] b[i] in double, in {@link ScalarKernels#dot}'s order (so the same bits). */
    double dot(float[] a, int aOff, float[] b, int bOff, int len);

    /** @return whether every value is finite (the answer does not depend on order) */
    boolean allFinite(float[] a, int off, int len);

    /** Sum of a[i] in double, in {@link ScalarKernels#sum}'s order (so the same bits). */
    double sum(float[] a, int off, int len);

    /** @return max a[i], len &gt;= 1 (exact in any order) */
    float max(float[] a, int off, int len);

    /** @return min a[i], len &gt;= 1 (exact in any order) */
    float min(float[] a, int off, int len);

    /** xs[o + p] = (x[off + p] - mu) * scale in double, rounded once to float. */
    void centreScale(float[] x, int off, double mu, double scale, float[] xs, int o, int n);

    /** dst[dOff + i] = (float) (src[sOff + i] * f), the product in double. */
    void mulInto(float[] src, int sOff, double f, float[] dst, int dOff, int len);

    /** @return max |a[i]| (exact in any order) */
    float maxAbs(float[] a, int off, int len);
}
