package org.isqrt4j.properties;

/**
 * Shapes of the spectrum a generated sample gets: the singular values of the centred input X (layer properties)
 * or the eigenvalues of Sigma (square-root properties). Each is normalised so its largest value is 1 and then
 * scaled by the case's input scale.
 */
enum Spectrum {
    /** Values uniform in [1, 3] (X) or [1, 10] (Sigma): condition at most 10. */
    WELL,
    /** One to three cluster centres; members equal or jittered by 1e-7 or 1e-4 relative: near-ties stress divided differences. */
    CLUSTERED,
    /** Well-conditioned values with a random subset (never all) set to exactly 0, on top of n &lt; d rank loss. */
    RANK_DEFICIENT,
    /** Log-uniform between 1e-6 and 1, both ends present: condition 1e6. */
    SPREAD
}
