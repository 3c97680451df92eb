package org.isqrt4j.devicecheck;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.isqrt4j.opencl.OpenClMatrixSqrtOp;

/**
 * The device check: on every OpenCL platform found (NVIDIA first) it lists the devices, runs {@link Correctness}
 * with each GEMM kernel of the back-end against the float64 reference, measures the batched GEMM and the layer on
 * W1-W4 ({@link Measure}), and writes {@code device-check.json} (the bench report's row format, see {@code
 * bench/run.sh --merge-device}) and {@code device-check.md} into the output folder. A plain main class, so that
 * {@code gpu-opencl/device-check/run.sh} can run it on a jlink'ed runtime where there is no Java, Maven or JUnit.
 *
 * <pre>DeviceCheck OUT_DIR [--local] [--platform NAME] [--no-measure]</pre>
 * {@code --local}: small batches and sizes and short timings (PoCL here, under two minutes); {@code --platform}: only
 * platforms whose name contains NAME; {@code --no-measure}: the checks only. Exit status 0 when every check passed
 * and every measurement ran, 1 otherwise, 2 for bad arguments, 3 when no OpenCL device was found.
 */
public final class DeviceCheck {
    /** The back-end's GEMM kernel property (GemmRoutine.PROPERTY) and its values. */
    static final String GEMM_PROPERTY = "isqrt4j.opencl.gemm";
    /**
     * The back-end's tiled GEMM variants (GemmRoutine.TILED); a name the back-end does not know fails the check at
     * "open the device", so this list cannot silently drift.
     */
    static final List<String> TILED = List.of("t4x8_g16x16", "t8x8_g8x8", "t8x8_g16x8", "t8x8_g16x16", "t4x8_g8x16");

    /**
     * @param gpu whether the device is a GPU
     * @return the GEMM kernel choices to check, the device's default first: tuned on GPUs, direct elsewhere
     */
    static List<String> kernelChoices(boolean gpu) {
        // "+fused": the fused small-d Newton-Schulz steps forced on (the tuned choice decides them by timing)
        List<String> k = new ArrayList<>(gpu ? List.of("tuned", "local", "direct", "tuned+fused")
                : List.of("direct", "local", "tuned", "direct+fused"));
        k.addAll(TILED);
        return k;
    }

    /** Sizes and time budgets of one mode. */
    static final class Plan {
        boolean local;
        String platform;
        boolean measure = true;
        /** Whether the correctness checks run (the unit test of the runner itself leaves them to CorrectnessTest). */
        boolean checks = true;
        int[] gemmSizes;
        /** Indices into {@link Measure#WORKLOAD_IDS} of the workloads measured. */
        int[] layerWorkloads = {0, 1, 2, 3};
        /** The layer is measured with the first this many kernel choices (the default, then the others in order). */
        int layerKernels;
        double gemmTargetFlops;
        int gemmBatchCap;
        double gemmSeconds;
        int[] layerBatch;
        double layerSeconds;
        int layerMinReps;
        /** Whether each layer cell first runs one untimed batch (PoCL compiles kernels at their first launch). */
        boolean layerWarmUp;
        /** The forward's error against the float64 reference only up to this d (local: W4's eig costs seconds). */
        int layerErrorMaxD;

        static Plan of(boolean local) {
            Plan p = new Plan();
            p.local = local;
            if (local) {
                p.gemmSizes = new int[] {64, 128, 256};
                p.gemmTargetFlops = 0x1p26;
                p.gemmBatchCap = 64;
                p.gemmSeconds = 0.15;
                p.layerBatch = new int[] {2, 16, 1, 1};
                p.layerSeconds = 0.3;
                p.layerMinReps = 1;
                p.layerWarmUp = true;
                p.layerErrorMaxD = 256;
                p.layerKernels = 1;
            } else {
                p.gemmSizes = new int[] {64, 128, 256, 512, 1024};
                p.gemmTargetFlops = 0x1p31;
                p.gemmBatchCap = 1024;
                p.gemmSeconds = 0.6;
                p.layerBatch = Measure.ISSUE_BATCH.clone();
                p.layerSeconds = 1.5;
                p.layerMinReps = 5;
                p.layerWarmUp = true;
                p.layerErrorMaxD = Integer.MAX_VALUE;
                p.layerKernels = 4; // tuned, local, direct, tuned+fused
            }
            return p;
        }
    }

    private DeviceCheck() {
    }

