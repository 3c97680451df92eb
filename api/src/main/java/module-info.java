/**
 * The isqrt4j API: {@link org.isqrt4j.api.MatrixSqrtOp} (the iSQRT-COV layer and its pieces, forward and
 * backward), its options, the error contract and the {@link java.util.ServiceLoader} discovery of back-ends
 * ({@link org.isqrt4j.api.MatrixSqrtOps}). Back-end modules provide {@link org.isqrt4j.api.MatrixSqrtProvider};
 * an application only needs to require this module and have the back-ends on the module path (service binding
 * resolves them) or on the class path.
 */
module org.isqrt4j.api {
    exports org.isqrt4j.api;

    uses org.isqrt4j.api.MatrixSqrtProvider;
}
