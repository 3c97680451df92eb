package org.isqrt4j.properties;

/**
 * Error bounds of the contract, as relative Frobenius errors ||a - b||_F / ||b||_F per sample against float64
 * ground truth computed from the very float32 inputs the op saw (so input rounding is not an error source).
 *
 * <h2>How they were set</h2>
 * Every comparison was logged ({@code -Disqrt4j.calibrate=true -Disqrt4j.errlog=FILE}) for the cpu-scalar and
 * cpu-vector kernels over 3 x 300 examples per property (seeds 1..3) and for the reference over 100; the growth
 * laws below are the ones under which the measured maximum of error / law is flat across d, K and spectra, and
 * each constant is about 3x that maximum. The measured maxima are quoted beside each constant. Bounds were never
 * widened to make a failure pass; the report in target/contract-reports shows the current headroom.
 *
 * <h2>Growth laws (float32 kernels)</h2>
 * <ul>
 *   <li>Length of the dot products: L(m) = 2 + log2(m). The worst case is m u, the random-walk estimate
 *       sqrt(m) u; the measured relative errors of the CPU kernels (FMA accumulation) grow like log m over
 *       d = 1..160, n = 1..480.</li>
 *   <li>Iterations, forward: K + 1.5^K. Each iteration adds its rounding (K), and p_K'(0) = 1.5^K amplifies
 *       rounding on the (near-)null directions of rank-deficient or ill-conditioned Sigma (spread spectra and
 *       rank-deficient input reach it; well-conditioned input stays near K).</li>
 *   <li>Iterations, backward: K + 2^K. The adjoint steps multiply the gradient by factors up to 1.5 and are
 *       evaluated at forward states that already carry the 1.5^K-amplified error; the envelope measured for
 *       K &lt;= 8 is 2^K (1.5^K left a 7x spread between K = 1 and K = 8).</li>
 *   <li>Converged iteration (K &gt;= 20): 1 + sqrt(d), independent of K: at the fixed point rounding is neither
 *       amplified nor damped and the last products' noise grows like a random walk in d.</li>
 * </ul>
 * A back-end computing in float64 (the reference) is separated from the truth only by rounding its outputs to
 * float32: at most U per element, so U in relative Frobenius norm; the bound allows 2U.
 */
final class Tolerances {
    /** Unit roundoff of float32: 2^-24. */
    static final double U = 0x1p-24;

    /** What arithmetic the back-end does between its float32 inputs and outputs. */
    enum Arithmetic {
        /** float64 inside (the EJML reference): only the final rounding to float32 separates it from the truth. */
        FLOAT64,
        /** float32 kernels: error grows with the dot-product length, K and the input's conditioning. */
        FLOAT32
    }

    /** Output rounding of a float64-internal back-end: U per element, with a factor 2 to spare. */
    private static final double OUTPUT_ROUNDING = 2 * U;

    // Constants of the float32 laws; "measured" is the largest error / (U * law) seen in calibration.
    /** Covariance: measured 0.67 (d, n &lt; 4). */
    private static final double C_COV = 2;
    /** Covariance backward: measured 0.38 (its centred-X error grows with the mean offset, unlike the forward's). */
    private static final double C_COV_BWD = 1.25;
    /** Square-root and layer forward: measured 0.41 (sqrt) and 0.46 (layer). */
    private static final double C_FWD = 1.5;
    /** Converged square root: measured 1.46 (d 100..160). */
    private static final double C_CONVERGED = 5;
    /** Square-root and layer backward: measured 0.31 (sqrt) and 0.41 (layer). */
    private static final double C_BWD = 1.25;
    /** Rounding a transformed input to float32: measured 0.40 on the float64 reference, where nothing else errs. */
    private static final double C_INPUT = 2;

    private final Arithmetic arithmetic;
    private final double scale;

    private Tolerances(Arithmetic arithmetic, double scale) {
        this.arithmetic = arithmetic;
        this.scale = scale;
    }

    /** @return the bounds of a back-end that computes in float64 and rounds its outputs */
    static Tolerances float64Internal() {
        return new Tolerances(Arithmetic.FLOAT64, 1);
    }

    /**
     * @param scale factor on every float32 bound: 1 for the CPU kernels the laws were measured on; a back-end
     *              with a documented reason to differ (e.g. another summation order) says so where it passes it
     * @return the bounds of a float32 back-end
     */
    static Tolerances float32(double scale) {
        return new Tolerances(Arithmetic.FLOAT32, scale);
    }

    /** @return the arithmetic these bounds are for */
    Arithmetic arithmetic() {
        return arithmetic;
    }

    private boolean f64() {
        return arithmetic == Arithmetic.FLOAT64;
    }

    /** @return L(m) = 2 + log2(m), the dot-product-length growth law */
    static double lengthLaw(double m) {
        return 2 + Math.log(Math.max(m, 1)) / Math.log(2);
    }

    /** @return K + 1.5^K, the forward iteration law */
    static double forwardLaw(int k) {
        return k + Math.pow(1.5, k);
    }

