package org.isqrt4j.cpu;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtProvider;

/**
 * Service provider of {@link CpuMatrixSqrtOp#scalar(int)}: id {@code cpu-scalar}, priority 100, always
 * available. Threads: the system property {@value CpuMatrixSqrtOp#THREADS_PROPERTY}, else the number of
 * available processors. Stateless and thread-safe.
 */
public final class CpuScalarProvider implements MatrixSqrtProvider {
    /** Constructor for {@link java.util.ServiceLoader}. */
    public CpuScalarProvider() {
    }

    /** @return {@code cpu-scalar} */
    @Override
    public String id() {
        return "cpu-scalar";
    }

    /** @return 100 */
    @Override
    public int priority() {
        return 100;
    }

    /** @return null: plain Java runs everywhere */
    @Override
    public String unavailableReason() {
        return null;
    }

    /** @return a new scalar op; the caller closes it */
    @Override
    public MatrixSqrtOp create() {
        return CpuMatrixSqrtOp.scalar(CpuMatrixSqrtOp.defaultThreads());
    }
}
