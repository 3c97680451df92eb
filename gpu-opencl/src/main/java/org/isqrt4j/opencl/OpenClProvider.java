package org.isqrt4j.opencl;

import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtProvider;

/**
 * Service provider of the OpenCL back-end, id {@code opencl}. Its priority is 300 when the device it would choose
 * is a GPU (so a GPU wins over the CPU back-ends) and 50 otherwise (a CPU OpenCL device such as PoCL stays behind
 * cpu-vector). The devices are enumerated once per JVM; every method applies the selection system properties of
 * {@link OpenClMatrixSqrtOp}. Stateless and thread-safe.
 */
public final class OpenClProvider implements MatrixSqrtProvider {
    /** Priority when the chosen device is a GPU. */
    public static final int GPU_PRIORITY = 300;
    /** Priority when the chosen device is not a GPU, or none is available. */
    public static final int OTHER_PRIORITY = 50;

    /** Creates the provider; nothing is looked up until a method is called. */
    public OpenClProvider() {
    }

    @Override
    public String id() {
        return "opencl";
    }

    @Override
    public int priority() {
        try {
            return DeviceSelector.selectFromSystemProperties().gpu() ? GPU_PRIORITY : OTHER_PRIORITY;
        } catch (Isqrt4jException e) {
            return OTHER_PRIORITY;
        }
    }

    @Override
    public String unavailableReason() {
        try {
            DeviceSelector.selectFromSystemProperties();
            return null;
        } catch (Isqrt4jException e) {
            return e.getMessage();
        }
    }

    @Override
    public MatrixSqrtOp create() {
        return new OpenClMatrixSqrtOp();
    }
}
