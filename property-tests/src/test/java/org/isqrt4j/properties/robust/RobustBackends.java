package org.isqrt4j.properties.robust;

import java.util.List;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.testsupport.OpenClAvailability;

/**
 * Opens the back-ends under test by provider id. The CPU and reference back-ends must load; OpenCL may be missing
 * (no ICD loader, no device): then the calling test is skipped with the reason, except when the environment
 * variable CI is "true", where that is a failure (CI installs PoCL): the rule of {@link OpenClAvailability}.
 */
final class RobustBackends {
    /** Every back-end the robustness suite runs on, by provider id. */
    static final List<String> IDS = List.of("reference", "cpu-vector", "cpu-scalar", "opencl");

    private RobustBackends() {
    }

    /**
     * @param id a provider id from {@link #IDS}
     * @return a new op; the caller closes it
     */
    static MatrixSqrtOp open(String id) {
        if (id.equals("opencl")) {
            return OpenClAvailability.open(() -> MatrixSqrtOps.load(id));
        }
        return MatrixSqrtOps.load(id);
    }

    /** @param id provider id  @return whether it computes in float64 (bit patterns then differ from the float32 ones) */
    static boolean isReference(String id) {
        return id.equals("reference");
    }
}
