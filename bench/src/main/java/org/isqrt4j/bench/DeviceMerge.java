package org.isqrt4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * {@code bench/run.sh --merge-device DEVICE.json [--merge-device MORE.json] [--into REPORT.json] [--out DIR]
 * [--name NAME]}: puts the rows of one or more OpenCL device checks ({@code gpu-opencl/device-check}, run on a GPU
 * machine) beside the CPU rows of a report that was already written, without running any benchmark. Writes
 * {@code NAME.json} (the report's JSON with the device rows appended to {@code layer} and {@code gemm}, and the
 * device runs' environments under {@code env.merged_devices}), {@code NAME.md} (layer and GEMM tables, device rows
 * under the CPU rows of the same workload and mode, and the devices' check summary) and {@code NAME.png} (samples/s
 * and GFLOP/s per workload, every back-end a series).
 *
 * <p>Device rows keep their samples/s; their GFLOP/s is recomputed with {@link Flops} (the report's count), their %
 * of peak is against the device's FP32 peak from the device check (units x clock x an assumed flops/clock/unit, see
 * that module's PeakModel), and their "vs isqrt-openblas" and "vs eig-ejml" ratios are against the CPU report's rows
 * of the same workload and mode (samples/s per sample, so batches may differ).
 */
final class DeviceMerge {
    static final String USAGE = "usage: bench/run.sh --merge-device DEVICE.json [--merge-device MORE.json]"
            + " [--into REPORT.json (default bench/results/latest.json)] [--out DIR (default: REPORT's folder)]"
            + " [--name NAME (default: REPORT's name + '-with-device')]";

    private DeviceMerge() {
    }

    /**
     * @param args the options of {@link #USAGE}
     * @return the exit status: 0 written, 2 bad arguments or unreadable files
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        List<Path> devices = new ArrayList<>();
        Path into = Paths.get("bench", "results", "latest.json");
        Path outDir = null;
        String name = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--merge-device":
                        devices.add(Paths.get(v));
                        break;
                    case "--into":
                        into = Paths.get(v);
                        break;
                    case "--out":
                        outDir = Paths.get(v);
                        break;
                    case "--name":
                        name = v;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + a + " (with --merge-device)");
                }
            }
            if (devices.isEmpty()) {
                throw new IllegalArgumentException("--merge-device needs a device check's JSON file");
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            Map<String, Object> report = asMap(Json.read(Files.readString(into, StandardCharsets.UTF_8)), into.toString());
            List<Map<String, Object>> devs = new ArrayList<>();
            for (Path p : devices) {
                Map<String, Object> d = asMap(Json.read(Files.readString(p, StandardCharsets.UTF_8)), p.toString());
                d.put("file", p.toString());
                devs.add(d);
            }
            Map<String, Object> merged = merge(report, devs);
            if (outDir == null) {
                outDir = into.toAbsolutePath().getParent();
            }
            if (name == null) {
                String f = into.getFileName().toString();
                name = (f.endsWith(".json") ? f.substring(0, f.length() - 5) : f) + "-with-device";
            }
            Files.createDirectories(outDir);
            Path json = outDir.resolve(name + ".json");
            Path md = outDir.resolve(name + ".md");
            Path png = outDir.resolve(name + ".png");
            Report.writeOutputs(out, json, Json.write(merged), md, markdown(merged), png, p -> chart(p, merged));
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println("cannot merge: " + e);
            return 2;
        }
    }

    // ============================================================================================ merge

    /**
     * @param report  a report's JSON tree (bench/results/*.json)
     * @param devices device check JSON trees
     * @return a new tree: the report with the device rows appended and env.merged_devices
     */
    static Map<String, Object> merge(Map<String, Object> report, List<Map<String, Object>> devices) {
        Map<String, Object> root = new LinkedHashMap<>(report);
        Map<String, Object> env = new LinkedHashMap<>(asMap(report.getOrDefault("env", Map.of()), "env"));
        List<Map<String, Object>> cpuLayer = rows(report, "layer");
        List<Map<String, Object>> layer = new ArrayList<>(cpuLayer);
        List<Map<String, Object>> gemm = new ArrayList<>(rows(report, "gemm"));
        List<Object> mergedEnv = new ArrayList<>();
        for (Map<String, Object> dev : devices) {
            Map<String, Double> peaks = new LinkedHashMap<>();
            for (Map<String, Object> d : rows(dev, "devices")) {
                peaks.put(String.valueOf(d.get("id")), num(d.get("peak_gflops_fp32")));
            }
            for (Map<String, Object> r : rows(dev, "layer")) {
                Map<String, Object> m = new LinkedHashMap<>(r);
                Double sps = num(m.get("samples_per_s"));
                Double peak = peaks.get(deviceOf(String.valueOf(m.get("backend"))));
                if (sps != null && num(m.get("d")) != null && num(m.get("n")) != null) {
                    int k = num(m.get("iterations")) == null ? 5 : num(m.get("iterations")).intValue();
                    double g = sps * Flops.perSample(num(m.get("d")).intValue(), num(m.get("n")).intValue(), k,
                            LayerBenchmark.FORWARD_BACKWARD.equals(m.get("mode"))) / 1e9;
                    m.put("gflops", g);
                    m.put("fraction_of_peak", peak == null ? null : g / peak);
                    m.put("speedup_vs_isqrt_openblas", ratio(sps, cpuLayer, Backends.OPENBLAS, m));
                    m.put("speedup_vs_eig_ejml", ratio(sps, cpuLayer, Backends.EIG, m));
                }
                m.put("source", "device check " + asMap(dev.getOrDefault("env", Map.of()), "env").get("date"));
                layer.add(m);
            }
            for (Map<String, Object> r : rows(dev, "gemm")) {
                Map<String, Object> m = new LinkedHashMap<>(r);
                Double g = num(m.get("gflops"));
                Double peak = peaks.get(deviceOf(String.valueOf(m.get("backend"))));
                m.put("fraction_of_peak", g == null || peak == null ? null : g / peak);
                gemm.add(m);
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("file", dev.get("file"));
            e.put("env", dev.get("env"));
            e.put("devices", dev.get("devices"));
            List<Map<String, Object>> checks = rows(dev, "checks");
            long passed = checks.stream().filter(c -> "pass".equals(c.get("status"))).count();
            e.put("checks_passed", passed);
            e.put("checks_total", checks.size());
            List<Object> failed = new ArrayList<>();
            for (Map<String, Object> c : checks) {
                if (!"pass".equals(c.get("status"))) {
                    failed.add(c);
                }
            }
            e.put("checks_failed", failed);
            mergedEnv.add(e);
        }
        env.put("merged_devices", mergedEnv);
        root.put("env", env);
        root.put("layer", new ArrayList<Object>(layer));
        root.put("gemm", new ArrayList<Object>(gemm));
        return root;
    }

    /** @return the device id of a device-check back-end "opencl@NAME/kernel": "opencl@NAME" */
    static String deviceOf(String backend) {
        int slash = backend.lastIndexOf('/');
        return slash > 0 ? backend.substring(0, slash) : backend;
    }

    private static Double ratio(double sps, List<Map<String, Object>> cpu, String base, Map<String, Object> row) {
        for (Map<String, Object> c : cpu) {
            Double o = num(c.get("samples_per_s"));
            if (base.equals(c.get("backend")) && String.valueOf(row.get("workload")).equals(c.get("workload"))
                    && String.valueOf(row.get("mode")).equals(c.get("mode")) && o != null && o > 0) {
                return sps / o;
            }
        }
        return null;
    }

    // ============================================================================================ output

    static String markdown(Map<String, Object> merged) {
        Map<String, Object> env = asMap(merged.get("env"), "env");
        StringBuilder sb = new StringBuilder();
        sb.append("# isqrt4j benchmark report with device rows (CPU profile ").append(env.get("profile")).append(")\n\n");
        sb.append("- CPU run: ").append(env.get("date")).append("; JDK ").append(env.get("jdk")).append("; ")
                .append(env.get("cpu")).append(", ").append(fmtObj(env.get("threads"))).append(" threads, vector bits ")
                .append(fmtObj(env.get("vector_bits"))).append("; FMA peak ").append(sig(num(env.get("peak_gflops_all_threads"))))
                .append(" GFLOP/s on all threads (measured)\n");
        for (Object o : list(env.get("merged_devices"))) {
            Map<String, Object> e = asMap(o, "merged_devices");
            Map<String, Object> de = asMap(e.getOrDefault("env", Map.of()), "env");
            sb.append("- Device check ").append(e.get("file")).append(": ").append(de.get("date")).append(", profile ")
                    .append(de.get("profile")).append("; JDK ").append(de.get("jdk")).append("; host ").append(de.get("cpu"))
                    .append("; checks ").append(fmtObj(e.get("checks_passed"))).append(" of ")
                    .append(fmtObj(e.get("checks_total"))).append(" passed\n");
            for (Object d : list(e.get("devices"))) {
                Map<String, Object> dm = asMap(d, "devices");
                sb.append("  - ").append(dm.get("id")).append(" (").append(dm.get("platform")).append(", ")
                        .append(dm.get("type")).append("): ").append(fmtObj(dm.get("compute_units"))).append(" compute units, ")
                        .append(fmtObj(dm.get("max_clock_mhz"))).append(" MHz; FP32 peak ")
                        .append(sig(num(dm.get("peak_gflops_fp32")))).append(" GFLOP/s (").append(dm.get("peak_assumption"))
                        .append(")\n");
            }
            for (Object c : list(e.get("checks_failed"))) {
                Map<String, Object> cm = asMap(c, "checks");
                sb.append("  - FAILED check on ").append(cm.get("device")).append(" / ").append(cm.get("kernel")).append(": ")
                        .append(cm.get("name")).append(": ").append(cm.get("detail")).append('\n');
            }
        }
        sb.append("- samples/s is per sample (batches may differ, see B). Device rows (opencl@DEVICE/GEMM kernel): median"
                + " wall time per batch, transfers included. % of peak: CPU rows against the CPU run's all-thread FMA peak,"
                + " device rows against the device's FP32 peak. vs columns: against the CPU run's rows.\n\n");
        List<Map<String, Object>> layer = rows(merged, "layer");
        sb.append("## Layer\n\n| workload | B | d | n | K | mode | back-end | samples/s | GFLOP/s | % of peak |"
                + " vs isqrt-openblas | vs eig-ejml | error % |\n|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (String w : workloads(layer)) {
            for (String mode : List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD)) {
                for (Map<String, Object> r : layer) {
                    if (!w.equals(r.get("workload")) || !mode.equals(r.get("mode"))) {
                        continue;
                    }
                    sb.append("| ").append(w).append(" | ").append(fmtObj(r.get("batch"))).append(" | ")
                            .append(fmtObj(r.get("d"))).append(" | ").append(fmtObj(r.get("n"))).append(" | ")
                            .append(fmtObj(r.get("iterations"))).append(" | ").append(mode).append(" | ")
                            .append(esc(r.get("backend"))).append(" | ");
                    Double sps = num(r.get("samples_per_s"));
                    if (sps == null) {
                        sb.append(esc(r.get("status"))).append(" | | | | | |\n");
                        continue;
                    }
                    Double err = num(r.get("error_pct"));
                    sb.append(sig(sps)).append(" | ").append(sig(num(r.get("gflops")))).append(" | ")
                            .append(pct(num(r.get("fraction_of_peak")))).append(" | ")
                            .append(times(num(r.get("speedup_vs_isqrt_openblas")))).append(" | ")
                            .append(times(num(r.get("speedup_vs_eig_ejml")))).append(" | ")
                            .append(err == null ? "" : String.format(Locale.ROOT, "%.2g", err)).append(" |\n");
                }
            }
        }
        sb.append("\n## GEMM (d x d, float32)\n\n| back-end | d | threads | GFLOP/s | % of peak | note |\n"
                + "|---|---:|---|---:|---:|---|\n");
        for (Map<String, Object> r : rows(merged, "gemm")) {
            sb.append("| ").append(esc(r.get("backend"))).append(" | ").append(fmtObj(r.get("d"))).append(" | ")
                    .append(fmtObj(r.get("threads"))).append(" | ");
            Double g = num(r.get("gflops"));
            if (g == null) {
                sb.append(" | | ").append(esc(r.get("status"))).append(" |\n");
            } else {
                sb.append(sig(g)).append(" | ").append(pct(num(r.get("fraction_of_peak")))).append(" | ")
                        .append(r.get("description") == null ? "" : esc(r.get("description"))).append(" |\n");
            }
        }
        return sb.toString();
    }

    static void chart(Path png, Map<String, Object> merged) throws IOException {
        List<Map<String, Object>> layer = rows(merged, "layer");
        List<String> labels = workloads(layer);
        Set<String> backends = new LinkedHashSet<>();
        for (Map<String, Object> r : layer) {
            backends.add(String.valueOf(r.get("backend")));
        }
        List<Chart.Panel> panels = new ArrayList<>();
        for (boolean gflops : new boolean[] {false, true}) {
            for (String mode : List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD)) {
                Map<String, double[]> series = new LinkedHashMap<>();
                for (String b : backends) {
                    double[] ys = new double[labels.size()];
                    for (int i = 0; i < ys.length; i++) {
                        ys[i] = Double.NaN;
                        for (Map<String, Object> r : layer) {
                            if (b.equals(r.get("backend")) && labels.get(i).equals(r.get("workload"))
                                    && mode.equals(r.get("mode"))) {
                                Double v = num(r.get(gflops ? "gflops" : "samples_per_s"));
                                ys[i] = v == null ? Double.NaN : v;
                            }
                        }
                    }
                    series.put(b, ys);
                }
                panels.add(new Chart.Panel("isqrt4j " + (gflops ? "effective GFLOP/s" : "samples/s") + ", CPU and device - "
                        + mode, (gflops ? "GFLOP/s" : "samples/s") + " (log scale)", true, series, "", OptionalDouble.empty()));
            }
        }
        Chart.write(png, labels, panels);
    }

    // ============================================================================================ helpers

    private static List<String> workloads(List<Map<String, Object>> layer) {
        Set<String> ws = new LinkedHashSet<>();
        for (Map<String, Object> r : layer) {
            ws.add(String.valueOf(r.get("workload")));
        }
        return new ArrayList<>(ws);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException(what + " is not a JSON object");
        }
        return (Map<String, Object>) o;
    }

    private static List<?> list(Object o) {
        return o instanceof List ? (List<?>) o : List.of();
    }

    private static List<Map<String, Object>> rows(Map<String, Object> root, String key) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list(root.get(key))) {
            out.add(asMap(o, key + " row"));
        }
        return out;
    }

    private static Double num(Object o) {
        return o instanceof Number && Double.isFinite(((Number) o).doubleValue()) ? ((Number) o).doubleValue() : null;
    }

    private static String fmtObj(Object o) {
        if (o instanceof Double && (Double) o == Math.rint((Double) o)) {
            return Long.toString(((Double) o).longValue());
        }
        return String.valueOf(o);
    }

    private static String esc(Object o) {
        return String.valueOf(o).replace("|", "/").replace("\n", " ");
    }

    private static String sig(Double v) {
        return v == null ? "" : Fmt.sig(v);
    }

    private static String pct(Double f) {
        return f == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * f);
    }

    private static String times(Double r) {
        return r == null ? "" : String.format(Locale.ROOT, "%.2fx", r);
    }
}
