package org.isqrt4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.isqrt4j.api.MatrixSqrtOp;

/**
 * Runs in its own JVM (started by {@link #launch}): says whether the OpenCL back-end can run, names its device
 * and measures its GEMM kernel through the back-end's {@code gemmBenchmark(d, batch, reps)} (kernel time from
 * OpenCL profiling events, one product per launch). Writes what it found as JSON ({@link Found}).
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
     * @param args the result file, comma-separated GEMM sizes (may be empty), milliseconds per measurement,
     *             measurements
     */
    public static void main(String[] args) {
        Path file = Paths.get(args[0]);
        String reason = Backends.unavailableReasonInProcess("opencl");
        if (reason != null) {
            save(file, Found.unavailable(reason));
            return;
        }
        Found found = Found.unavailable("the OpenCL probe stopped before naming the device");
        try (MatrixSqrtOp op = OpRunner.create("opencl", 1)) {
            Optional<Boolean> gpu;
            try {
                gpu = Optional.of((Boolean) op.getClass().getMethod("isGpu").invoke(op));
            } catch (ReflectiveOperationException | ClassCastException e) {
                gpu = Optional.empty();
            }
            found = new Found(Optional.empty(), op.name(), gpu, Optional.empty(), List.of());
            save(file, found);
            if (args.length < 2 || args[1].isEmpty()) {
                return;
            }
            double timeMs = Double.parseDouble(args[2]);
            int iterations = Math.max(1, Integer.parseInt(args[3]));
            Method bench;
            try {
                bench = op.getClass().getMethod("gemmBenchmark", int.class, int.class, int.class);
            } catch (NoSuchMethodException e) {
                save(file, found.withGemmMissing("the OpenCL back-end has no gemmBenchmark(int d, int batch, int reps)"));
                return;
            }
            for (String s : args[1].split(",")) {
                int d = Integer.parseInt(s.trim());
                Gemm g;
                try {
                    double first = (Double) bench.invoke(op, d, 1, 1); // builds and warms up
                    double secondsPerRep = Flops.gemm(d) / (Math.max(first, 1e-3) * 1e9);
                    int reps = (int) Math.max(1, Math.min(1000, timeMs / 1e3 / secondsPerRep));
                    bench.invoke(op, d, 1, reps); // warm-up at the measured size
                    double best = 0;
                    for (int i = 0; i < iterations; i++) {
                        best = Math.max(best, (Double) bench.invoke(op, d, 1, reps));
                    }
                    g = new Gemm(d, best, iterations, reps, Optional.empty());
                } catch (InvocationTargetException e) {
                    g = Gemm.failed(d, String.valueOf(e.getCause()));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    g = Gemm.failed(d, e.toString());
                }
                found = found.with(g);
                save(file, found); // after every size: a crash later keeps what was measured
            }
        } catch (RuntimeException e) {
            save(file, Found.unavailable(e.toString()));
        }
    }

    /**
     * One GEMM size on the device.
     *
     * @param d          matrix size
     * @param gflops     best GFLOP/s (kernel time from profiling events)
     * @param iterations measurements
     * @param reps       launches per measurement
     * @param failure    why it could not be measured, if it could not
     */
    record Gemm(int d, double gflops, int iterations, int reps, Optional<String> failure) {
        static Gemm failed(int d, String why) {
            return new Gemm(d, Double.NaN, 0, 0, Optional.of(why));
        }
    }

    /**
     * What the probe found.
     *
     * @param unavailable why OpenCL cannot be used (also when the probe JVM died before naming a device)
     * @param device      the device's name
     * @param gpu         whether it is a GPU, empty if unknown
     * @param gemmMissing why there are no GEMM figures although the device works
     * @param gemm        the GEMM sizes measured, in order
     */
    record Found(Optional<String> unavailable, String device, Optional<Boolean> gpu, Optional<String> gemmMissing,
                 List<Gemm> gemm) {
        Found {
            gemm = List.copyOf(gemm);
        }

        static Found unavailable(String why) {
            return new Found(Optional.of(why), "", Optional.empty(), Optional.empty(), List.of());
        }

        Found with(Gemm g) {
            List<Gemm> all = new ArrayList<>(gemm);
            all.add(g);
            return new Found(unavailable, device, gpu, gemmMissing, all);
        }

        Found withGemmMissing(String why) {
            return new Found(unavailable, device, gpu, Optional.of(why), gemm);
        }

        /** @param d a size  @return its GEMM figure, if the probe got that far */
        Optional<Gemm> gemm(int d) {
            return gemm.stream().filter(g -> g.d() == d).findFirst();
        }

        ObjectNode toJson() {
            ObjectNode o = Json.object();
            Json.put(o, "unavailable", unavailable);
            o.put("device", device);
            if (gpu.isPresent()) {
                o.put("gpu", gpu.get());
            } else {
                o.putNull("gpu");
            }
            Json.put(o, "gemm_missing", gemmMissing);
            ArrayNode a = o.putArray("gemm");
            for (Gemm g : gemm) {
                ObjectNode m = a.addObject();
                m.put("d", g.d());
                Json.put(m, "gflops", OptionalDouble.of(g.gflops()));
                m.put("iterations", g.iterations());
                m.put("reps", g.reps());
                Json.put(m, "failure", g.failure());
            }
            return o;
        }

        static Found fromJson(JsonNode n) {
            List<Gemm> gemm = new ArrayList<>();
            for (JsonNode g : n.path("gemm")) {
                gemm.add(new Gemm(g.path("d").asInt(), Json.number(g.get("gflops")).orElse(Double.NaN),
                        g.path("iterations").asInt(), g.path("reps").asInt(), text(g.get("failure"))));
            }
            JsonNode gpu = n.get("gpu");
            return new Found(text(n.get("unavailable")), n.path("device").asText(""),
                    gpu != null && gpu.isBoolean() ? Optional.of(gpu.asBoolean()) : Optional.empty(),
                    text(n.get("gemm_missing")), gemm);
        }

        private static Optional<String> text(JsonNode n) {
            return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
        }
    }

    /**
     * Runs the probe in a child JVM with this JVM's class path and the runner's options; its output goes to
     * {@code opencl-probe.log} in the work folder, its result to {@code opencl-probe.json}.
     *
     * @param plan the run's plan (GEMM sizes and times; nothing runs when neither OpenCL nor the GEMM table is asked for)
     * @return what it found
     */
    static Found launch(Plan plan) {
        if (!plan.backends().contains("opencl") && !plan.gemmTable()) {
            return Found.unavailable("not requested");
        }
        Path result = plan.work().resolve("opencl-probe.json");
        Path log = plan.work().resolve("opencl-probe.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(OpenClProbe.class.getName());
        cmd.add(result.toAbsolutePath().toString());
        cmd.add(plan.gemmTable() ? String.join(",", JmhRuns.strings(plan.gemmSizes())) : "");
        cmd.add(Integer.toString(plan.gemm().timeMs()));
        cmd.add(Integer.toString(Math.max(1, plan.gemm().iterations())));
        try {
            Files.deleteIfExists(result);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return Found.unavailable("the OpenCL probe did not finish in 10 minutes");
            }
            String exited = "the OpenCL probe JVM exited with status " + p.exitValue() + " (see " + log + ")";
            if (!Files.isRegularFile(result)) {
                return Found.unavailable(p.exitValue() == 0 ? "the OpenCL probe wrote no result (see " + log + ")" : exited);
            }
            Found f = Found.fromJson(Json.tree(Files.readString(result, StandardCharsets.UTF_8)));
            return p.exitValue() == 0 || f.unavailable().isPresent() ? f : f.withGemmMissing(exited);
        } catch (IOException | IllegalArgumentException e) {
            return Found.unavailable("cannot run the OpenCL probe: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Found.unavailable("interrupted");
        }
    }

    private static void save(Path file, Found found) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Json.write(found.toJson()), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
