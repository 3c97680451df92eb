package org.isqrt4j.properties.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.opencl.OpenClMatrixSqrtOp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Resources (item 4 of the hardening issue): closing an op releases its threads and device memory and makes
 * every later call throw IllegalStateException; closed handles are rejected the same way; and a long run of
 * mixed calls ({@code -Disqrt4j.soak.calls}, default 5000), rejected ones included, grows neither the heap (after
 * GC), nor direct memory, nor the live OpenCL buffers, nor the thread count.
 */
@DisplayName("Robustness: resources")
class ResourceTest {
    private static final SqrtOptions OPT = SqrtOptions.defaults();

    static Stream<String> ids() {
        return RobustBackends.IDS.stream();
    }

    /**
     * @return the live device buffers of an OpenCL op; null for the other back-ends, which hold no device or native
     *         buffers at all, so that no buffer check is claimed where none can fail (their heap, direct memory and
     *         threads are checked instead)
     */
    private static IntSupplier liveBuffers(MatrixSqrtOp op) {
        return op instanceof OpenClMatrixSqrtOp ? ((OpenClMatrixSqrtOp) op)::liveBuffers : null;
    }

    /** @return live threads of the CPU back-ends' pools */
    private static int cpuPoolThreads() {
        int c = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("isqrt4j-cpu-")) {
                c++;
            }
        }
        return c;
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (!cond.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("close() releases threads and device buffers; every later call throws IllegalStateException")
    void closeReleasesEverythingAndLaterCallsThrow(String id) throws InterruptedException {
        int threadsBefore = cpuPoolThreads();
        MatrixSqrtOp op = RobustBackends.open(id);
        IntSupplier live = liveBuffers(op);
        float[] x = Num.gaussian(new SplittableRandom(1), 4 * 20 * 30, 1);
        float[] g = Num.gaussian(new SplittableRandom(2), 4 * 20 * 20, 1);
        ForwardHandle layer = op.forward(4, 20, 30, OPT, x);
        float[] sigma = op.covariance(4, 20, 30, x);
        ForwardHandle sqrt = op.sqrtForward(4, 20, OPT, sigma);
        op.backward(layer, g);
        if (live != null) {
            assertTrue(live.getAsInt() > 0, "open handles hold device buffers");
        }
        op.close();
        op.close(); // idempotent
        if (live != null) {
            assertEquals(0, live.getAsInt(), "no device buffer outlives the op");
        }
        float[] out = new float[4 * 400];
        List<Executable> calls = List.of(
                () -> op.covariance(4, 20, 30, x),
                () -> op.covariance(4, 20, 30, x, 0, out, 0),
                () -> op.covarianceBackward(4, 20, 30, x, g),
                () -> op.forward(4, 20, 30, OPT, x),
                () -> op.forward(4, 20, 30, OPT, x, 0, out, 0),
                () -> op.sqrtForward(4, 20, OPT, sigma),
                () -> op.backward(layer, g),
                () -> op.backward(layer, g, 0, new float[x.length], 0),
                () -> op.sqrtBackward(sqrt, g),
                () -> op.sqrtBackward(sqrt, g, 0, out, 0));
        for (int i = 0; i < calls.size(); i++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, calls.get(i), "call " + i + " after close");
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        layer.close(); // still safe after the op is gone, and idempotent
        layer.close();
        sqrt.close();
        if (id.startsWith("cpu")) {
            waitFor(() -> cpuPoolThreads() <= threadsBefore, 10_000);
            assertTrue(cpuPoolThreads() <= threadsBefore, "pool threads after close: " + cpuPoolThreads()
                    + " (before the op: " + threadsBefore + ")");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("handles are closeable; a backward on a closed handle throws IllegalStateException")
    void closedHandlesAreRejected(String id) {
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            IntSupplier live = liveBuffers(op);
            int before = live == null ? 0 : live.getAsInt();
            float[] x = Num.gaussian(new SplittableRandom(3), 3 * 8 * 11, 1);
            float[] g = Num.gaussian(new SplittableRandom(4), 3 * 64, 1);
            ForwardHandle layer = op.forward(3, 8, 11, OPT, x);
            ForwardHandle sqrt = op.sqrtForward(3, 8, OPT, op.covariance(3, 8, 11, x));
            float[] first = op.backward(layer, g);
            assertEquals(-1, Buf.firstDifference(first, op.backward(layer, g)), "a handle serves several backwards");
            layer.close();
            sqrt.close();
            assertTrue(layer.isClosed() && sqrt.isClosed());
            layer.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> op.backward(layer, g));
            assertThrows(IllegalStateException.class, () -> op.backward(layer, g, 0, new float[x.length], 0));
            assertThrows(IllegalStateException.class, () -> op.sqrtBackward(sqrt, g));
            if (live != null) {
                assertEquals(before, live.getAsInt(), "closing the handles released their device buffers");
            }
            // The op itself stays usable.
            try (ForwardHandle again = op.forward(3, 8, 11, OPT, x)) {
                assertEquals(-1, Buf.firstDifference(first, op.backward(again, g)));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("a long run of mixed calls (rejected ones included) grows no heap, direct memory, buffers or threads")
    void longRunDoesNotGrow(String id) throws InterruptedException {
        int calls = Integer.getInteger("isqrt4j.soak.calls", 5000);
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            IntSupplier live = liveBuffers(op);
            SplittableRandom r = new SplittableRandom(5);
            float[][] xs = new float[4][];
            int[][] shapes = {{4, 16, 20}, {1, 33, 40}, {2, 1, 1}, {3, 9, 5}};
            for (int i = 0; i < 4; i++) {
                xs[i] = Num.gaussian(r, shapes[i][0] * shapes[i][1] * shapes[i][2], 1);
            }
            float[] huge = RobustChecks.times(xs[0], 70); // its covariance overflows: a call rejected after device work
            float[] g = Num.gaussian(r, 4 * 33 * 40, 1);
            int warmup = Math.max(100, calls / 10);
            Snapshot before = null;
            long t0 = 0;
            int maxLive = 0;
            int rejected = 0;
            for (int i = 0; i < warmup + calls; i++) {
                if (i == warmup) {
                    before = Snapshot.take(live);
                    t0 = System.nanoTime();
                }
                int[] s = shapes[i % 4];
                float[] x = xs[i % 4];
                OutputLayout layout = (i / 4) % 2 == 0 ? OutputLayout.FULL : OutputLayout.TRIU;
                SqrtOptions opt = SqrtOptions.of(1 + i % 6, layout);
                switch ((i / 8) % 5) {
                    case 0 -> {
                        try (ForwardHandle h = op.forward(s[0], s[1], s[2], opt, x)) {
                            op.backward(h, g, 0, new float[x.length], 0);
                        }
                    }
                    case 1 -> {
                        try (ForwardHandle h = op.sqrtForward(s[0], s[1], opt, op.covariance(s[0], s[1], s[2], x))) {
                            op.sqrtBackward(h, g);
                        }
                    }
                    case 2 -> op.covarianceBackward(s[0], s[1], s[2], x, g);
                    case 3 -> {
                        try {
                            op.covariance(4, 16, 20, huge);
                            throw new AssertionError("the covariance of features at 2^70 must be rejected");
                        } catch (IllegalArgumentException expected) {
                            rejected++;
                        }
                    }
                    default -> {
                        ForwardHandle h = op.forward(s[0], s[1], s[2], opt, x);
                        h.close();
                        try {
                            op.backward(h, g);
                            throw new AssertionError("closed handle accepted");
                        } catch (IllegalStateException expected) {
                            rejected++;
                        }
                    }
                }
                if (live != null) {
                    maxLive = Math.max(maxLive, live.getAsInt());
                    if (live.getAsInt() != 0) {
                        throw new AssertionError("call " + i + " left " + live.getAsInt() + " device buffers behind");
                    }
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Snapshot after = Snapshot.take(live);
            System.out.printf("[%s | long run] %d calls (+%d warm-up, %d rejected) in %.1f s: heap after GC %.1f -> %.1f MiB,"
                            + " direct %d -> %d bytes (%d -> %d buffers), live OpenCL buffers %s,"
                            + " threads %d -> %d%n",
                    op.name(), calls, warmup, rejected, secs, before.heap / 1048576.0, after.heap / 1048576.0,
                    before.direct, after.direct, before.directCount, after.directCount,
                    live == null ? "none (no device buffers)"
                            : before.live + " -> " + after.live + " (max between calls " + maxLive + ")",
                    before.threads, after.threads);
            assertTrue(after.heap - before.heap < 16L << 20, "heap grew by " + (after.heap - before.heap) + " bytes");
            assertTrue(after.direct - before.direct < 1L << 20, "direct memory grew by " + (after.direct - before.direct));
            if (live != null) {
                assertEquals(0, after.live, "live OpenCL buffers");
            }
            assertTrue(after.threads <= before.threads + 2, "threads grew from " + before.threads + " to " + after.threads);
            assertFalse(rejected == 0, "the run includes rejected calls");
        }
    }

    /**
     * Heap used after GC, direct buffer memory, live device buffers (-1: the back-end has none) and live threads
     * at one moment.
     */
    private record Snapshot(long heap, long direct, long directCount, int live, int threads) {
        static Snapshot take(IntSupplier live) throws InterruptedException {
            long heap = Long.MAX_VALUE;
            // The smallest of a few collections: a concurrent collector may still be finishing the first one.
            for (int i = 0; i < 4; i++) {
                System.gc();
                Thread.sleep(50);
                heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            }
            long direct = 0;
            long count = 0;
            for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (p.getName().equals("direct")) {
                    direct = p.getMemoryUsed();
                    count = p.getCount();
                }
            }
            return new Snapshot(heap, direct, count, live == null ? -1 : live.getAsInt(), Thread.activeCount());
        }
    }
}
