package org.isqrt4j.cpu;

import java.util.SplittableRandom;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * A rough timing harness, not a test (JMH lives in the bench module): single-thread GFLOP/s of the GEMM kernel
 * (2 d^3 flops per product) and whole-layer samples/s. Run from the module folder after test-compile:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$HOME/.m2/repository/org/isqrt4j/isqrt4j-api/0.1.0/isqrt4j-api-0.1.0.jar org.isqrt4j.cpu.CpuBench [gemm|layer|all] [threads]
 * </pre>
 */
public final class CpuBench {
    private CpuBench() {
    }

    /** @param args what to run, then the layer's thread count */
    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "all";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        Kernels kn = VectorSupport.vectorKernels() != null ? VectorSupport.vectorKernels() : ScalarKernels.INSTANCE;
        System.out.println("JDK " + Runtime.version() + ", kernels " + kn.name());
        if (what.equals("gemm") || what.equals("all")) {
            for (int d : new int[] {64, 256, 1024}) {
                gemm(kn, d);
            }
            if (kn != ScalarKernels.INSTANCE && what.equals("all")) {
                gemm(ScalarKernels.INSTANCE, 256);
            }
        }
        if (what.equals("layer") || what.equals("all")) {
            layer(threads);
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
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                kn.gemm(d, d, d, 1f, a, 0, d, b, 0, d, 0f, null, 0, 0, c, 0, d, false);
            }
            double s = (System.nanoTime() - t0) * 1e-9;
            best = Math.max(best, flops * reps / s / 1e9);
        }
        System.out.printf("gemm %-20s d=%5d  %.1f GFLOP/s (best of 5 rounds x %d products)%n", kn.name(), d, best, reps);
    }

    static void layer(int threads) {
        int batch = 32;
        int d = 256;
        int n = 196;
        SqrtOptions opts = SqrtOptions.of(5, OutputLayout.FULL);
        SplittableRandom r = new SplittableRandom(2);
        float[] x = GemmTest.random(r, batch * d * n);
        float[] out = new float[batch * d * d];
        float[] g = GemmTest.random(r, batch * d * d);
        float[] gx = new float[batch * d * n];
        try (CpuMatrixSqrtOp op = CpuMatrixSqrtOp.vectorAvailable() ? CpuMatrixSqrtOp.vector(threads)
                : CpuMatrixSqrtOp.scalar(threads)) {
            double fwd = 0;
            double both = 0;
            for (int round = 0; round < 12; round++) {
                long t0 = System.nanoTime();
                ForwardHandle h = op.forward(batch, d, n, opts, x, 0, out, 0);
                long t1 = System.nanoTime();
                op.backward(h, g, 0, gx, 0);
                long t2 = System.nanoTime();
                h.close();
                fwd = Math.max(fwd, batch / ((t1 - t0) * 1e-9));
                both = Math.max(both, batch / ((t2 - t0) * 1e-9));
            }
            System.out.printf("layer %s threads=%d B=%d d=%d n=%d K=5: forward %.1f samples/s, forward+backward %.1f samples/s%n",
                    op.name(), threads, batch, d, n, fwd, both);
        }
    }
}
