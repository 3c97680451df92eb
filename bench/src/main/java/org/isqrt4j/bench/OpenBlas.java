package org.isqrt4j.bench;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Thin access to OpenBLAS through org.bytedeco:openblas: availability, the global thread count and a row-major
 * square sgemm on native buffers. OpenBLAS's thread count is process-wide state, so every benchmark that uses it
 * sets it in its own setup.
 */
final class OpenBlas {
    private OpenBlas() {
    }

    /** @return null if the native library loads here, else why not */
    static String unavailableReason() {
        try {
            openblas.blas_get_num_threads();
            return null;
        } catch (Throwable t) {
            return "OpenBLAS native library did not load: " + t;
        }
    }

    /** @return the library's version string, e.g. "OpenBLAS 0.3.31" */
    static String version() {
        return openblas.OPENBLAS_VERSION.trim();
    }

    /** @param threads OpenBLAS threads for every later call in this process */
    static void setThreads(int threads) {
        openblas.blas_set_num_threads(threads);
    }

    /**
     * C = alpha op(A) op(B) + beta C, row-major, m x n result, inner dimension k.
     *
     * @param ta    whether A is used transposed
     * @param tb    whether B is used transposed
     * @param m     rows of C  @param n columns of C  @param k inner dimension
     * @param alpha scale of the product
     * @param a     A  @param lda its row stride
     * @param b     B  @param ldb its row stride
     * @param beta  scale of the old C
     * @param c     C  @param ldc its row stride
     */
    static void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, FloatPointer a, int lda,
                      FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
        openblas.cblas_sgemm(openblas.CblasRowMajor, ta ? openblas.CblasTrans : openblas.CblasNoTrans,
                tb ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** Square d x d: C = alpha A B + beta C. */
    static void mul(int d, float alpha, FloatPointer a, FloatPointer b, float beta, FloatPointer c) {
        sgemm(false, false, d, d, d, alpha, a, d, b, d, beta, c, d);
    }
}
