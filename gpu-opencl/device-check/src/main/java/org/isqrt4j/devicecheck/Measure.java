package org.isqrt4j.devicecheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.opencl.OpenClMatrixSqrtOp;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.OpenClCases;
import org.isqrt4j.testsupport.RandomData;

/**
 * Throughput of one op: the batched GEMM kernel alone (kernel time from the queue's profiling events, and wall time
 * per launch) and the whole layer on the workloads W1-W4 (samples/s from wall time, transfers and host work
 * included, like the bench report's rows; kernel time beside it).
 */
final class Measure {
    /** The bench report's workloads: id, d, n (K = 5); the batch comes from the plan. */
    static final String[] WORKLOAD_IDS = {"imagenet", "small", "finegrained", "wide"};
    static final int[][] WORKLOAD_DN = {{256, 196}, {64, 49}, {256, 784}, {1024, 196}};
    static final int[] ISSUE_BATCH = {32, 128, 8, 4};
    static final int K = 5;

    private Measure() {
    }

    /**
     * The bench report's flop count (bench's Flops.perSample): covariance 2 d^2 n each way, 2 d^3 per product, 3K-3
     * products forward and 10K-12 backward.
     *
     * @param d channels  @param n positions  @param k iterations  @param backward with the backward
     * @return flops per sample
     */
    static double flopsPerSample(int d, int n, int k, boolean backward) {
        double cube = 2.0 * d * d * d;
        double cov = 2.0 * d * d * n;
        double f = cov + (k == 1 ? 1 : 3 * k - 3) * cube;
        if (backward) {
            f += cov + (k == 1 ? 2 : 10 * k - 12) * cube;
        }
        return f;
    }

    /**
     * @param target flops one launch should do
     * @param cap    largest batch
     * @param d      size
     * @return the batch of the GEMM measurement at size d: target / (2 d^3), within [1, cap]
     */
    static int gemmBatch(double target, int cap, int d) {
        return (int) Math.max(1, Math.min(cap, target / (2.0 * d * d * d)));
    }

