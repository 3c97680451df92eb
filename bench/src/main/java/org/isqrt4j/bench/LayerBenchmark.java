package org.isqrt4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH benchmark of the whole layer: one operation is one batch, forward or forward+backward (the backward runs
 * from dL/dC all the way back to dL/dX). Throughput in batches per second; the report multiplies by B.
 * Setup checks the contender once against the float64 reference and fails the benchmark if it is wrong.
 */
@State(Scope.Benchmark)
public class LayerBenchmark {
    /** Mode value for the forward alone. */
    public static final String FORWARD = "forward";
    /** Mode value for forward then backward. */
    public static final String FORWARD_BACKWARD = "forward+backward";

    /** Contender id (see {@link Backends}). */
    @Param("cpu-vector")
    public String backend;

    /** Workload name (see {@link Workload}). */
    @Param("small")
    public String workload;

    /** {@value #FORWARD} or {@value #FORWARD_BACKWARD}. */
    @Param(FORWARD)
    public String mode;

    /** Pool size of the CPU contenders. */
    @Param("2")
    public int threads;

    /** Batch size; 0 means the workload's own B. */
    @Param("0")
    public int batch;

    private LayerRunner runner;
    private boolean backward;
    private float[] x;
    private float[] g;
    private float[] out;
    private float[] gx;

    /**
     * @param backend contender id  @param workload name  @param mode mode  @param threads pool size
     * @param batch batch size actually used
     * @return the key of the benchmark's {@link Trial}
     */
    public static String key(String backend, String workload, String mode, int threads, int batch) {
        return String.format(Locale.ROOT, "layer-%s-%s-%s-t%d-b%d", backend, workload, mode, threads, batch);
    }

    /** Builds the contender and the data, and checks the result once. */
    @Setup(Level.Trial)
    public void setUp() {
        Workload w = Workload.byId(workload);
        int b = batch > 0 ? batch : w.batch();
        if (!mode.equals(FORWARD) && !mode.equals(FORWARD_BACKWARD)) {
            throw new IllegalArgumentException("mode must be '" + FORWARD + "' or '" + FORWARD_BACKWARD + "', got " + mode);
        }
        backward = mode.equals(FORWARD_BACKWARD);
        String key = key(backend, w.id(), mode, threads, b);
        try {
            x = Checks.input(b, w.d(), w.n(), 0);
            g = Checks.gradient(b, w.d(), 0);
            out = new float[b * w.d() * w.d()];
            gx = new float[b * w.d() * w.n()];
            runner = Backends.create(backend, threads, b, w.d(), w.n(), w.iterations());
            double err = Checks.verify(backend, runner, threads, b, w.d(), w.n(), w.iterations(), backward, x, g);
            Trial.save(key, Trial.passed(err, runner.describe()));
        } catch (RuntimeException | Error e) {
            Trial.save(key, Trial.failed(e));
            if (runner != null) {
                runner.close();
                runner = null;
            }
            throw e;
        }
    }

    /** @return the output C (forward) or dL/dX (forward+backward), consumed by JMH */
    @Benchmark
    public float[] layer() {
        runner.forward(x, out);
        float[] r = out;
        if (backward) {
            runner.backward(g, gx);
            r = gx;
        }
        cpuTimeWindow();
        return r;
    }

    private static final java.lang.management.OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();
    private long cpuStart = -1;
    private long batches;
    private long cpuLast;

    /**
     * Batches per process CPU nanosecond, from the first timed batch of the trial to the last (the process CPU
     * clock can be coarse, and short windows gave quantised ratios): multiplied by B and the thread count it is
     * the samples/s the contender would reach with that many cores to itself, which on a shared machine the
     * wall-clock score cannot show. Optimistic for a contender that leaves cores idle (waiting costs no CPU time),
     * pessimistic by the JIT and JMH threads' share; only comparable between contenders that keep every thread
     * busy, as the batch-parallel CPU ones do.
     */
    private void cpuTimeWindow() {
        if (!(OS instanceof com.sun.management.OperatingSystemMXBean)) {
            return;
        }
        long now = ((com.sun.management.OperatingSystemMXBean) OS).getProcessCpuTime();
        if (cpuStart < 0) {
            cpuStart = now;
            return;
        }
        batches++;
        cpuLast = now;
    }

    /** Adds the CPU-time rate (samples per process CPU second x threads) to the trial; releases the contender. */
    @TearDown(Level.Trial)
    public void tearDown() {
        Workload w = Workload.byId(workload);
        int b = batch > 0 ? batch : w.batch();
        if (batches >= 2 && cpuLast > cpuStart) {
            double perNs = (double) batches / (cpuLast - cpuStart);
            Trial.update(key(backend, w.id(), mode, threads, b), t -> t.withCpuRate(perNs * 1e9 * b * threads));
        }
        if (runner != null) {
            runner.close();
            runner = null;
        }
    }
}
