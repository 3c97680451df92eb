package org.isqrt4j.api;

import java.util.Objects;

/**
 * Options of the normalised matrix square root: the number of coupled Newton-Schulz iterations K, the output
 * layout, which root is returned ({@link Root}), how Sigma is pre-normalised ({@link Normalisation}) and a
 * regularisation eps added to the diagonal. With nu = tr(Sigma + eps I) (TRACE) or ||Sigma + eps I||_F
 * (FROBENIUS) and A = (Sigma + eps I) / nu, the op returns C = sqrt(nu) Y_K (SQRT) or C = Z_K / sqrt(nu)
 * (INV_SQRT), Y_K and Z_K the coupled iterates. The defaults ({@link #defaults()}, {@link #of}) are the
 * paper's: SQRT, TRACE, eps = 0. The options also say whether the layer checks at backward that its saved input
 * is unchanged ({@link #withSavedInputCheck(boolean)}, on by default). Immutable and thread-safe.
 */
public final class SqrtOptions {
    /** The paper's default number of iterations. */
    public static final int DEFAULT_ITERATIONS = 5;

    private static final SqrtOptions DEFAULTS = new SqrtOptions(DEFAULT_ITERATIONS, OutputLayout.FULL);

    /** Which root of A the iteration returns. */
    public enum Root {
        /** C = sqrt(nu) Y_K, approximately Sigma^(1/2) (the paper's layer; the default). */
        SQRT,
        /** C = Z_K / sqrt(nu), approximately Sigma^(-1/2): the last step forms Z_K instead of Y_K (whitening). */
        INV_SQRT
    }

    /** How Sigma (plus eps I) is scaled into A before the iteration. */
    public enum Normalisation {
        /** nu = tr(Sigma + eps I), A = (Sigma + eps I) / nu (the paper's; the default). */
        TRACE,
        /** nu = ||Sigma + eps I||_F, A = (Sigma + eps I) / nu (MPN-COV's original code). */
        FROBENIUS
    }

    private final int iterations;
    private final OutputLayout layout;
    private final Root root;
    private final Normalisation normalisation;
    private final double epsilon;
    private final boolean savedInputCheck;

    private SqrtOptions(int iterations, OutputLayout layout) {
        this(iterations, layout, Root.SQRT, Normalisation.TRACE, 0.0, true);
    }

