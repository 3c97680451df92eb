/**
 * The float64 reference back-end ({@code reference}): eigendecomposition square root, the Newton-Schulz
 * iteration and its exact backward in double precision, on EJML. EJML publishes no module name, so its jars are
 * read as the automatic modules {@code ejml.core} and {@code ejml.ddense} (names derived from the jar files).
 */
@SuppressWarnings("requires-automatic")
module org.isqrt4j.reference {
    requires transitive org.isqrt4j.api;
    requires ejml.core;
    requires ejml.ddense;

    exports org.isqrt4j.reference;

    provides org.isqrt4j.api.MatrixSqrtProvider with org.isqrt4j.reference.ReferenceProvider;
}