    /** @return K + 2^K, the backward iteration law */
    static double backwardLaw(int k) {
        return k + Math.pow(2, k);
    }

    /** Sigma = (1/n) Xc Xc^T: d*d dot products of length n after centring. */
    double covariance(int d, int n) {
        return f64() ? OUTPUT_ROUNDING : scale * C_COV * U * lengthLaw((double) d * n);
    }

    /**
     * dL/dX = (G + G^T) Xc / n. Unlike the forward (where a rounded mean enters only to second order, delta
     * delta^T), the rounding of Xc = X - mean enters linearly, relative to |mean| / RMS: hence the (1 + offset).
     */
    double covarianceBackward(int d, int n, int offset) {
        return f64() ? OUTPUT_ROUNDING : scale * C_COV_BWD * U * lengthLaw((double) d * n) * (1 + offset);
    }

    /** The normalised square root after K iterations. */
    double sqrtForward(int d, int k) {
        return f64() ? OUTPUT_ROUNDING : scale * C_FWD * U * lengthLaw(d) * forwardLaw(k);
    }

    /**
     * The square root for K &gt;= 20 on well-conditioned input, against the true square root; the caller adds the
     * iteration's own truncation error, computed in float64.
     */
    double sqrtConverged(int d) {
        return f64() ? OUTPUT_ROUNDING : scale * C_CONVERGED * U * (1 + Math.sqrt(d));
    }

    /** dL/dSigma of the square root. */
    double sqrtBackward(int d, int k) {
        return f64() ? OUTPUT_ROUNDING : scale * C_BWD * U * lengthLaw(d) * backwardLaw(k);
    }

    /** The whole layer forward: the square root's bound plus the covariance's (whose error it inherits). */
    double layerForward(int d, int n, int k) {
        return f64() ? OUTPUT_ROUNDING : sqrtForward(d, k) + covariance(d, n);
    }

    /** The whole layer backward: the square root's backward plus the covariance backward's. */
    double layerBackward(int d, int n, int k, int offset) {
        return f64() ? OUTPUT_ROUNDING : sqrtBackward(d, k) + covarianceBackward(d, n, offset);
    }

    /**
     * Change of the exact C when a transformed input (c X, X + m 1^T, Q X, or Sigma between two stages) is
     * rounded to float32 again: each entry moves by U relative to the input's magnitude, which is (1 + offset)
     * times the centred data's; Sigma moves by twice that relative, and C by up to (1 + 1.5^K) times Sigma's
     * relative change (the sqrt(tau) factor plus p_K' &lt;= 1.5^K). Independent of the arithmetic.
     */
    double inputRounding(int k, int offset) {
        return C_INPUT * U * (1 + offset) * (1 + Math.pow(1.5, k));
    }

    /**
     * The same for a gradient: its sensitivity to a relative change of Sigma follows the backward law (the
     * second derivative of p_K near 0 outgrows p_K'(0) = 1.5^K), measured 0.18 of U (1 + offset) (1 + 2^K) on
     * the float64 reference (rank-deficient d = 2, K = 8).
     */
    double gradientInputRounding(int k, int offset) {
        return C_INPUT * U * (1 + offset) * (1 + Math.pow(2, k));
    }

    // ------------------------------------------------------------------------------------------ inverse root

    /*
     * The inverse root C = Z_K / sqrt(nu) (root options and whitening). Calibrated as above on cpu-vector, 2 x 200
     * examples per property (seeds 1, 2; -Disqrt4j.errlog), the largest error / (U * law) per K and spectrum: the
     * forward follows the square root's law K + 1.5^K (0.32 at K = 1, 0.96 at K = 8, rank-deficient), the backward
     * the square root's K + 2^K (0.27 at K = 1, 0.46 at K = 6, spread). A first guess of K + 2.25^K forward and
     * K + 1.5^(3K) backward (rounding moving a near-null eigenvalue by U, times z_K'(0) / z_K(0), which does grow like
     * 1.5^(2K)) was 20x (forward) and 180x (backward) above every measurement at K = 8: the rounding of the iterates
     * does not reach that worst case, so the laws below are the measured ones, each constant about 3x the maximum.
     */
    /** Inverse-root forward: measured 0.96 (K = 8, rank-deficient). */
    private static final double C_INV_FWD = 3;
    /** Inverse-root backward: measured 0.46 (K = 6, spread). */
    private static final double C_INV_BWD = 1.5;

    /** The inverse root Z_K / sqrt(nu) after K iterations. */
    double invSqrtForward(int d, int k) {
        return f64() ? OUTPUT_ROUNDING : scale * C_INV_FWD * U * lengthLaw(d) * forwardLaw(k);
    }

    /** dL/dSigma of the inverse root. */
    double invSqrtBackward(int d, int k) {
        return f64() ? OUTPUT_ROUNDING : scale * C_INV_BWD * U * lengthLaw(d) * backwardLaw(k);
    }
}
