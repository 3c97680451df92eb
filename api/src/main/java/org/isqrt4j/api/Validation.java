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
            // Summing v*0 is NaN exactly when some v is NaN or infinite; one pass without branches in the loop.
            float acc = 0f;
            for (int i = 0; i < perSample; i++) {
                acc += arr[base + i] * 0f;
            }
            if (acc != 0f) {
                for (int i = 0; i < perSample; i++) {
                    float v = arr[base + i];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException(name + " has " + v + " in sample " + b
                                + " at element " + i + " (flat index " + (base + i) + ")");
                    }
                }
            }
        }
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
}
