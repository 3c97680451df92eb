/**
 * The training-loop example: it requires only the API; back-ends are found through {@link java.util.ServiceLoader}
 * (on the module path, service binding resolves every module that provides one).
 */
module org.isqrt4j.examples {
    requires transitive org.isqrt4j.api;

    exports org.isqrt4j.examples;
}
