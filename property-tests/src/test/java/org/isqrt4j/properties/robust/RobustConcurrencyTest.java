package org.isqrt4j.properties.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.cpu.CpuMatrixSqrtOp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Thread safety and determinism (item 3 of the hardening issue). One op of each back-end is shared by
 * {@value #THREADS} threads running the mixed tasks of {@link Task#mix} for {@code -Disqrt4j.soak.seconds}
 * (default 5) seconds; every result must equal, bit for bit, what the same op computed single-threaded before.
 * Separately: repeated calls are bit-identical, and the CPU back-end's results do not depend on its thread count
 * (its documentation promises it) nor on the kernels (Vector API or scalar).
 */
@DisplayName("Robustness: shared ops, determinism")
class RobustConcurrencyTest {
    static final int THREADS = 8;

    static Stream<String> ids() {
        return RobustBackends.IDS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("8 threads share one op: every result equals the single-threaded one bit for bit")
    void sharedByEightThreads(String id) throws InterruptedException {
        double seconds = Double.parseDouble(System.getProperty("isqrt4j.soak.seconds", "5"));
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            List<Task> tasks = Task.mix(true);
            List<float[]> expected = new ArrayList<>();
            for (Task t : tasks) {
                expected.add(t.run(op));
            }
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            AtomicLong calls = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            long[] perThread = new long[THREADS];
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                int me = i;
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                        int j = me;
                        // Every thread makes at least one pass over all tasks, then runs until the deadline.
                        while (j < me + tasks.size() || System.nanoTime() < deadline) {
                            int ti = j++ % tasks.size();
                            float[] got = tasks.get(ti).run(op);
                            int at = Buf.firstDifference(got, expected.get(ti));
                            if (at >= 0) {
                                failures.add(tasks.get(ti) + " differs at " + at + " on thread " + me);
                            }
                            perThread[me]++;
                            calls.incrementAndGet();
                            if (!failures.isEmpty()) {
                                return;
                            }
                        }
                    } catch (Throwable t) {
                        failures.add("thread " + me + " threw " + t);
                    }
                }, "robust-soak-" + i);
                threads.add(th);
                th.start();
            }
            long t0 = System.nanoTime();
            start.countDown();
            for (Thread th : threads) {
                th.join();
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            System.out.printf("[%s | soak] %d threads, %.1f s: %d tasks run (%.0f/s), per thread %s, %d mismatches%n",
                    op.name(), THREADS, elapsed, calls.get(), calls.get() / elapsed, java.util.Arrays.toString(perThread),
                    failures.size());
            if (!failures.isEmpty()) {
                fail(op.name() + ": " + failures.size() + " failures, first: " + failures.peek());
            }
            for (int i = 0; i < THREADS; i++) {
                assertTrue(perThread[i] >= tasks.size(), "thread " + i + " ran " + perThread[i] + " tasks");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("the same input gives bit-identical output, call after call")
    void repeatedCallsAreBitIdentical(String id) {
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            for (Task t : Task.mix(false)) {
                float[] first = t.run(op);
                for (int rep = 0; rep < 3; rep++) {
                    int at = Buf.firstDifference(first, t.run(op));
                    assertEquals(-1, at, op.name() + " " + t + ": repetition " + rep + " differs at " + at);
                }
            }
        }
    }

    /**
     * The CPU back-end splits samples over threads and, for batches smaller than the thread count, each large
     * product into column strips: neither may change a bit. Also checks the Vector API kernels against the scalar
     * ones, which the class documentation says agree to the last bit.
     */
    @Test
    @DisplayName("cpu-vector: results do not depend on the thread count (1, 2, 3, 8) nor on vector vs scalar kernels")
    void cpuResultsDoNotDependOnTheThreadCount() {
        List<Task> tasks = Task.mix(true);
        List<float[]> base = new ArrayList<>();
        try (CpuMatrixSqrtOp one = CpuMatrixSqrtOp.vector(1)) {
            for (Task t : tasks) {
                base.add(t.run(one));
            }
        }
        List<CpuMatrixSqrtOp> others = List.of(CpuMatrixSqrtOp.vector(2), CpuMatrixSqrtOp.vector(3),
                CpuMatrixSqrtOp.vector(8), CpuMatrixSqrtOp.scalar(1), CpuMatrixSqrtOp.scalar(2));
        try {
            for (CpuMatrixSqrtOp op : others) {
                for (int i = 0; i < tasks.size(); i++) {
                    int at = Buf.firstDifference(base.get(i), tasks.get(i).run(op));
                    assertEquals(-1, at, op + " vs cpu-vector with 1 thread, " + tasks.get(i) + ": differs at " + at);
                }
            }
        } finally {
            others.forEach(CpuMatrixSqrtOp::close);
        }
    }
}
