package org.isqrt4j.properties;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.api.DisplayName;

/** The contract on the CPU back-end's scalar (plain Java) kernels, found through the provider lookup. */
@DisplayName("Contract: cpu-scalar (float32, plain Java)")
class CpuScalarContractTest extends ContractSuite {
    @Override
    protected MatrixSqrtOp createOp() {
        MatrixSqrtOp op = MatrixSqrtOps.load("cpu-scalar");
        Calls.require(op.name().equals("cpu-scalar"), "load(\"cpu-scalar\") gave " + op.name());
        return op;
    }

    @Override
    protected Tolerances tolerances() {
        return Tolerances.float32(1);
    }
}
