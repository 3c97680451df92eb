package org.isqrt4j.cpu;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtProvider;

/**
 * Service provider of {@link CpuMatrixSqrtOp#vector(int)}: id {@code cpu-vector}, priority 200, available
 * when jdk.incubator.vector is resolved. Threads: the system property {@value CpuMatrixSqrtOp#THREADS_PROPERTY},
 * else the number of available processors. Stateless and thread-safe.
 */
public final class CpuVectorProvider implements MatrixSqrtProvider {
    /** Constructor for {@link java.util.ServiceLoader}. */
    public CpuVectorProvider() {
    }

    /** @return {@code cpu-vector} */
    @Override
    public String id() {
        return "cpu-vector";
    }

    /** @return 200 */
    @Override
    public int priority() {
        return 200;
    }

    /** @return null when the Vector API is usable, else why not (e.g. the module is not resolved) */
    @Override
    public String unavailableReason() {
        return VectorSupport.unavailableReason();
    }

    /** @return a new vector op; the caller closes it */
    @Override
    public MatrixSqrtOp create() {
        return CpuMatrixSqrtOp.vector(CpuMatrixSqrtOp.defaultThreads());
    }
}
