package org.isqrt4j.properties;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.api.DisplayName;

/** The contract on the float64 EJML reference back-end, found through the provider lookup. */
@DisplayName("Contract: reference (float64 EJML)")
class ReferenceContractTest extends ContractSuite {
    @Override
    protected MatrixSqrtOp createOp() {
        return MatrixSqrtOps.load("reference");
    }

    @Override
    protected Tolerances tolerances() {
        return Tolerances.float64Internal();
    }
}