    /**
     * @param args output folder, then options (see the class comment)
     * @throws IOException if the result files cannot be written
     */
    public static void main(String[] args) throws IOException {
        Plan plan;
        Path outDir;
        try {
            if (args.length == 0 || args[0].startsWith("--")) {
                throw new IllegalArgumentException("the first argument must be the output folder");
            }
            outDir = Paths.get(args[0]);
            boolean local = false;
            String platform = null;
            boolean measure = true;
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--local":
                        local = true;
                        break;
                    case "--no-measure":
                        measure = false;
                        break;
                    case "--platform":
                        if (++i >= args.length) {
                            throw new IllegalArgumentException("--platform needs a name");
                        }
                        platform = args[i];
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            plan = Plan.of(local);
            plan.platform = platform;
            plan.measure = measure;
        } catch (IllegalArgumentException e) {
            System.err.println("DeviceCheck: " + e.getMessage());
            System.err.println("usage: DeviceCheck OUT_DIR [--local] [--platform NAME] [--no-measure]");
            System.exit(2);
            return;
        }
        System.exit(run(plan, outDir, System.out));
    }

    /**
     * Runs the check and writes the two files.
     *
     * @return the exit status (0 all passed, 1 a failure, 3 no device)
     * @throws IOException if the files cannot be written
     */
    static int run(Plan plan, Path outDir, PrintStream out) throws IOException {
        long t0 = System.nanoTime();
        String[] why = new String[1];
        List<DeviceInfo> all = DeviceInfo.list(why);
        List<DeviceInfo> devices = new ArrayList<>();
        for (DeviceInfo d : all) {
            if (plan.platform == null || d.platformName.toLowerCase(Locale.ROOT).contains(plan.platform.toLowerCase(Locale.ROOT))) {
                devices.add(d);
            }
        }
        out.println("== OpenCL devices (" + all.size() + " found" + (plan.platform == null ? "" : ", platform filter '"
                + plan.platform + "'") + ")");
        for (DeviceInfo d : all) {
            PeakModel.Peak pk = PeakModel.of(d);
            out.printf(Locale.ROOT, "  platform #%d %s / device #%d %s [%s]: %d compute units, %d MHz, local mem %d KiB,"
                            + " global mem %d MiB, max work-group %d, native float width %d%s; FP32 peak %s GFLOP/s (%s)%n",
                    d.platformIndex, d.platformName, d.deviceIndex, d.name, d.gpu ? "GPU" : d.cpu ? "CPU" : "other",
                    d.computeUnits, d.clockMhz, d.localMemBytes / 1024, d.globalMemBytes >> 20, d.maxWorkGroupSize,
                    d.nativeFloatWidth, d.ccMajor < 0 ? "" : ", compute capability " + d.ccMajor + "." + d.ccMinor,
                    Measure.fmt(pk.gflops()), pk.assumption());
        }
        if (all.isEmpty()) {
            out.println("  none: " + why[0]);
        }
        List<Map<String, Object>> checks = new ArrayList<>();
        List<Map<String, Object>> gemm = new ArrayList<>();
        List<Map<String, Object>> layer = new ArrayList<>();
        boolean ok = !devices.isEmpty();
        for (DeviceInfo dev : devices) {
            double peak = PeakModel.of(dev).gflops();
            List<String> kernels = kernelChoices(dev.gpu);
            for (int ki = 0; ki < kernels.size(); ki++) {
                String kernel = kernels.get(ki);
                out.println("== " + dev.id() + " (platform #" + dev.platformIndex + "), GEMM kernel " + kernel
                        + (ki == 0 ? " (the device's default)" : ""));
                OpenClMatrixSqrtOp op;
                try {
                    op = open(dev, kernel);
                } catch (RuntimeException e) {
                    ok = false;
                    out.println("  FAIL cannot open: " + e);
                    checks.add(new Correctness.Result("open the device", false, Double.NaN, Double.NaN, String.valueOf(e))
                            .toJson(dev.id(), kernel));
                    continue;
                }
                try {
                    out.println("  GEMM kernels: " + op.gemmKernels());
                    long c0 = System.nanoTime();
                    List<Correctness.Result> rs = !plan.checks ? List.of() : Correctness.run(op, op::liveBuffers,
                            ki == 0 ? () -> open(dev, kernel) : null);
                    int passed = 0;
                    for (Correctness.Result r : rs) {
                        checks.add(r.toJson(dev.id(), kernel));
                        passed += r.passed ? 1 : 0;
                        out.printf(Locale.ROOT, "  %s %s%s%n", r.passed ? "pass" : "FAIL", r.name,
                                Double.isNaN(r.error) ? (r.passed ? "" : ": " + r.detail)
                                        : String.format(Locale.ROOT, ": error %.3g (tolerance %.3g)", r.error, r.tolerance));
                    }
                    ok &= passed == rs.size();
                    out.printf(Locale.ROOT, "  checks: %d of %d passed (%.1f s)%n", passed, rs.size(), (System.nanoTime() - c0) / 1e9);
                    if (!plan.measure) {
                        continue;
                    }
                    for (int d : plan.gemmSizes) {
                        Map<String, Object> row = Measure.gemm(op, dev, kernel, peak, d,
                                Measure.gemmBatch(plan.gemmTargetFlops, plan.gemmBatchCap, d), plan.gemmSeconds);
                        gemm.add(row);
                        ok &= "ok".equals(row.get("status"));
                        out.printf(Locale.ROOT, "  GEMM d=%d batch=%s: %s GFLOP/s kernel, %s GFLOP/s wall%s%n", d,
                                row.get("batch"), num(row.get("gflops")), num(row.get("gflops_wall")),
                                "ok".equals(row.get("status")) ? "" : " " + row.get("status"));
                    }
                    if (ki >= plan.layerKernels) {
                        continue; // the GEMM table covers every kernel; the layer only the first few (time)
                    }
                    for (int w : plan.layerWorkloads) {
                        int d = Measure.WORKLOAD_DN[w][0];
                        List<Map<String, Object>> rows = Measure.layer(op, dev, kernel, peak, w, plan.layerBatch[w],
                                plan.layerSeconds, plan.layerMinReps,
                                d <= 256 || (ki == 0 && d <= plan.layerErrorMaxD), plan.layerWarmUp);
                        for (Map<String, Object> r : rows) {
                            layer.add(r);
                            ok &= "ok".equals(r.get("status"));
                            out.printf(Locale.ROOT, "  layer W%d %s B=%d d=%d n=%d %s: %s samples/s, %s GFLOP/s "
                                            + "(wall %s ms, kernels %s ms, transfers %s ms per batch; error %s %%)%s%n",
                                    w + 1, r.get("workload"), r.get("batch"), r.get("d"), r.get("n"), r.get("mode"),
                                    num(r.get("samples_per_s")), num(r.get("gflops")), num(r.get("wall_ms")),
                                    num(r.get("kernel_ms")), num(r.get("transfer_ms")), num(r.get("error_pct")),
                                    "ok".equals(r.get("status")) ? "" : " " + r.get("status"));
                        }
                    }
                } finally {
                    op.close();
                }
            }
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> env = environment(plan, devices, elapsed, why[0]);
        List<Object> devJson = new ArrayList<>();
        for (DeviceInfo d : all) {
            devJson.add(d.toJson());
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("env", env);
        root.put("devices", devJson);
        root.put("checks", checks);
        root.put("layer", layer);
        root.put("gemm", gemm);
        Files.createDirectories(outDir);
        Path json = outDir.resolve("device-check.json");
        Path md = outDir.resolve("device-check.md");
        Files.write(json, Json.write(root).getBytes(StandardCharsets.UTF_8));
        Files.write(md, Markdown.render(env, all, checks, gemm, layer).getBytes(StandardCharsets.UTF_8));
        out.printf(Locale.ROOT, "== %s in %.1f s; wrote %s and %s%n", devices.isEmpty() ? "NO DEVICE"
                : ok ? "ALL PASSED" : "SOME FAILED", elapsed, json, md);
        return devices.isEmpty() ? 3 : ok ? 0 : 1;
    }

    /** The back-end's property forcing the fused small-d Newton-Schulz steps (ClRuntime.FUSED_PROPERTY). */
    static final String FUSED_PROPERTY = "isqrt4j.opencl.fusedSteps";

    /**
     * Opens the device with one GEMM kernel choice, "+fused" forcing the fused steps on: the properties are read
     * once, by the op's constructor.
     */
    static OpenClMatrixSqrtOp open(DeviceInfo dev, String kernel) {
        synchronized (DeviceCheck.class) {
            boolean fused = kernel.endsWith("+fused");
            String gemmBefore = System.getProperty(GEMM_PROPERTY);
            String fusedBefore = System.getProperty(FUSED_PROPERTY);
            System.setProperty(GEMM_PROPERTY, fused ? kernel.substring(0, kernel.length() - "+fused".length()) : kernel);
            if (fused) {
                System.setProperty(FUSED_PROPERTY, "true");
            }
            try {
                return new OpenClMatrixSqrtOp(Integer.toString(dev.platformIndex), Integer.toString(dev.deviceIndex));
            } finally {
                restore(GEMM_PROPERTY, gemmBefore);
                restore(FUSED_PROPERTY, fusedBefore);
            }
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static Map<String, Object> environment(Plan plan, List<DeviceInfo> devices, double elapsed, String why) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        env.put("cpu", cpuModel());
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("threads", "device");
        DeviceInfo first = devices.isEmpty() ? null : devices.get(0);
        env.put("opencl_device", first == null ? "n/a: " + why : first.id());
        env.put("opencl_is_gpu", first == null ? null : (Object) first.gpu);
        env.put("peak_gflops_device", first == null ? null : (Object) PeakModel.of(first).gflops());
        String preload = System.getenv("LD_PRELOAD");
        env.put("signal_chaining", preload != null && preload.contains("libjsig"));
        env.put("profile", plan.local ? "device-check-local" : "device-check");
        env.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        env.put("elapsed_s", Math.round(elapsed * 10) / 10.0);
        return env;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String num(Object v) {
        return v instanceof Number ? Measure.fmt(((Number) v).doubleValue()) : "n/a";
    }
}
