package org.isqrt4j.opencl;

import java.util.Locale;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.testsupport.RandomData;

/**
 * Throughput numbers for the report (not a unit test; nothing is asserted): GEMM kernel GFLOP/s from profiling
 * events at d = 64, 256, 1024, and whole-layer samples/s (wall clock, transfers included) for B = 32, d = 256,
 * n = 196, K = 5, forward and forward + backward. Run from the module root after {@code mvn test-compile}:
 * <pre>java -cp target/classes:target/test-classes:$JOCL:$API org.isqrt4j.opencl.OpenClMeasure [reps]</pre>
 */
public final class OpenClMeasure {
    private OpenClMeasure() {
    }

    /** @param args optional: timed repetitions of the layer (default 5) */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        try (OpenClMatrixSqrtOp op = new OpenClMatrixSqrtOp()) {
            System.out.println(op.name() + ", GEMM kernels " + op.gemmKernels());
            int[][] gemm = {{64, 64, 20}, {256, 8, 10}, {256, 1, 20}, {1024, 1, 3}}; // d, batch, reps
            for (int[] g : gemm) {
                op.gemmBenchmark(g[0], g[1], 1);
                double best = 0;
                for (int i = 0; i < 3; i++) {
                    best = Math.max(best, op.gemmBenchmark(g[0], g[1], g[2]));
                }
                System.out.printf(Locale.ROOT, "GEMM d=%d batch=%d: %.1f GFLOP/s (best of 3 x %d launches)%n",
                        g[0], g[1], best, g[2]);
            }
            int batch = 32;
            int d = 256;
            int n = 196;
            SqrtOptions opt = SqrtOptions.of(5, OutputLayout.FULL);
            SplittableRandom rnd = new SplittableRandom(1);
            float[] x = RandomData.gaussianFloats(rnd, batch * d * n);
            float[] g = RandomData.gaussianFloats(rnd, batch * d * d);
            float[] out = new float[batch * d * d];
            float[] gx = new float[batch * d * n];
            for (int w = 0; w < 2; w++) {
                try (ForwardHandle h = op.forward(batch, d, n, opt, x, 0, out, 0)) {
                    op.backward(h, g, 0, gx, 0);
                }
            }
            String fwdProfile = "";
            long fwdWall = Long.MAX_VALUE;
            long bothWall = Long.MAX_VALUE;
            long fwdKernel = 0;
            long bwdKernel = 0;
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                ForwardHandle h = op.forward(batch, d, n, opt, x, 0, out, 0);
                long t1 = System.nanoTime();
                long fk = op.lastKernelNanos();
                String fp = op.lastProfile().toString();
                op.backward(h, g, 0, gx, 0);
                long t2 = System.nanoTime();
                h.close();
                if (t2 - t0 < bothWall) {
                    bothWall = t2 - t0;
                    fwdKernel = fk;
                    fwdProfile = fp;
                    bwdKernel = op.lastKernelNanos();
                }
                fwdWall = Math.min(fwdWall, t1 - t0);
            }
            System.out.printf(Locale.ROOT, "layer B=%d d=%d n=%d K=5 forward: %.1f samples/s (%.1f ms wall, best of %d)%n",
                    batch, d, n, batch / (fwdWall / 1e9), fwdWall / 1e6, reps);
            System.out.printf(Locale.ROOT, "layer B=%d d=%d n=%d K=5 forward+backward: %.1f samples/s (%.1f ms wall;"
                    + " kernels %.1f ms forward + %.1f ms backward)%n", batch, d, n, batch / (bothWall / 1e9),
                    bothWall / 1e6, fwdKernel / 1e6, bwdKernel / 1e6);
            System.out.println("forward per kernel (ns): " + fwdProfile);
            System.out.println("last backward per kernel (ns): " + op.lastProfile());
        }
    }
}
