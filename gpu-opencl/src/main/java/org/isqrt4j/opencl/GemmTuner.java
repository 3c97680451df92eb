package org.isqrt4j.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.isqrt4j.opencl.GemmRoutine.Output;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.cl_mem;

/**
 * The GEMM autotuning pass (the {@code tuned} choice of {@code isqrt4j.opencl.gemm}, the default on GPUs): times
 * every GEMM kernel the device accepted and keeps the fastest for small and for large products, and decides whether
 * the small-d Newton-Schulz steps run fused. {@link ClRuntime} runs it once per device and JVM.
 */
final class GemmTuner {
    private GemmTuner() {
    }

    /**
     * The autotuning pass: times every available GEMM kernel on the device, C_b = A_b^T B_b (the Newton-Schulz
     * products' form) at d = 64 and d = 256, one warm-up and three timed launches each (profiling events), and keeps
     * the fastest per size class. Batches: 256 and 32 on GPUs (a launch of 0.13-1 GFLOP, well above launch overhead),
     * 8 and 2 elsewhere (tuning is only the default on GPUs). About 10 ms of device time on a GPU, after the build.
     *
     * @return {small winner, large winner, description with the timings}
     */
    static String[] tune(ClRuntime rt, Map<String, GemmRoutine.Variant> variants) {
        String[] best = new String[2];
        StringBuilder why = new StringBuilder();
        int[][] problems = rt.device.gpu() ? new int[][] {{64, 256}, {256, 32}} : new int[][] {{64, 8}, {256, 2}};
        for (int p = 0; p < 2; p++) {
            int d = problems[p][0];
            int batch = problems[p][1];
            int ld = d + 16;
            int per = d * ld;
            long total = (long) batch * per;
            cl_mem a = rt.alloc(total);
            cl_mem b = rt.alloc(total);
            cl_mem c = rt.alloc(total);
            try {
                float[] zeros = new float[(int) total];
                rt.write(a, zeros, 0, zeros.length);
                rt.write(b, zeros, 0, zeros.length);
                rt.drainProfile();
                long bestNs = Long.MAX_VALUE;
                why.append(p == 0 ? "" : "; ").append("d=").append(d).append(" x").append(batch).append(':');
                for (GemmRoutine.Variant v : variants.values()) {
                    GemmRoutine.Args product = GemmRoutine.args(batch, d, d, d).a(a, ld, per, Transpose.YES)
                            .b(b, ld, per, Transpose.NO).c(c, ld, per);
                    GemmRoutine.launch(rt, v, product);
                    rt.drainProfile();
                    for (int r = 0; r < 3; r++) {
                        GemmRoutine.launch(rt, v, product);
                    }
                    long ns = rt.drainProfile().getOrDefault(v.kernel, Long.MAX_VALUE);
                    why.append(' ').append(v.name).append(' ').append(String.format(Locale.ROOT, "%.1f",
                            6.0 * d * d * d * batch / Math.max(1, ns))).append(" GFLOP/s");
                    if (ns < bestNs) {
                        bestNs = ns;
                        best[p] = v.name;
                    }
                }
            } finally {
                rt.discardEvents();
                rt.release(a);
                rt.release(b);
                rt.release(c);
            }
        }
        boolean fused = false;
        if (rt.nsMaxD >= 64) {
            long[] wall = timeStep(rt, variants.get(best[0]));
            fused = wall[0] < wall[1];
            why.append(String.format(Locale.ROOT, "; d=64 x128 step: fused %.0f us, 3 GEMMs %.0f us",
                    wall[0] / 1e3, wall[1] / 1e3));
        }
        return new String[] {best[0], best[1], "d <= " + GemmRoutine.SMALL + ": " + best[0] + ", larger: " + best[1]
                + " (" + why + ")", Boolean.toString(fused)};
    }

    /**
     * Wall time (enqueue to finish, so launch overhead counts) of one Newton-Schulz step at d = 64, B = 128 (W2) as
     * one newton_schulz_step_small launch and as its three GEMM launches with the given kernel; best of five each.
     *
     * @return {fused ns, GEMMs ns}
     */
    private static long[] timeStep(ClRuntime rt, GemmRoutine.Variant g) {
        int dp = 64;
        int ld = dp + 16;
        int batch = 128;
        int per = dp * ld;
        long total = (long) batch * per;
        List<cl_mem> bufs = new ArrayList<>();
        try {
            cl_mem[] m = new cl_mem[6];
            float[] zeros = new float[(int) total];
            for (int i = 0; i < 5; i++) {
                m[i] = rt.alloc(total);
                bufs.add(m[i]);
                rt.write(m[i], zeros, 0, zeros.length);
            }
            m[5] = rt.alloc((long) batch * ClRuntime.SCAL_STRIDE);
            bufs.add(m[5]);
            rt.write(m[5], zeros, 0, batch * ClRuntime.SCAL_STRIDE);
            long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
            for (int r = 0; r < 6; r++) {
                for (int way = 0; way < 2; way++) {
                    rt.drainProfile();
                    long t0 = System.nanoTime();
                    if (way == 0) {
                        rt.kernel("newton_schulz_step_small").i(dp).i(ld).i(dp).i(0).m(m[0]).m(m[1]).m(m[2]).m(m[3])
                                .m(m[4]).m(m[5])
                                .run(new long[] {(long) rt.nsWg * batch}, new long[] {rt.nsWg});
                    } else {
                        // T = (3I - Z Y)/2, Y' = Y T, Z' = T Z, as the newtonSchulz stage runs them.
                        GemmRoutine.launch(rt, g, GemmRoutine.args(batch, dp, dp, dp).a(m[1], ld, per, Transpose.YES)
                                .b(m[0], ld, per, Transpose.NO).c(m[2], ld, per).alpha(-0.5f).identity(1.5f, dp)
                                .output(Output.SYMMETRIC));
                        GemmRoutine.launch(rt, g, GemmRoutine.args(batch, dp, dp, dp).a(m[0], ld, per, Transpose.YES)
                                .b(m[2], ld, per, Transpose.NO).c(m[3], ld, per).output(Output.SYMMETRIC));
                        GemmRoutine.launch(rt, g, GemmRoutine.args(batch, dp, dp, dp).a(m[2], ld, per, Transpose.YES)
                                .b(m[1], ld, per, Transpose.NO).c(m[4], ld, per).output(Output.SYMMETRIC));
                    }
                    rt.finish();
                    long ns = System.nanoTime() - t0;
                    if (r > 0) { // the first round is the warm-up
                        best[way] = Math.min(best[way], ns);
                    }
                }
            }
            return best;
        } finally {
            rt.discardEvents();
            for (cl_mem b : bufs) {
                rt.release(b);
            }
        }
    }
}