    private SqrtOptions(int iterations, OutputLayout layout, Root root, Normalisation normalisation, double epsilon,
                        boolean savedInputCheck) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
        this.iterations = iterations;
        this.layout = Objects.requireNonNull(layout, "layout");
        this.root = Objects.requireNonNull(root, "root");
        this.normalisation = Objects.requireNonNull(normalisation, "normalisation");
        // -0.0 is stored as 0.0, so that equal options compare equal.
        this.epsilon = epsilon + 0.0;
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
        return new SqrtOptions(iterations, layout);
    }

    /**
     * Returns a copy with K = k.
     *
     * @param k iterations, at least 1
     * @return a copy with K = k
     */
    public SqrtOptions withIterations(int k) {
        return new SqrtOptions(k, layout, root, normalisation, epsilon, savedInputCheck);
    }

    /**
     * Returns a copy with this layout.
     *
     * @param l output layout
     * @return a copy with this layout
     */
    public SqrtOptions withLayout(OutputLayout l) {
        if (l == null) {
            throw new IllegalArgumentException("layout must not be null");
        }
        return new SqrtOptions(iterations, l, root, normalisation, epsilon, savedInputCheck);
    }

    /**
     * Returns a copy that returns this root.
     *
     * @param r {@link Root#SQRT} or {@link Root#INV_SQRT}
     * @return a copy with this root
     * @throws IllegalArgumentException if r is null
     */
    public SqrtOptions withRoot(Root r) {
        if (r == null) {
            throw new IllegalArgumentException("root must not be null");
        }
        return new SqrtOptions(iterations, layout, r, normalisation, epsilon, savedInputCheck);
    }

    /**
     * Returns a copy with this pre-normalisation.
     *
     * @param nrm {@link Normalisation#TRACE} or {@link Normalisation#FROBENIUS}
     * @return a copy with this pre-normalisation
     * @throws IllegalArgumentException if nrm is null
     */
    public SqrtOptions withNormalisation(Normalisation nrm) {
        if (nrm == null) {
            throw new IllegalArgumentException("normalisation must not be null");
        }
        return new SqrtOptions(iterations, layout, root, nrm, epsilon, savedInputCheck);
    }

    /**
     * Returns a copy that adds eps I to Sigma before the pre-normalisation (forward and backward alike).
     *
     * @param eps the regularisation, finite and &gt;= 0
     * @return a copy with this eps
     * @throws IllegalArgumentException if eps is negative, NaN or infinite
     */
    public SqrtOptions withEpsilon(double eps) {
        return new SqrtOptions(iterations, layout, root, normalisation, eps, savedInputCheck);
    }

    /**
     * Returns a copy that does (true, the default) or does not check, at the layer's backward, that the input x
     * saved by reference at the forward still holds what the forward read. The check keeps a 64-bit checksum per
     * sample, taken at the forward, and recomputes it at every backward: a changed sample throws
     * {@link IllegalStateException} naming it instead of giving a silently wrong dL/dX. It costs a fraction of a
     * percent of the forward and one pass over x per backward (docs/contract.md); turn it off only when the caller
     * guarantees the region stays unchanged (for instance because it hands the layer a private copy). The
     * stand-alone square root keeps its own copy of what it needs and is not affected.
     *
     * @param check whether the layer's backward verifies the saved input
     * @return a copy with this setting
     */
    public SqrtOptions withSavedInputCheck(boolean check) {
        return check == savedInputCheck ? this
                : new SqrtOptions(iterations, layout, root, normalisation, epsilon, check);
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
     * Returns which root the op computes.
     *
     * @return {@link Root#SQRT} (the default) or {@link Root#INV_SQRT}
     */
    public Root root() {
        return root;
    }

    /**
     * Returns the pre-normalisation.
     *
     * @return {@link Normalisation#TRACE} (the default) or {@link Normalisation#FROBENIUS}
     */
    public Normalisation normalisation() {
        return normalisation;
    }

    /**
     * Returns eps, added to the diagonal of Sigma before the pre-normalisation.
     *
     * @return eps &gt;= 0 (0 by default)
     */
    public double epsilon() {
        return epsilon;
    }

    /**
     * Tells whether root, pre-normalisation and eps are the defaults (SQRT, TRACE, 0), i.e. the paper's layer.
     *
     * @return whether only K and the layout differ from {@link #defaults()}
     */
    public boolean isPlainSqrt() {
        return root == Root.SQRT && normalisation == Normalisation.TRACE && epsilon == 0.0;
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
        if (!(o instanceof SqrtOptions)) {
            return false;
        }
        SqrtOptions p = (SqrtOptions) o;
        return p.iterations == iterations && p.layout == layout && p.root == root
                && p.normalisation == normalisation && p.epsilon == epsilon && p.savedInputCheck == savedInputCheck;
    }

    @Override
    public int hashCode() {
        int h = iterations * 31 + layout.hashCode();
        // The paper's options keep the hash they always had.
        h = isPlainSqrt() ? h : h * 31 + Objects.hash(root, normalisation, epsilon);
        return savedInputCheck ? h : h * 2 + 1;
    }

    @Override
    public String toString() {
        String check = savedInputCheck ? "" : ", no saved-input check";
        if (isPlainSqrt()) {
            return "SqrtOptions[K=" + iterations + ", " + layout + check + "]";
        }
        return "SqrtOptions[K=" + iterations + ", " + layout + ", " + root + ", " + normalisation + ", eps="
                + epsilon + check + "]";
    }
}
