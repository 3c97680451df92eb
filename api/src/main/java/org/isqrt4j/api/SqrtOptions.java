package org.isqrt4j.api;

import java.util.Objects;

/**
 * Options of the normalised matrix square root: the number of coupled Newton-Schulz iterations K, the
 * output layout, and whether the layer checks at backward that its saved input is unchanged. Immutable and
 * thread-safe.
 */
public final class SqrtOptions {
    /** The paper's default number of iterations. */
    public static final int DEFAULT_ITERATIONS = 5;

    private static final SqrtOptions DEFAULTS = new SqrtOptions(DEFAULT_ITERATIONS, OutputLayout.FULL, true);

    private final int iterations;
    private final OutputLayout layout;
    private final boolean savedInputCheck;

    private SqrtOptions(int iterations, OutputLayout layout, boolean savedInputCheck) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        this.iterations = iterations;
        this.layout = Objects.requireNonNull(layout, "layout");
        this.savedInputCheck = savedInputCheck;
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
        return new SqrtOptions(iterations, layout, true);
    }

    /**
     * Returns a copy with K = k.
     *
     * @param k iterations, at least 1
     * @return a copy with K = k
     */
    public SqrtOptions withIterations(int k) {
        return of(k, layout).withSavedInputCheck(savedInputCheck);
    }

    /**
     * Returns a copy with this layout.
     *
     * @param l output layout
     * @return a copy with this layout
     */
    public SqrtOptions withLayout(OutputLayout l) {
        return of(iterations, l).withSavedInputCheck(savedInputCheck);
    }

    /**
     * Returns a copy that does (true, the default) or does not check, at the layer's backward, that the input x
     * saved by reference at the forward still holds what the forward read. The check keeps a 64-bit checksum per
     * sample, computed in the forward's finiteness pass over x, and recomputes it at every backward: a changed
     * sample throws {@link IllegalStateException} naming it instead of giving a silently wrong dL/dX. It costs a
     * fraction of a percent of the forward and one pass over x per backward (docs/contract.md); turn it off only
     * when the caller guarantees the region stays unchanged (for instance because it hands the layer a private
     * copy). The stand-alone square root keeps its own copy of what it needs and is not affected.
     *
     * @param check whether the layer's backward verifies the saved input
     * @return a copy with this setting
     */
    public SqrtOptions withSavedInputCheck(boolean check) {
        return check == savedInputCheck ? this : new SqrtOptions(iterations, layout, check);
    }

    /**
     * Returns whether the layer's backward verifies that the saved input is unchanged (see
     * {@link #withSavedInputCheck(boolean)}).
     *
     * @return whether the saved-input check is on (the default)
     */
    public boolean savedInputCheck() {
        return savedInputCheck;
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
        return o instanceof SqrtOptions && ((SqrtOptions) o).iterations == iterations && ((SqrtOptions) o).layout == layout
                && ((SqrtOptions) o).savedInputCheck == savedInputCheck;
    }

    @Override
    public int hashCode() {
        return (iterations * 31 + layout.hashCode()) * 2 + (savedInputCheck ? 1 : 0);
    }

    @Override
    public String toString() {
        return "SqrtOptions[K=" + iterations + ", " + layout + (savedInputCheck ? "" : ", no saved-input check") + "]";
    }
}
