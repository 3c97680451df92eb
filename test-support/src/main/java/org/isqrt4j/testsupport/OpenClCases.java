package org.isqrt4j.testsupport;

import java.util.List;
import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;

/**
 * The correctness cases the OpenCL back-end is held to, in one place for gpu-opencl's OpenClCorrectnessTest and the
 * device check's subset (gpu-opencl/device-check, which runs them without JUnit on every OpenCL device): shapes that
 * are no multiple of any tile, n below d (rank-deficient Sigma), K from 1 to 6, the square root alone, the inputs and
 * the bounds.
 *
 * <p>Tolerances (relative Frobenius error per sample, float32 kernels vs float64): the dominant term is the float32
 * accumulation in the products, about sqrt(len) * 6e-8 relative per product (len = n for the covariance, d for the
 * iterations, so ~5e-7 at d = 72), adding up like a random walk over the 3K - 3 forward and 6K - 6 backward
 * products: ~2e-6 forward and ~4e-6 backward at d = 72, K = 6 (observed on PoCL: at most 5e-7 and 8e-7). The bounds
 * 2e-5 forward and 5e-5 backward leave a 10x margin over that estimate; a wrong index, transpose or formula term
 * shows up as 1e-2 or more. The covariance alone is one product of length n &lt;= 64: 5e-6.
 */
public final class OpenClCases {
    /** Relative error bound of a forward result. */
    public static final double FORWARD_TOL = 2e-5;
    /** Relative error bound of a backward result. */
    public static final double BACKWARD_TOL = 5e-5;
    /** Relative error bound of the covariance and its backward. */
    public static final double COVARIANCE_TOL = 5e-6;

    /** A shape of the whole layer. @param batch B @param d channels @param n positions @param k iterations K */
    public record Layer(int batch, int d, int n, int k) {
    }

    /**
     * A shape of the square root alone.
     *
     * @param batch  B
     * @param d      size
     * @param k      iterations K
     * @param layout output layout
     */
    public record Sqrt(int batch, int d, int k, OutputLayout layout) {
    }

    /** The layer shapes, each run in both layouts. */
    public static final List<Layer> LAYER = List.of(new Layer(2, 1, 5, 3), new Layer(3, 5, 7, 2),
            new Layer(2, 8, 16, 5), new Layer(2, 13, 33, 1), new Layer(2, 20, 9, 4), new Layer(2, 31, 64, 5),
            new Layer(1, 72, 50, 6));

    /** The square-root shapes, each run with a symmetric and a non-symmetric Sigma. */
    public static final List<Sqrt> SQRT = List.of(new Sqrt(3, 6, 5, OutputLayout.FULL),
            new Sqrt(2, 17, 3, OutputLayout.TRIU), new Sqrt(1, 40, 1, OutputLayout.FULL));

    private OpenClCases() {
    }

    /**
     * X with channel-dependent means and scales, so centring and the trace matter.
     *
     * @param rnd   the source
     * @param batch B
     * @param d     channels
     * @param n     positions
     * @return B x d x n floats
     */
    public static float[] input(SplittableRandom rnd, int batch, int d, int n) {
        float[] x = RandomData.gaussianFloats(rnd, batch * d * n);
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < d; c++) {
                double scale = 0.2 + 2.0 * rnd.nextDouble();
                double mean = 3.0 * (rnd.nextDouble() - 0.5);
                for (int p = 0; p < n; p++) {
                    int i = (b * d + c) * n + p;
                    x[i] = (float) (mean + scale * x[i]);
                }
            }
        }
        return x;
    }
}
