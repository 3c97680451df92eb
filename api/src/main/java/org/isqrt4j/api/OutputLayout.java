package org.isqrt4j.api;

/**
 * How the square-root output C (a symmetric d x d matrix per sample) is stored.
 */
public enum OutputLayout {
    /** The full d x d matrix, row-major: {@code d * d} floats per sample. */
    FULL,
    /**
     * The upper triangle, diagonal included, packed row by row (the order of {@code torch.triu_indices}):
     * {@code d * (d + 1) / 2} floats per sample. Its backward scatters the incoming gradient into the upper
     * triangle only (the lower triangle of dL/dC is zero).
     */
    TRIU;

    /**
     * Number of floats one sample's output occupies in this layout.
     *
     * @param d channels, at least 1
     * @return {@code d*d} for FULL, {@code d*(d+1)/2} for TRIU
     */
    public int elements(int d) {
        long e = this == FULL ? (long) d * d : (long) d * (d + 1) / 2;
        if (e > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("d=" + d + " gives " + e + " output elements per sample, more than an array holds");
        }
        return (int) e;
    }
}
