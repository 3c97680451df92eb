package org.isqrt4j.api;

import java.util.Objects;

/**
 * Options of the normalised matrix square root: the number of coupled Newton-Schulz iterations K and the
 * output layout. Immutable and thread-safe.
 */
public final class SqrtOptions {
    /** The paper's default number of iterations. */
    public static final int DEFAULT_ITERATIONS = 5;

    private static final SqrtOptions DEFAULTS = new SqrtOptions(DEFAULT_ITERATIONS, OutputLayout.FULL);

    private final int iterations;
    private final OutputLayout layout;

    private SqrtOptions(int iterations, OutputLayout layout) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        this.iterations = iterations;
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /**
     * Returns the default options: K = 5, full output.
     *
     * @return K = 5, full output
     */
    public static SqrtOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns options with the given iterations and layout.
     *
     * @param iterations K, at least 1
     * @param layout     output layout
     * @return the options
     * @throws IllegalArgumentException if {@code iterations < 1} or layout is null
     */
    public static SqrtOptions of(int iterations, OutputLayout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("layout must not be null");
        }
        return new SqrtOptions(iterations, layout);
    }

    /**
     * Returns a copy with K = k.
     *
     * @param k iterations, at least 1
     * @return a copy with K = k
     */
    public SqrtOptions withIterations(int k) {
        return of(k, layout);
    }

    /**
     * Returns a copy with this layout.
     *
     * @param l output layout
     * @return a copy with this layout
     */
    public SqrtOptions withLayout(OutputLayout l) {
        return of(iterations, l);
    }

    /**
     * Returns K, the number of Newton-Schulz iterations.
     *
     * @return K, the number of Newton-Schulz iterations
     */
    public int iterations() {
        return iterations;
    }

    /**
     * Returns the output layout.
     *
     * @return the output layout
     */
    public OutputLayout layout() {
        return layout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SqrtOptions && ((SqrtOptions) o).iterations == iterations && ((SqrtOptions) o).layout == layout;
    }

    @Override
    public int hashCode() {
        return iterations * 31 + layout.hashCode();
    }

    @Override
    public String toString() {
        return "SqrtOptions[K=" + iterations + ", " + layout + "]";
    }
}
