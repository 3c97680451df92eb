package org.isqrt4j.api;

/**
 * Service-provider interface: a back-end registers one of these with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.isqrt4j.api.MatrixSqrtProvider}).
 */
public interface MatrixSqrtProvider {
    /**
     * Returns the back-end's id, used by {@link MatrixSqrtOps#load(String)}: {@code cpu-vector}, {@code cpu-scalar}, {@code opencl}, {@code reference}.
     *
     * @return the back-end's id, used by {@link MatrixSqrtOps#load(String)}: {@code cpu-vector}, {@code cpu-scalar}, {@code opencl}, {@code reference}
     */
    String id();

    /**
     * Returns this back-end's priority: higher wins when no back-end is forced.
     *
     * @return higher wins when no back-end is forced (e.g. opencl on a GPU 300, cpu-vector 200, cpu-scalar 100, reference 0)
     */
    int priority();

    /**
     * Tells whether the back-end can run in this JVM, and if not, why.
     *
     * @return null if the back-end can run here, else why not (e.g. "jdk.incubator.vector not resolved")
     */
    String unavailableReason();

    /**
     * Returns a new op; the caller closes it.
     *
     * @return a new op; the caller closes it
     * @throws Isqrt4jException if it cannot be created
     */
    MatrixSqrtOp create();
}
