package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.Test;

/** Device memory bookkeeping: no growth over many calls, release by close, by the op's close and by the cleaner. */
class ResourceLeakTest {

    @Test
    void tenThousandForwardBackwardCallsLeaveNoBuffersBehind() {
        try (OpenClMatrixSqrtOp op = ClTestSupport.open()) {
            SplittableRandom rnd = new SplittableRandom(1);
            int batch = 2;
            int d = 4;
            int n = 6;
            float[] x = RandomData.gaussianFloats(rnd, batch * d * n);
            float[] g = RandomData.gaussianFloats(rnd, batch * d * d);
            float[] out = new float[batch * d * d];
            float[] gx = new float[batch * d * n];
            float[] gs = new float[batch * d * d];
            int baseline = op.liveBuffers();
            assertEquals(0, baseline, "a fresh op holds no buffers");
            float[] first = null;
            for (int i = 0; i < 10_000; i++) {
                SqrtOptions opt = SqrtOptions.of(1 + i % 3, i % 2 == 0 ? OutputLayout.FULL : OutputLayout.TRIU);
                if (i % 10 == 9) {
                    try (ForwardHandle h = op.sqrtForward(batch, d, opt, out, 0, new float[batch * d * d], 0)) {
                        op.sqrtBackward(h, g, 0, gs, 0);
                    }
                } else {
                    try (ForwardHandle h = op.forward(batch, d, n, opt, x, 0, out, 0)) {
                        assertTrue(op.liveBuffers() > baseline, "an open handle holds its iterates");
                        op.backward(h, g, 0, gx, 0);
                    }
                }
                assertEquals(baseline, op.liveBuffers(), "live buffers after call " + i);
                if (i == 0) {
                    first = gx.clone();
                } else if (i % 6 == 0) {
                    // Same options as call 0 (K = 1, FULL): identical results, so nothing reused stale memory.
                    assertEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(gx), "call " + i);
                }
            }
        }
    }

    @Test
    void closingTheOpReleasesOpenHandles() {
        OpenClMatrixSqrtOp op = ClTestSupport.open();
        float[] x = RandomData.gaussianFloats(new SplittableRandom(2), 3 * 5 * 7);
        ForwardHandle h1 = op.forward(3, 5, 7, SqrtOptions.defaults(), x);
        ForwardHandle h2 = op.sqrtForward(1, 5, SqrtOptions.defaults(), op.covariance(1, 5, 7, x));
        assertTrue(op.liveBuffers() > 0);
        op.close();
        op.close(); // idempotent
        assertEquals(0, op.liveBuffers(), "op.close() released every handle's buffers");
        h1.close(); // still safe, and idempotent
        h1.close();
        h2.close();
        assertThrows(IllegalStateException.class, () -> op.forward(3, 5, 7, SqrtOptions.defaults(), x));
        assertThrows(IllegalStateException.class, () -> op.gemmBenchmark(8, 1, 1));
    }

    @Test
    void unreachableHandlesAreReleasedByTheCleaner() throws InterruptedException {
        try (OpenClMatrixSqrtOp op = ClTestSupport.open()) {
            float[] x = RandomData.gaussianFloats(new SplittableRandom(3), 2 * 6 * 9);
            for (int i = 0; i < 5; i++) {
                op.forward(2, 6, 9, SqrtOptions.defaults(), x); // never closed, dropped at once
            }
            assertTrue(op.liveBuffers() > 0);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (op.liveBuffers() > 0 && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertEquals(0, op.liveBuffers(), "the cleaner released the buffers of unreachable handles");
        }
    }

    @Test
    void closedHandleIsRejected() {
        try (OpenClMatrixSqrtOp op = ClTestSupport.open()) {
            float[] x = RandomData.gaussianFloats(new SplittableRandom(4), 4 * 5);
            ForwardHandle h = op.forward(1, 4, 5, SqrtOptions.defaults(), x);
            h.close();
            assertTrue(h.isClosed());
            assertThrows(IllegalStateException.class, () -> op.backward(h, new float[16]));
            assertEquals(0, op.liveBuffers());
        }
    }
}
