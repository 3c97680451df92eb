package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.api.Test;

/**
 * Which path runs. The {@code scalar-path} surefire execution starts the JVM without jdk.incubator.vector and
 * sets {@code isqrt4j.expect.scalar=true}; the default execution passes {@code --add-modules}.
 */
class VectorPathTest {
    static final boolean EXPECT_SCALAR = Boolean.getBoolean("isqrt4j.expect.scalar");
    /** Set by the surefire executions that force a narrower species (-XX:UseAVX=2, -XX:MaxVectorSize=16). */
    static final String EXPECT_BITS = System.getProperty("isqrt4j.expect.bits");

    /** The forced-width executions really run the width they are named after (a flag HotSpot ignored would not). */
    @Test
    void vectorWidthIsTheForcedOne() {
        if (EXPECT_SCALAR) {
            assertFalse(CpuMatrixSqrtOp.vectorAvailable());
            return;
        }
        try (CpuMatrixSqrtOp op = CpuMatrixSqrtOp.vector(1)) {
            if (EXPECT_BITS != null) {
                assertEquals("cpu-vector[" + EXPECT_BITS + "-bit]", op.name());
            } else {
                assertTrue(op.name().matches("cpu-vector\\[(128|256|512|1024|2048)-bit]"), op.name());
            }
        }
    }

    @Test
    void detectionMatchesHowTheJvmWasStarted() {
        String old = System.getProperty(MatrixSqrtOps.BACKEND_PROPERTY);
        System.clearProperty(MatrixSqrtOps.BACKEND_PROPERTY);
        try (MatrixSqrtOp op = MatrixSqrtOps.load()) {
            if (EXPECT_SCALAR) {
                assertFalse(CpuMatrixSqrtOp.vectorAvailable());
                assertEquals("cpu-scalar", op.name());
            } else {
                assertTrue(CpuMatrixSqrtOp.vectorAvailable());
                assertTrue(op.name().startsWith("cpu-vector["), op.name());
            }
        } finally {
            if (old != null) {
                System.setProperty(MatrixSqrtOps.BACKEND_PROPERTY, old);
            }
        }
    }

    @Test
    void vectorFactoryAndProviderAgreeWithDetection() {
        CpuVectorProvider p = new CpuVectorProvider();
        if (EXPECT_SCALAR) {
            assertNotNull(p.unavailableReason());
            assertTrue(p.unavailableReason().contains("jdk.incubator.vector"), p.unavailableReason());
            Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> CpuMatrixSqrtOp.vector(1));
            assertTrue(e.getMessage().contains("--add-modules"), e.getMessage());
            assertThrows(Isqrt4jException.class, () -> MatrixSqrtOps.load("cpu-vector"));
        } else {
            assertNull(p.unavailableReason());
            try (CpuMatrixSqrtOp op = CpuMatrixSqrtOp.vector(1)) {
                assertTrue(op.name().matches("cpu-vector\\[\\d+-bit]"), op.name());
            }
        }
    }
}
