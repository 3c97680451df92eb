package org.isqrt4j.opencl;

/**
 * The range policy of the OpenCL back-end, on the host only (no device): inputs whose largest magnitude lies far
 * from 1 are uploaded scaled by a power of two, and results are scaled back exactly.
 *
 * <p>The kernels compute in float32, where the covariance of features around 1e20 overflows and that of features
 * around 1e-20 underflows. A sample whose largest |x| lies outside [2^-20, 2^20] ({@link #X_SAFE_EXP}; 2^-40..2^40
 * for Sigma, {@link #SIGMA_SAFE_EXP}) is uploaded times 2^e (X, gradients) or 4^k (Sigma), which brings it near 1;
 * C(2^e X) = 2^e C(X), Sigma(2^e X) = 4^e Sigma(X), C(4^k Sigma) = 2^k C(Sigma), and every backward is linear in
 * its incoming gradient, so the caller scales the downloaded result back by the matching power of two. Scaling by
 * a power of two is exact except for values far below the sample's largest, which can round when scaling down.
 * Stateless.
 */
final class PowerOfTwoScaling {
    /** X samples whose largest |x| has a binary exponent within +-X_SAFE_EXP run unscaled. */
    static final int X_SAFE_EXP = 20;
    /** The same for Sigma; its entries are squares of X's, so the safe band is twice as wide. */
    static final int SIGMA_SAFE_EXP = 40;

    private PowerOfTwoScaling() {
    }

    /**
     * An input as the kernels see it: the caller's array when no sample needs scaling, else an exactly scaled copy.
     *
     * @param a   the array to upload, from {@code off}
     * @param off offset into {@code a}
     * @param e   the per-sample exponents of {@link #exponents}, null when none
     */
    record Scaled(float[] a, int off, int[] e) {
    }

    /**
     * Per-sample scaling exponents: for X (square = false) e_b with max |x_b| 2^e_b in [1, 2); for Sigma
     * (square = true) k_b with max |Sigma_b| 4^k_b in [1, 4). 0 for samples within the safe band or all zero.
     *
     * @param a      the samples, {@code per} floats each from {@code off}
     * @param off    offset of sample 0
     * @param per    floats per sample
     * @param batch  samples
     * @param square whether the samples are Sigma (4^k) rather than X or a gradient (2^e)
     * @return the exponents, or null when every sample is 0 (the common case: the caller's array is used as is)
     */
    static int[] exponents(float[] a, int off, int per, int batch, boolean square) {
        int[] e = null;
        for (int b = 0; b < batch; b++) {
            float max = 0f;
            for (int i = off + b * per, end = i + per; i < end; i++) {
                max = Math.max(max, Math.abs(a[i]));
            }
            if (max == 0f) {
                continue;
            }
            // In double, so that denormal floats report their true exponent (down to -149).
            int exp = Math.getExponent((double) max);
            int safe = square ? SIGMA_SAFE_EXP : X_SAFE_EXP;
            if (exp < -safe || exp > safe) {
                if (e == null) {
                    e = new int[batch];
                }
                e[b] = square ? -Math.floorDiv(exp, 2) : -exp;
            }
        }
        return e;
    }

    /**
     * @param mult 1 for X (2^e), 2 for Sigma (4^k)
     * @return a new array: sample b of {@code a} times 2^(mult e_b), exact (a power of two; only values far below
     *         the sample's largest can round, when scaling down)
     */
    static float[] scaledCopy(float[] a, int off, int per, int batch, int[] e, int mult) {
        float[] c = new float[batch * per];
        for (int b = 0; b < batch; b++) {
            double f = Math.scalb(1.0, mult * e[b]);
            for (int i = 0; i < per; i++) {
                c[b * per + i] = (float) (a[off + b * per + i] * f);
            }
        }
        return c;
    }

    /**
     * {@link #exponents} then, where needed, {@link #scaledCopy} (4^k for Sigma, 2^e otherwise).
     *
     * @param square whether the samples are Sigma
     * @return the input as it is to be uploaded
     */
    static Scaled scaled(float[] a, int off, int per, int batch, boolean square) {
        int[] e = exponents(a, off, per, batch, square);
        if (e == null) {
            return new Scaled(a, off, null);
        }
        return new Scaled(scaledCopy(a, off, per, batch, e, square ? 2 : 1), 0, e);
    }

    /**
     * Scales each downloaded sample back by 2^(mult e_b) (e null: no scaling) and rejects non-finite values: for
     * finite input no NaN or infinity may leave the library.
     *
     * @param what the result's name, for the message
     * @param why  the likely cause, for the message
     * @throws IllegalArgumentException naming the sample and element of the first non-finite value
     */
    static void scaleBackAndCheck(String what, String why, float[] a, int off, int per, int batch, int[] e,
                                  int mult) {
        for (int b = 0; b < batch; b++) {
            int base = off + b * per;
            if (e != null && e[b] != 0) {
                double f = Math.scalb(1.0, mult * e[b]);
                for (int i = 0; i < per; i++) {
                    a[base + i] = (float) (a[base + i] * f);
                }
            }
            org.isqrt4j.api.Validation.requireRepresentable(what, a, base, per, b, why);
        }
    }

    /**
     * @return ma a[b] + mb b[b] per sample (a missing array counts as zeros), or null when both are null: the
     *         exponent of a result that is linear in two scaled inputs
     */
    static int[] combine(int[] a, int ma, int[] b, int mb) {
        if (a == null && b == null) {
            return null;
        }
        int len = a != null ? a.length : b.length;
        int[] c = new int[len];
        for (int i = 0; i < len; i++) {
            c[i] = (a == null ? 0 : ma * a[i]) + (b == null ? 0 : mb * b[i]);
        }
        return c;
    }
}
