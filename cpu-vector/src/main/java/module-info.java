/**
 * The CPU back-ends: {@code cpu-vector} (Vector API kernels) and {@code cpu-scalar} (the bit-identical plain
 * Java fallback). {@code jdk.incubator.vector} is an optional dependency: start the JVM with
 * {@code --add-modules jdk.incubator.vector} for the vector kernels; without it {@code cpu-vector} reports itself
 * unavailable (so {@code MatrixSqrtOps.load()} chooses {@code cpu-scalar}, which gives the same bits) and the module
 * says so once through {@link java.lang.System.Logger}.
 */
module org.isqrt4j.cpu {
    requires transitive org.isqrt4j.api;
    requires static jdk.incubator.vector;

    exports org.isqrt4j.cpu;

    provides org.isqrt4j.api.MatrixSqrtProvider
            with org.isqrt4j.cpu.CpuVectorProvider, org.isqrt4j.cpu.CpuScalarProvider;
}
