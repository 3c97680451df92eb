/**
 * The OpenCL back-end ({@code opencl}) through JOCL. JOCL publishes no module name, so its jar is read as the
 * automatic module {@code jocl} (derived from the jar file); JOCL loads its native library and the system's
 * {@code libOpenCL.so} at first use.
 */
@SuppressWarnings("requires-automatic")
module org.isqrt4j.opencl {
    requires transitive org.isqrt4j.api;
    requires jocl;

    exports org.isqrt4j.opencl;

    provides org.isqrt4j.api.MatrixSqrtProvider with org.isqrt4j.opencl.OpenClProvider;
}
