package org.isqrt4j.bench;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.isqrt4j.api.MatrixSqrtOp;

/**
 * Runs in its own JVM (started by {@link #launch}): says whether the OpenCL back-end can run, names its device
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

    /**
     * What the probe found, parsed on the runner's side.
     *
     * @param unavailable why OpenCL cannot be used (also when the probe JVM died before naming a device)
     * @param device      the device's name
     * @param gpu         whether it is a GPU, empty if unknown
     * @param gemmMissing why there are no GEMM figures although the device works
     * @param gemm        per size: "GFLOPS ITERATIONS REPS" or "FAILED why"
     */
    record Found(Optional<String> unavailable, String device, Optional<Boolean> gpu, Optional<String> gemmMissing,
                 Map<Integer, String> gemm) {
        Found {
            gemm = Map.copyOf(gemm);
        }

        static Found unavailable(String why) {
            return new Found(Optional.of(why), "", Optional.empty(), Optional.empty(), Map.of());
        }
    }

    /**
     * Runs the probe in a child JVM with this JVM's class path and the runner's options.
     *
     * @param plan the run's plan (GEMM sizes and times; nothing runs when neither OpenCL nor the GEMM table is asked for)
     * @return what it found
     */
    static Found launch(Plan plan) {
        if (!plan.backends().contains("opencl") && !plan.gemmTable()) {
            return Found.unavailable("not requested");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(OpenClProbe.class.getName());
        cmd.add(plan.gemmTable() ? String.join(",", JmhRuns.strings(plan.gemmSizes())) : "");
        cmd.add(Integer.toString(plan.gemm().timeMs()));
        cmd.add(Integer.toString(Math.max(1, plan.gemm().iterations())));
        Path log = plan.work().resolve("opencl-probe.log");
        Map<String, String> kv = new LinkedHashMap<>();
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return Found.unavailable("the OpenCL probe did not finish in 10 minutes");
            }
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith(" ") && !line.startsWith("WARNING")) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            if (p.exitValue() != 0 && !kv.containsKey("unavailable")) {
                kv.put(kv.containsKey("device") ? "gemm" : "unavailable",
                        "the OpenCL probe JVM exited with status " + p.exitValue() + " (see " + log + ")");
            }
        } catch (IOException e) {
            return Found.unavailable("cannot start the OpenCL probe: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Found.unavailable("interrupted");
        }
        if (kv.containsKey("unavailable")) {
            return Found.unavailable(kv.get("unavailable"));
        }
        Map<Integer, String> gemm = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : kv.entrySet()) {
            if (e.getKey().startsWith("gemm.")) {
                gemm.put(Integer.parseInt(e.getKey().substring("gemm.".length())), e.getValue());
            }
        }
        String gpu = kv.get("gpu");
        return new Found(Optional.empty(), String.valueOf(kv.get("device")),
                gpu == null || gpu.equals("unknown") ? Optional.empty() : Optional.of(Boolean.valueOf(gpu)),
                Optional.ofNullable(kv.get("gemm")), gemm);
    }

    private static String oneLine(String s) {
        return s == null ? "null" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
