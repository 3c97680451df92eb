package org.isqrt4j.api;

/**
 * Argument checks shared by every back-end's public entry points. Messages name the shape, the expected and
 * actual sizes, and for non-finite values the sample. Stateless and thread-safe.
 */
public final class Validation {
    private Validation() {
    }

    /**
     * Checks that every dimension is at least 1.
     *
     * @param batch B
     * @param d channels
     * @param n positions (pass 1 where n does not apply)
     * @throws IllegalArgumentException if any is below 1
     */
    public static void checkDims(int batch, int d, int n) {
        if (batch < 1 || d < 1 || n < 1) {
            throw new IllegalArgumentException("dimensions must be >= 1, got " + shape(batch, d, n));
        }
    }

    /**
     * The product of non-negative factors as an int.
     *
     * @param what    name for the message
     * @param factors the factors
     * @return their product
     * @throws IllegalArgumentException if it does not fit an array index
     */
    public static int product(String what, int... factors) {
        long p = 1;
        for (int f : factors) {
            if (f < 0) {
                throw new IllegalArgumentException(what + ": negative factor " + f);
            }
            p *= f;
            if (p > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(what + " overflows an array: factors " + java.util.Arrays.toString(factors));
            }
        }
        return (int) p;
    }

    /**
     * Checks that {@code arr} holds {@code needed} floats from {@code off}.
     *
     * @param name   the parameter's name
     * @param arr    the array
     * @param off    offset
     * @param needed floats the shape needs
     * @param shape  the shape, for the message
     */
    public static void checkArray(String name, float[] arr, int off, int needed, String shape) {
        if (arr == null) {
            throw new IllegalArgumentException(name + " must not be null (shape " + shape + ")");
        }
        if (off < 0) {
            throw new IllegalArgumentException(name + " offset must be >= 0, got " + off + " (shape " + shape + ")");
        }
        if ((long) off + needed > arr.length) {
            throw new IllegalArgumentException(name + " too short: shape " + shape + " needs " + needed
                    + " floats from offset " + off + ", expected length >= " + ((long) off + needed)
                    + ", actual length " + arr.length);
        }
    }

