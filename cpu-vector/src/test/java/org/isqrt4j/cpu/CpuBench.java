package org.isqrt4j.cpu;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * A rough timing harness, not a test (JMH lives in the bench module): single-thread GFLOP/s of the GEMM kernel
 * (2 d^3 flops per product), whole-layer samples/s on the workloads, and bytes allocated per steady-state
 * forward+backward call. Run from the module folder after test-compile:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$HOME/.m2/repository/org/isqrt4j/isqrt4j-api/0.1.0/isqrt4j-api-0.1.0.jar org.isqrt4j.cpu.CpuBench [gemm|layer|alloc|loop|all] [threads] [workload]
 * </pre>
 * {@code loop} runs W1 (or the named workload) forward+backward for a minute, for a profiler to sample.
 */
public final class CpuBench {
    /** name, B, d, n: the workloads (K = 5). */
    private static final Object[][] WORKLOADS = {
        {"W1", 32, 256, 196}, {"W2", 128, 64, 49}, {"W3", 8, 256, 784}, {"W4", 4, 1024, 196},
    };

    private CpuBench() {
    }

    /** @param args what to run, then the layer's thread count, then optionally one workload name */
    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "all";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        String only = args.length > 2 ? args[2] : null;
        Kernels kn = VectorSupport.vectorKernels() != null ? VectorSupport.vectorKernels() : ScalarKernels.INSTANCE;
        System.out.println("JDK " + Runtime.version() + ", kernels " + kn.name());
        if (what.equals("gemm") || what.equals("all")) {
            for (int d : new int[] {64, 128, 256, 512, 1024, 2048}) {
                gemm(kn, d);
            }
        }
        for (Object[] w : WORKLOADS) {
            if (only != null && !only.equals(w[0])) {
                continue;
            }
            if (what.equals("layer") || what.equals("all")) {
                layer((String) w[0], (Integer) w[1], (Integer) w[2], (Integer) w[3], threads, 3);
            }
            if (what.equals("loop")) {
                layer((String) w[0], (Integer) w[1], (Integer) w[2], (Integer) w[3], threads, 15);
            }
            if (what.equals("alloc")) {
                alloc((String) w[0], (Integer) w[1], (Integer) w[2], (Integer) w[3]);
            }
        }
    }

    static void gemm(Kernels kn, int d) {
        SplittableRandom r = new SplittableRandom(1);
        float[] a = GemmTest.random(r, d * d);
        float[] b = GemmTest.random(r, d * d);
        float[] c = new float[d * d];
        double flops = 2.0 * d * d * d;
        int reps = (int) Math.max(3, 2e9 / flops);
        double best = 0;
        double bestCpu = 0;
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 7; round++) {
            long t0 = System.nanoTime();
            long u0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                kn.gemm(d, d, d, 1f, a, 0, d, b, 0, d, 0f, null, 0, 0, c, 0, d, false);
            }
            double s = (System.nanoTime() - t0) * 1e-9;
            double u = (mx.getCurrentThreadCpuTime() - u0) * 1e-9;
            best = Math.max(best, flops * reps / s / 1e9);
            bestCpu = Math.max(bestCpu, flops * reps / u / 1e9);
        }
        // Thread CPU time leaves out the time the thread waited for a core: on a shared machine it is the figure
        // to compare kernels by (the wall-clock one is what a user sees on a quiet one).
        System.out.printf("gemm %-20s d=%5d  %.1f GFLOP/s wall, %.1f per thread CPU second (best of 7 rounds x %d "
                + "products)%n", kn.name(), d, best, bestCpu, reps);
    }

    /** Effective flops of one sample, the straightforward count. */
    static double effectiveFlops(int d, int n, int k, boolean backward) {
        double cov = 2.0 * d * d * n;
        double prod = 2.0 * d * d * d;
        return backward ? 2 * cov + (3 * k - 3 + 10 * k - 12) * prod : cov + (3 * k - 3) * prod;
    }

    static void layer(String name, int batch, int d, int n, int threads, double seconds) {
        SqrtOptions opts = SqrtOptions.of(5, OutputLayout.FULL);
        SplittableRandom r = new SplittableRandom(2);
        float[] x = GemmTest.random(r, batch * d * n);
        float[] out = new float[batch * d * d];
        float[] g = GemmTest.random(r, batch * d * d);
        float[] gx = new float[batch * d * n];
        try (CpuMatrixSqrtOp op = CpuMatrixSqrtOp.vectorAvailable() ? CpuMatrixSqrtOp.vector(threads)
                : CpuMatrixSqrtOp.scalar(threads)) {
            long warm = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < warm) {
                op.backward(op.forward(batch, d, n, opts, x, 0, out, 0), g, 0, gx, 0);
            }
            double fwd = 0;
            double both = 0;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            int rounds = 0;
            while (rounds < 6 || System.nanoTime() < end) {
                long t0 = System.nanoTime();
                ForwardHandle h = op.forward(batch, d, n, opts, x, 0, out, 0);
                long t1 = System.nanoTime();
                op.backward(h, g, 0, gx, 0);
                long t2 = System.nanoTime();
                h.close();
                fwd = Math.max(fwd, batch / ((t1 - t0) * 1e-9));
                both = Math.max(both, batch / ((t2 - t0) * 1e-9));
                rounds++;
            }
            System.out.printf("layer %s %s threads=%d B=%d d=%d n=%d K=5: forward %.1f samples/s (%.1f GFLOP/s eff), "
                            + "forward+backward %.1f samples/s (%.1f GFLOP/s eff), best of %d%n",
                    name, op.name(), threads, batch, d, n, fwd, fwd * effectiveFlops(d, n, 5, false) / 1e9,
                    both, both * effectiveFlops(d, n, 5, true) / 1e9, rounds);
        }
    }

    /** Bytes the calling thread allocates per steady-state forward+backward (one thread, reused outputs). */
    static void alloc(String name, int batch, int d, int n) {
        SqrtOptions opts = SqrtOptions.of(5, OutputLayout.FULL);
        SplittableRandom r = new SplittableRandom(2);
        float[] x = GemmTest.random(r, batch * d * n);
        float[] out = new float[batch * d * d];
        float[] g = GemmTest.random(r, batch * d * d);
        float[] gx = new float[batch * d * n];
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        try (CpuMatrixSqrtOp op = CpuMatrixSqrtOp.vectorAvailable() ? CpuMatrixSqrtOp.vector(1)
                : CpuMatrixSqrtOp.scalar(1)) {
            // Long enough for C2 to compile the kernels: interpreted and C1 code box vectors on the heap.
            long warm = System.nanoTime() + 4_000_000_000L;
            while (System.nanoTime() < warm) {
                try (ForwardHandle h = op.forward(batch, d, n, opts, x, 0, out, 0)) {
                    op.backward(h, g, 0, gx, 0);
                }
            }
            int calls = 20;
            long a0 = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < calls; i++) {
                try (ForwardHandle h = op.forward(batch, d, n, opts, x, 0, out, 0)) {
                    op.backward(h, g, 0, gx, 0);
                }
            }
            long a1 = mx.getThreadAllocatedBytes(tid);
            System.out.printf("alloc %s threads=1 B=%d d=%d n=%d: %d bytes per forward+backward call%n",
                    name, batch, d, n, (a1 - a0) / calls);
        }
    }
}
