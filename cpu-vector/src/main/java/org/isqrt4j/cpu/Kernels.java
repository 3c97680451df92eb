package org.isqrt4j.cpu;

/**
 * The O(d^3) part of the back-end, one general matrix product with a fused epilogue, plus the O(d^2) passes
 * that are worth vectorising (the mirror of a triangle product, the backward's symmetric combinations, inner
 * products in double, the finiteness check and max |value|; their defaults are the scalar forms in
 * {@link Engine}). Two implementations give
 * bit-identical results: {@link ScalarKernels} and {@code VectorKernels} (the latter only exists when
 * jdk.incubator.vector is resolved, so nothing outside {@link VectorSupport} names it).
 *
 * <p>Arithmetic contract, shared by both so that they agree bit for bit: every entry is accumulated in float
 * as {@code acc = fma(a[i][p], b[p][j], acc)} for p = 0..k-1 in order, starting from 0; the epilogue is
 * {@code r = acc * alpha}, then {@code r = fma(d[i][j], beta, r)} when a D matrix is given.
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
    default void mirror(float[] c, int off, int d) {
        Engine.mirrorUpper(c, off, d);
    }

    /**
     * Upper triangle, diagonal included, of out = 1.5 g - 0.5 (p + p^T) for d x d matrices at offset 0, with the
     * arithmetic of {@code Engine.symCombineUpper} (implementations may write more of out).
     */
    default void symCombineUpper(float[] g, float[] p, float[] out, int d) {
        Engine.symCombineUpper(g, p, out, d);
    }

    /** Full out = (g + g^T) / 2 for the d x d g at gOff, out at offset 0: {@code Engine.symmetrize}'s arithmetic. */
    default void symmetrize(float[] g, int gOff, float[] out, int d) {
        Engine.symmetrize(g, gOff, out, d);
    }

    /** dst (cols x rows) = src^T, src rows x cols, both dense row-major (exact copies). */
    default void transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff) {
        Engine.transpose(src, sOff, rows, cols, dst, dOff);
    }

    /** Sum of a[i] b[i] in double, in {@code Engine.dot}'s order (so the same bits). */
    default double dot(float[] a, int aOff, float[] b, int bOff, int len) {
        return Engine.dot(a, aOff, b, bOff, len);
    }

    /** @return whether every value is finite ({@code Engine.allFinite}; the answer does not depend on order) */
    default boolean allFinite(float[] a, int off, int len) {
        return Engine.allFinite(a, off, len);
    }

    /** Sum of a[i] in double, in {@code Engine.sum}'s order (so the same bits). */
    default double sum(float[] a, int off, int len) {
        return Engine.sum(a, off, len);
    }

    /** @return max a[i], len &gt;= 1 (exact in any order) */
    default float max(float[] a, int off, int len) {
        return Engine.max(a, off, len);
    }

    /** @return min a[i], len &gt;= 1 (exact in any order) */
    default float min(float[] a, int off, int len) {
        return Engine.min(a, off, len);
    }

    /** {@code Engine.centreScale}: (x - mu) * scale in double, rounded once to float. */
    default void centreScale(float[] x, int off, double mu, double scale, float[] xs, int o, int n) {
        Engine.centreScale(x, off, mu, scale, xs, o, n);
    }

    /** {@code Engine.mulInto}: (float) (src * f), the product in double. */
    default void mulInto(float[] src, int sOff, double f, float[] dst, int dOff, int len) {
        Engine.mulInto(src, sOff, f, dst, dOff, len);
    }

    /** @return max |a[i]| ({@code Engine.maxAbs}; exact in any order) */
    default float maxAbs(float[] a, int off, int len) {
        return Engine.maxAbs(a, off, len);
    }
}