    /**
     * Checks that every value of {@code batch} consecutive samples of {@code perSample} floats is finite.
     *
     * @param name      the parameter's name
     * @param arr       the array
     * @param off       offset of sample 0
     * @param perSample floats per sample
     * @param batch     samples
     * @throws IllegalArgumentException naming the first sample holding NaN or infinity
     */
    public static void checkFinite(String name, float[] arr, int off, int perSample, int batch) {
        for (int b = 0; b < batch; b++) {
            int base = off + b * perSample;
            // Summing v*0 is NaN exactly when some v is NaN or infinite; one pass without branches in the loop,
            // into eight independent sums so the adds do not wait on each other (one chain cost ~4 cycles per
            // element, 22.5 us per W1 sample of 256 x 196 floats; eight chains 6 us, measured on Zen 5, JDK 25).
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            float a4 = 0f;
            float a5 = 0f;
            float a6 = 0f;
            float a7 = 0f;
            int i = 0;
            for (; i + 8 <= perSample; i += 8) {
                int p = base + i;
                a0 += arr[p] * 0f;
                a1 += arr[p + 1] * 0f;
                a2 += arr[p + 2] * 0f;
                a3 += arr[p + 3] * 0f;
                a4 += arr[p + 4] * 0f;
                a5 += arr[p + 5] * 0f;
                a6 += arr[p + 6] * 0f;
                a7 += arr[p + 7] * 0f;
            }
            for (; i < perSample; i++) {
                a0 += arr[base + i] * 0f;
            }
            float acc = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
            if (acc != 0f) {
                for (int j = 0; j < perSample; j++) {
                    float v = arr[base + j];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException(name + " has " + v + " in sample " + b
                                + " at element " + j + " (flat index " + (base + j) + ")");
                    }
                }
            }
        }
    }

    /**
     * The one check of what a back-end returns: for finite input no NaN or infinity leaves the library. A result
     * that is not finite (its exact value lies beyond the float range, or the iteration diverged) is reported as
     * {@link #notRepresentable}, naming the result, the sample and the first such element.
     *
     * @param what   the result's name ("sigma", "output", "gradX", "gradSigma")
     * @param arr    the array holding the sample's result
     * @param off    offset of the sample's first value
     * @param len    values in the sample's result
     * @param sample the sample's index in the batch
     * @param why    the likely cause, for the message
     * @throws IllegalArgumentException if a value is NaN or infinite
     */
    public static void requireRepresentable(String what, float[] arr, int off, int len, int sample, String why) {
        for (int i = 0; i < len; i++) {
            float v = arr[off + i];
            if (!Float.isFinite(v)) {
                throw notRepresentable(what, sample, i, v, why);
            }
        }
    }

    /**
     * The exception for a result that is not representable in float32, with the one message every back-end uses:
     * "{what} of sample {sample} is not representable in float32 (element {element} is {value}): {why}". For a
     * back-end that checks each value as it rounds it (see {@link #requireRepresentable}).
     *
     * @param what    the result's name
     * @param sample  the sample's index in the batch
     * @param element the element's index within the sample's result
     * @param value   the value: the float (NaN or infinite), or the double that does not fit the float range
     * @param why     the likely cause
     * @return the exception to throw
     */
    public static IllegalArgumentException notRepresentable(String what, int sample, int element, double value,
                                                            String why) {
        return new IllegalArgumentException(what + " of sample " + sample + " is not representable in float32 (element "
                + element + " is " + value + "): " + why);
    }

    /**
     * Checksum of one sample's input region, kept by the layer's handle so that its backward can tell whether the
     * caller changed x after the forward (see {@link SqrtOptions#withSavedInputCheck(boolean)}). Four interleaved
     * Fletcher-style lanes over the raw float bits (per lane s1 += bits, s2 += s1, modulo 2^32): any single changed
     * element changes s1 of its lane, so it is always detected; a permutation of unequal values almost always
     * changes s2; any other change goes unnoticed with a probability of order 2^-64 for unrelated data. One pass of
     * integer adds over the sample (docs/contract.md has the measured cost). It guards against accidents (a reused
     * buffer), not against an adversary who can compute the sums.
     *
     * @param arr the array
     * @param off offset of the sample
     * @param len floats in the sample
     * @return the sample's checksum
     */
    public static long checksum(float[] arr, int off, int len) {
        // Four lanes: eight int accumulators plus the indexes fit the sixteen general registers of x86-64.
        int p0 = 0;
        int p1 = 0;
        int p2 = 0;
        int p3 = 0;
        int q0 = 0;
        int q1 = 0;
        int q2 = 0;
        int q3 = 0;
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            int p = off + i;
            p0 += Float.floatToRawIntBits(arr[p]);
            p1 += Float.floatToRawIntBits(arr[p + 1]);
            p2 += Float.floatToRawIntBits(arr[p + 2]);
            p3 += Float.floatToRawIntBits(arr[p + 3]);
            q0 += p0;
            q1 += p1;
            q2 += p2;
            q3 += p3;
        }
        for (; i < len; i++) {
            p0 += Float.floatToRawIntBits(arr[off + i]);
            q0 += p0;
        }
        return mix(mix(mix(mix(len, p0, q0), p1, q1), p2, q2), p3, q3);
    }

    private static long mix(long h, int s1, int s2) {
        long v = (h ^ (((long) s1 << 32) | (s2 & 0xffffffffL))) * 0x9E3779B97F4A7C15L;
        return v ^ (v >>> 31);
    }

    /**
     * Formats a layer shape for error messages.
     *
     * @param batch B
     * @param d channels
     * @param n positions
     * @return "(B=.., d=.., n=..)"
     */
    public static String shape(int batch, int d, int n) {
        return "(B=" + batch + ", d=" + d + ", n=" + n + ")";
    }

    /**
     * Formats a square-root shape for error messages.
     *
     * @param batch B
     * @param d channels
     * @return "(B=.., d=..)"
     */
    public static String shape(int batch, int d) {
        return "(B=" + batch + ", d=" + d + ")";
    }
    /**
     * Relative slack of {@link #requireConverged} over the exact bound on ||C||_F: float32 rounding of C is ~1e-6
     * relative (plus half the denormal spacing per element, allowed for separately).
     */
    public static final double CONVERGENCE_SLACK = 1e-3;

    /**
     * Rejects a layer output that no Newton-Schulz iterate of a covariance can have (docs/maths.md (V1), with its
     * proof). For Sigma positive semi-definite with trace tau, every exact iterate satisfies
     * ||C||_F^2 = tau sum_i u_i lambda_i &lt;= tau
     * (lambda_i the eigenvalues of A = Sigma / tau, u_i = lambda_i z_i^2 in [0, 1] at every step), so an output
     * with ||C||_F above sqrt(tau) by more than {@link #CONVERGENCE_SLACK} relative (and d Float.MIN_VALUE, the
     * rounding of denormal outputs) is float32 divergence, not a square root: it happens
     * for a rank-deficient Sigma (n &lt; d, constant channels) with many iterations (K around 12 to 14 and above),
     * where rounding puts null-space eigenvalues slightly below zero and each step amplifies them.
     *
     * @param out        the output array
     * @param off        offset of this sample's C in it
     * @param layout     C's layout (a packed triangle counts its off-diagonal elements twice)
     * @param d          channels
     * @param tau        tr(Sigma) in the units of C squared (C = sqrt(tau) Y_K)
     * @param sample     the sample's index, for the message
     * @param iterations K, for the message
     * @throws IllegalArgumentException if ||C||_F &gt; (1 + {@link #CONVERGENCE_SLACK}) sqrt(tau) + d Float.MIN_VALUE
     */
    public static void requireConverged(float[] out, int off, OutputLayout layout, int d, double tau, int sample,
                                        int iterations) {
        double diag = 0;
        double offDiag = 0;
        if (layout == OutputLayout.FULL) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double v = out[off + i * d + j];
                    if (i == j) {
                        diag += v * v;
                    } else {
                        offDiag += v * v;
                    }
                }
            }
        } else {
            int o = off;
            for (int i = 0; i < d; i++) {
                double v = out[o++];
                diag += v * v;
                for (int j = i + 1; j < d; j++) {
                    v = out[o++];
                    offDiag += 2 * v * v;
                }
            }
        }
        double norm2 = diag + offDiag;
        if (!(Math.sqrt(norm2) <= (1 + CONVERGENCE_SLACK) * Math.sqrt(tau) + d * (double) Float.MIN_VALUE)) {
            throw new IllegalArgumentException("output of sample " + sample + " is not a square root: ||C||_F^2 = "
                    + (float) (norm2 / tau) + " tr(Sigma), above the bound tr(Sigma) that every Newton-Schulz iterate"
                    + " meets; the float32 iteration diverged (a rank-deficient Sigma with K = " + iterations
                    + " iterations: use K <= 10, or more positions than channels)");
        }
    }

    /**
     * Checks the options of {@link MatrixSqrtOp#whitenForward}: not null, root INV_SQRT, layout FULL.
     *
     * @param options the options
     * @throws IllegalArgumentException if they cannot whiten
     */
    public static void checkWhitenOptions(SqrtOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        if (options.root() != SqrtOptions.Root.INV_SQRT) {
            throw new IllegalArgumentException("whitening needs the inverse root: options.withRoot(INV_SQRT), got "
                    + options);
        }
        if (options.layout() != OutputLayout.FULL) {
            throw new IllegalArgumentException("whitening writes a d x n matrix per sample; the layout must be FULL, got "
                    + options);
        }
    }

    /**
     * The error for a sample whose Sigma + eps I is zero under the inverse root: Sigma^(-1/2) does not exist.
     *
     * @param what    "sigma" or "x", for the message
     * @param sample  the sample's index
     * @param options the options, for the message
     * @return the exception to throw
     */
    public static IllegalArgumentException zeroInverse(String what, int sample, SqrtOptions options) {
        return new IllegalArgumentException(what + " sample " + sample + " has Sigma + eps I = 0 (zero trace, eps = 0):"
                + " its inverse square root does not exist; set eps > 0 (" + options + ")");
    }

    /**
     * Bound of every exact inverse-root iterate: for A positive semi-definite with eigenvalues in [0, 1]
     * (both pre-normalisations), each eigenvalue z of Z_k satisfies 1 &lt;= z &lt;= 1.5^k, because
     * t = (3 - u) / 2 with u = lambda z^2 in [0, 1] at every step; z_K(0) = 1.5^K on the null space. Hence
     * ||Z_K||_F &lt;= sqrt(d) 1.5^K.
     *
     * @param d          channels
     * @param iterations K
     * @return sqrt(d) 1.5^K
     */
    public static double inverseIterateBound(int d, int iterations) {
        return Math.sqrt(d) * Math.pow(1.5, iterations);
    }

    /**
     * Rejects an inverse-root output that no Newton-Schulz iterate can have: C = Z_K / sqrt(nu) with
     * ||Z_K||_F &lt;= {@link #inverseIterateBound}, so ||C||_F above that bound / sqrt(nu) by more than
     * {@link #CONVERGENCE_SLACK} relative is float32 divergence (rounding puts null-space eigenvalues of a
     * rank-deficient Sigma slightly below zero, and each step amplifies them).
     *
     * @param out        the output array
     * @param off        offset of this sample's C
     * @param layout     C's layout (a packed triangle counts its off-diagonal elements twice)
     * @param d          channels
     * @param nu         the pre-normalisation nu in the units of C^-2 (pass 1 to check Z_K itself)
     * @param sample     the sample's index
     * @param iterations K
     * @throws IllegalArgumentException if ||C||_F &gt; (1 + slack) sqrt(d) 1.5^K / sqrt(nu)
     */
    public static void requireInverseConverged(float[] out, int off, OutputLayout layout, int d, double nu, int sample,
                                               int iterations) {
        double norm2 = 0;
        if (layout == OutputLayout.FULL) {
            for (int i = 0; i < d * d; i++) {
                double v = out[off + i];
                norm2 += v * v;
            }
        } else {
            int o = off;
            for (int i = 0; i < d; i++) {
                double v = out[o++];
                norm2 += v * v;
                for (int j = i + 1; j < d; j++) {
                    v = out[o++];
                    norm2 += 2 * v * v;
                }
            }
        }
        double bound = (1 + CONVERGENCE_SLACK) * inverseIterateBound(d, iterations) / Math.sqrt(nu);
        if (!(Math.sqrt(norm2) <= bound)) {
            throw new IllegalArgumentException("inverse-root output of sample " + sample + " has ||C||_F = "
                    + (float) Math.sqrt(norm2) + ", above sqrt(d) 1.5^K / sqrt(nu) = " + (float) (bound / (1 + CONVERGENCE_SLACK))
                    + " that every Newton-Schulz iterate meets; the float32 iteration diverged (a rank-deficient Sigma"
                    + " with K = " + iterations + " iterations: use eps > 0, K <= 10, or more positions than channels)");
        }
    }
}
