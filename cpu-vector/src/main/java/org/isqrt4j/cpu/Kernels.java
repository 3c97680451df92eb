package org.isqrt4j.cpu;

/**
 * The O(d^3) part of the back-end, one general matrix product with a fused epilogue, plus the two O(d^2) passes
 * that are worth vectorising (the mirror of a triangle product and the backward's symmetric combination;
 * their defaults are the scalar forms in {@link Engine}). Two implementations give
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
}
