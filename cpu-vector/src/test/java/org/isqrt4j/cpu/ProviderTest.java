package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.MatrixSqrtProvider;
import org.junit.jupiter.api.Test;

/** ServiceLoader registration, priorities and the thread-count property. */
class ProviderTest {

    @Test
    void bothProvidersAreRegistered() {
        List<String> ids = MatrixSqrtOps.providers().stream().map(MatrixSqrtProvider::id).collect(Collectors.toList());
        assertTrue(ids.contains("cpu-vector"), ids.toString());
        assertTrue(ids.contains("cpu-scalar"), ids.toString());
        assertTrue(ids.indexOf("cpu-vector") < ids.indexOf("cpu-scalar"), "vector ranks first: " + ids);
        assertEquals(200, new CpuVectorProvider().priority());
        assertEquals(100, new CpuScalarProvider().priority());
        assertNull(new CpuScalarProvider().unavailableReason());
    }

    @Test
    void forcedScalarBackend() {
        try (MatrixSqrtOp op = MatrixSqrtOps.load("cpu-scalar")) {
            assertEquals("cpu-scalar", op.name());
            assertEquals(Runtime.getRuntime().availableProcessors(), ((CpuMatrixSqrtOp) op).threads());
        }
    }

    @Test
    void threadsPropertyOverridesTheDefault() {
        String old = System.getProperty(CpuMatrixSqrtOp.THREADS_PROPERTY);
        try {
            System.setProperty(CpuMatrixSqrtOp.THREADS_PROPERTY, "3");
            try (CpuMatrixSqrtOp op = (CpuMatrixSqrtOp) new CpuScalarProvider().create()) {
                assertEquals(3, op.threads());
            }
            System.setProperty(CpuMatrixSqrtOp.THREADS_PROPERTY, "zero");
            Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> new CpuScalarProvider().create());
            assertTrue(e.getMessage().contains(CpuMatrixSqrtOp.THREADS_PROPERTY), e.getMessage());
            System.setProperty(CpuMatrixSqrtOp.THREADS_PROPERTY, "0");
            assertThrows(Isqrt4jException.class, () -> new CpuScalarProvider().create());
        } finally {
            if (old == null) {
                System.clearProperty(CpuMatrixSqrtOp.THREADS_PROPERTY);
            } else {
                System.setProperty(CpuMatrixSqrtOp.THREADS_PROPERTY, old);
            }
        }
    }
}
