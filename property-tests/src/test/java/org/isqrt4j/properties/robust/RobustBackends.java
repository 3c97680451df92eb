package org.isqrt4j.properties.robust;

import java.util.List;

import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Opens the back-ends under test by provider id. The CPU and reference back-ends must load; OpenCL may be missing
 * (no ICD loader, no device): then the calling test is skipped with the reason, except when the environment
 * variable CI is "true", where that is a failure (CI installs PoCL).
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
        try {
            return MatrixSqrtOps.load(id);
        } catch (Isqrt4jException | LinkageError e) {
            if (!id.equals("opencl")) {
                throw e;
            }
            unavailable("no OpenCL back-end or device: " + e, e);
            throw new AssertionError("unreachable");
        }
    }

    /** Skips the calling test, or fails it when CI=true. @param why the reason @param cause what failed */
    static void unavailable(String why, Throwable cause) {
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail("CI=true but " + why, cause);
        }
        Assumptions.abort(why + " (set CI=true to make this a failure)");
    }

    /** @param id provider id  @return whether it computes in float64 (bit patterns then differ from the float32 ones) */
    static boolean isReference(String id) {
        return id.equals("reference");
    }
}
