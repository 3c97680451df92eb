package org.isqrt4j.bench;

/**
 * The one flop count that every back-end is measured against: the straightforward scheme of the iSQRT-COV layer
 * (docs/maths.md (M1)-(M5)). Covariance as a product, 2 d^2 n forward and 2 d^2 n backward; 2 d^3 per d x d matrix
 * product; 3K-3 products forward and 10K-12 backward (for K = 1: one forward product and two backward).
 * Back-ends that skip work (symmetric halves, fused steps) or do other work (an eigendecomposition) are still
 * credited with this count, so their "effective GFLOP/s" compare like samples/s.
 */
public final class Flops {
    private Flops() {
    }

    /**
     * @param k iterations K &gt;= 1
     * @return matrix products of the forward square root
     */
    public static int forwardProducts(int k) {
        return k == 1 ? 1 : 3 * k - 3;
    }

    /**
     * @param k iterations K &gt;= 1
     * @return matrix products of the backward square root
     */
    public static int backwardProducts(int k) {
        return k == 1 ? 2 : 10 * k - 12;
    }

    /**
     * @param d        channels
     * @param n        positions
     * @param k        iterations
     * @param backward whether the backward (C back to X) is included
     * @return floating-point operations of one sample
     */
    public static double perSample(int d, int n, int k, boolean backward) {
        double cube = 2.0 * d * d * d;
        double cov = 2.0 * d * d * n;
        double f = cov + forwardProducts(k) * cube;
        if (backward) {
            f += cov + backwardProducts(k) * cube;
        }
        return f;
    }

    /**
     * @param d square GEMM size
     * @return floating-point operations of one d x d x d product
     */
    public static double gemm(int d) {
        return 2.0 * d * d * d;
    }
}