    /**
     * Measures the GEMM kernel at one size: the kernel GFLOP/s is the best of three runs of {@code reps} launches
     * (profiling events); the wall time per launch is (wall(reps) - wall(1)) / (reps - 1) around the same entry point,
     * which cancels its fixed costs (buffer set-up, upload, the warm-up launch).
     *
     * @return a row in the bench report's GEMM format, plus batch, kernel and wall-time fields
     */
    static Map<String, Object> gemm(OpenClMatrixSqrtOp op, DeviceInfo dev, String kernel, double peak, int d, int batch,
                                    double seconds) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("backend", dev.id() + "/" + kernel);
        row.put("d", d);
        row.put("threads", "device");
        try {
            double first = op.gemmBenchmark(d, batch, 1);
            double perLaunch = 2.0 * d * d * d * batch / (Math.max(first, 1e-3) * 1e9);
            int reps = (int) Math.max(3, Math.min(2000, seconds / 3 / perLaunch));
            long w1 = Long.MAX_VALUE;
            long wr = Long.MAX_VALUE;
            double best = 0;
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                op.gemmBenchmark(d, batch, 1);
                long t1 = System.nanoTime();
                best = Math.max(best, op.gemmBenchmark(d, batch, reps));
                long t2 = System.nanoTime();
                w1 = Math.min(w1, t1 - t0);
                wr = Math.min(wr, t2 - t1);
            }
            double wallPerLaunch = Math.max(1, wr - w1) / 1e9 / (reps - 1);
            double wallGflops = 2.0 * d * d * d * batch / wallPerLaunch / 1e9;
            row.put("gflops", best);
            row.put("fraction_of_peak", Double.isFinite(peak) ? best / peak : null);
            row.put("error_pct", null);
            row.put("status", "ok");
            row.put("description", "batch " + batch + " per launch, kernel " + op.gemmKernels() + "; best of 3 x " + reps
                    + " launches, kernel time from profiling events; wall " + fmt(wallGflops) + " GFLOP/s");
            row.put("batch", batch);
            row.put("kernel", kernel);
            row.put("gflops_wall", wallGflops);
            row.put("wall_us_per_launch", wallPerLaunch * 1e6);
            row.put("reps", reps);
        } catch (RuntimeException e) {
            row.put("gflops", null);
            row.put("status", "FAILED: " + e);
            row.put("batch", batch);
            row.put("kernel", kernel);
        }
        return row;
    }

    /**
     * Measures the layer on one workload, forward and forward + backward, K = 5, FULL output, with reps repeated until
     * {@code seconds} have passed (at least {@code minReps}); the median wall time gives samples/s.
     *
     * @param withError whether to compute the forward's error on sample 0 against the float64 reference
     * @param warmUp    whether one untimed forward + backward runs first (JIT, device clocks, kernel caches)
     * @return two rows in the bench report's layer format (forward, forward+backward), plus timing detail
     */
    static List<Map<String, Object>> layer(OpenClMatrixSqrtOp op, DeviceInfo dev, String kernel, double peak, int w,
                                           int batch, double seconds, int minReps, boolean withError,
                                           boolean warmUp) {
        int d = WORKLOAD_DN[w][0];
        int n = WORKLOAD_DN[w][1];
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> fwd = base(op, dev, kernel, w, batch, "forward");
        Map<String, Object> both = base(op, dev, kernel, w, batch, "forward+backward");
        rows.add(fwd);
        rows.add(both);
        try {
            SplittableRandom rnd = new SplittableRandom(17 + w);
            float[] x = OpenClCases.input(rnd, batch, d, n);
            float[] g = RandomData.gaussianFloats(rnd, batch * d * d);
            float[] out = new float[batch * d * d];
            float[] gx = new float[batch * d * n];
            SqrtOptions opt = SqrtOptions.of(K, OutputLayout.FULL);
            if (warmUp) {
                try (ForwardHandle h = op.forward(batch, d, n, opt, x, 0, out, 0)) {
                    op.backward(h, g, 0, gx, 0);
                }
            }
            List<long[]> t = new ArrayList<>(); // fwd wall, bwd wall, fwd kernel, bwd kernel, fwd transfer, bwd transfer
            long start = System.nanoTime();
            while (t.size() < minReps || (System.nanoTime() - start) / 1e9 < seconds) {
                long t0 = System.nanoTime();
                ForwardHandle h = op.forward(batch, d, n, opt, x, 0, out, 0);
                long t1 = System.nanoTime();
                long fk = op.lastKernelNanos();
                long ft = op.lastTransferNanos();
                op.backward(h, g, 0, gx, 0);
                long t2 = System.nanoTime();
                h.close();
                t.add(new long[] {t1 - t0, t2 - t1, fk, op.lastKernelNanos(), ft, op.lastTransferNanos()});
                if (t.size() >= 1000) {
                    break;
                }
            }
            double fwdWall = median(t, 0);
            double bothWall = median(t, 0, 1);
            Double err = null;
            if (withError) {
                double[] want = ReferenceMath.layerForward(Dense.toDouble(x, 0, d * n), d, n, K);
                err = 100 * ErrorNorms.relErr(out, 0, want);
            }
            fill(fwd, batch / (fwdWall / 1e9), d, n, false, peak, err, t.size(), fwdWall, median(t, 2), median(t, 4));
            fill(both, batch / (bothWall / 1e9), d, n, true, peak, err, t.size(), bothWall, median(t, 2, 3),
                    median(t, 4, 5));
        } catch (RuntimeException | OutOfMemoryError e) {
            for (Map<String, Object> r : rows) {
                r.put("status", "FAILED: " + e);
            }
        }
        return rows;
    }

    private static Map<String, Object> base(OpenClMatrixSqrtOp op, DeviceInfo dev, String kernel, int w, int batch, String mode) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", dev.id() + "/" + kernel);
        m.put("workload", WORKLOAD_IDS[w]);
        m.put("batch", batch);
        m.put("d", WORKLOAD_DN[w][0]);
        m.put("n", WORKLOAD_DN[w][1]);
        m.put("iterations", K);
        m.put("mode", mode);
        m.put("samples_per_s", null);
        m.put("samples_per_s_error", null);
        m.put("gflops", null);
        m.put("fraction_of_peak", null);
        m.put("speedup_vs_isqrt_openblas", null);
        m.put("speedup_vs_eig_ejml", null);
        m.put("error_pct", null);
        m.put("alloc_bytes_per_batch", null);
        m.put("status", "ok");
        m.put("description", dev.name + " (" + dev.platformName + "), GEMM kernel " + kernel
                + "; median wall time per batch, transfers included");
        m.put("gemm_kernels", op.gemmKernels());
        m.put("kernel", kernel);
        return m;
    }

    private static void fill(Map<String, Object> m, double samples, int d, int n, boolean backward, double peak,
                             Double err, int reps, double wallNs, double kernelNs, double transferNs) {
        double gflops = samples * flopsPerSample(d, n, K, backward) / 1e9;
        m.put("samples_per_s", samples);
        m.put("gflops", gflops);
        m.put("fraction_of_peak", Double.isFinite(peak) ? gflops / peak : null);
        m.put("error_pct", err);
        m.put("reps", reps);
        m.put("wall_ms", wallNs / 1e6);
        m.put("kernel_ms", kernelNs / 1e6);
        m.put("transfer_ms", transferNs / 1e6);
    }

    /** @return the median over rows of the sum of the given columns */
    private static double median(List<long[]> t, int... cols) {
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) {
            for (int c : cols) {
                v[i] += t.get(i)[c];
            }
        }
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return String.format(java.util.Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.3g", v);
    }
}
