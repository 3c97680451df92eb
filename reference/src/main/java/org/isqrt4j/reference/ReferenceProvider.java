package org.isqrt4j.reference;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtProvider;

/**
 * Registers the float64 EJML reference ({@code reference}) with {@link java.util.ServiceLoader}. Always available,
 * lowest priority (0): it is chosen automatically only when nothing faster is present. Stateless and thread-safe.
 */
public final class ReferenceProvider implements MatrixSqrtProvider {
    /** Public no-argument constructor, as {@link java.util.ServiceLoader} requires. */
    public ReferenceProvider() {
    }

    @Override
    public String id() {
        return "reference";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public MatrixSqrtOp create() {
        return new ReferenceMatrixSqrtOp();
    }
}
