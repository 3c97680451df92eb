package org.isqrt4j.properties;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.testsupport.OpenClAvailability;
import org.junit.jupiter.api.DisplayName;

/**
 * The contract on the OpenCL back-end. Where no OpenCL back-end or device is available the class is skipped with
 * the reason, except on CI ({@code CI=true}), where that is a failure: CI provides PoCL, a CPU OpenCL
 * ({@link OpenClAvailability}).
 * PoCL runs the kernels on the CPU, so this class uses fewer examples and d up to 129; the awkward sizes,
 * rank-deficient inputs and non-symmetric gradients stay.
 */
@DisplayName("Contract: opencl (float32, JOCL)")
class OpenClContractTest extends ContractSuite {
    @Override
    protected MatrixSqrtOp createOp() {
        return OpenClAvailability.open(() -> MatrixSqrtOps.load("opencl"));
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
