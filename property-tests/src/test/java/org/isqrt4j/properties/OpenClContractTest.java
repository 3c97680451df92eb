package org.isqrt4j.properties;

import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;

/**
 * The contract on the OpenCL back-end. Where no OpenCL back-end or device is available the class is skipped with
 * the reason, except on CI ({@code CI=true}), where that is a failure: CI provides PoCL, a CPU OpenCL.
 * PoCL runs the kernels on the CPU, so this class uses fewer examples and d up to 129; the awkward sizes,
 * rank-deficient inputs and non-symmetric gradients stay.
 */
@DisplayName("Contract: opencl (float32, JOCL)")
class OpenClContractTest extends ContractSuite {
    @Override
    protected MatrixSqrtOp createOp() {
        try {
            return MatrixSqrtOps.load("opencl");
        } catch (Isqrt4jException | LinkageError e) {
            String why = "no OpenCL back-end or device: " + e;
            if ("true".equals(System.getenv("CI"))) {
                return Assertions.fail("CI=true but " + why, e);
            }
            Assumptions.abort(why);
            throw new AssertionError("unreachable");
        }
    }

    @Override
    protected Tolerances tolerances() {
        return Tolerances.float32(1);
    }

    @Override
    protected Knobs knobs() {
        return new Knobs(Integer.getInteger("isqrt4j.opencl.examples", 50), 129, 4, 10);
    }

    @Override
    protected int closedOpExamples() {
        return 20; // each example builds an OpenCL context and its kernels
    }
}
