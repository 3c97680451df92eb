package org.isqrt4j.opencl;

import org.isqrt4j.testsupport.OpenClAvailability;

/**
 * Opening the back-end in the tests, or skipping/failing by the rule of {@link OpenClAvailability} when no device
 * exists; data and error norms come from the test kit (org.isqrt4j.testsupport).
 */
final class ClTestSupport {
    private ClTestSupport() {
    }

    /**
     * Opens an op on the default device. Without any OpenCL device the calling test fails when the environment
     * variable CI is "true" (a CI machine must have one, e.g. PoCL) and is skipped with the reason otherwise
     * ({@link OpenClAvailability}).
     *
     * @param gemm "direct", "local" or null for the device's default GEMM kernel
     * @return a new op; the caller closes it
     */
    static OpenClMatrixSqrtOp open(String gemm) {
        ClDevice dev = deviceOrAbort();
        return new OpenClMatrixSqrtOp(dev, gemm);
    }

    /** @return the default op */
    static OpenClMatrixSqrtOp open() {
        return open(null);
    }

    /** @return the device the default selection picks, or abort/fail as {@link #open(String)} says */
    static ClDevice deviceOrAbort() {
        return OpenClAvailability.open(() -> DeviceSelector.select(null, null));
    }
}
