package org.isqrt4j.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Locale;
import org.isqrt4j.api.MatrixSqrtOp;

/**
 * Runs in its own JVM (started by {@link Report}): says whether the OpenCL back-end can run, names its device
 * and measures its GEMM kernel through the back-end's {@code gemmBenchmark(d, batch, reps)} (kernel time from
 * OpenCL profiling events, one product per launch). Prints {@code key=value} lines.
 *
 * <p>Why a separate JVM: PoCL loads LLVM, whose SIGSEGV handler replaces the JVM's; when two Java threads hit an
 * armed safepoint poll at once, the process dies of a plain SIGSEGV (no hs_err file). {@code bench/run.sh}
 * preloads the JDK's libjsig (signal chaining), which prevents that; keeping OpenCL out of the runner and the
 * in-process benchmarks also keeps the contenders' measurements independent of each other.
 */
final class OpenClProbe {
    private OpenClProbe() {
    }

    /**
     * @param args comma-separated GEMM sizes (may be empty), milliseconds per measurement, measurements
     */
    public static void main(String[] args) {
        String reason = Backends.unavailableReasonInProcess("opencl");
        if (reason != null) {
            System.out.println("unavailable=" + oneLine(reason));
            return;
        }
        try (MatrixSqrtOp op = OpRunner.create("opencl", 1)) {
            System.out.println("device=" + oneLine(op.name()));
            try {
                System.out.println("gpu=" + op.getClass().getMethod("isGpu").invoke(op));
            } catch (ReflectiveOperationException e) {
                System.out.println("gpu=unknown");
            }
            if (args.length == 0 || args[0].isEmpty()) {
                return;
            }
            double timeMs = Double.parseDouble(args[1]);
            int iterations = Integer.parseInt(args[2]);
            Method bench;
            try {
                bench = op.getClass().getMethod("gemmBenchmark", int.class, int.class, int.class);
            } catch (NoSuchMethodException e) {
                System.out.println("gemm=the OpenCL back-end has no gemmBenchmark(int d, int batch, int reps)");
                return;
            }
            for (String s : args[0].split(",")) {
                int d = Integer.parseInt(s.trim());
                try {
                    double first = (Double) bench.invoke(op, d, 1, 1); // builds and warms up
                    double secondsPerRep = Flops.gemm(d) / (Math.max(first, 1e-3) * 1e9);
                    int reps = (int) Math.max(1, Math.min(1000, timeMs / 1e3 / secondsPerRep));
                    bench.invoke(op, d, 1, reps); // warm-up at the measured size
                    double best = 0;
                    for (int i = 0; i < Math.max(1, iterations); i++) {
                        best = Math.max(best, (Double) bench.invoke(op, d, 1, reps));
                    }
                    System.out.printf(Locale.ROOT, "gemm.%d=%.6g %d %d%n", d, best, Math.max(1, iterations), reps);
                } catch (InvocationTargetException e) {
                    System.out.println("gemm." + d + "=FAILED " + oneLine(String.valueOf(e.getCause())));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    System.out.println("gemm." + d + "=FAILED " + oneLine(e.toString()));
                }
            }
        } catch (RuntimeException e) {
            System.out.println("unavailable=" + oneLine(e.toString()));
        }
        System.out.flush();
    }

    private static String oneLine(String s) {
        return s == null ? "null" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
