package org.isqrt4j.devicecheck;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The markdown twin of the check's JSON: devices, checks, GEMM and layer tables. */
final class Markdown {
    private Markdown() {
    }

    static String render(Map<String, Object> env, List<DeviceInfo> devices, List<Map<String, Object>> checks,
                         List<Map<String, Object>> gemm, List<Map<String, Object>> layer) {
        StringBuilder sb = new StringBuilder();
        sb.append("# isqrt4j OpenCL device check (").append(env.get("profile")).append(")\n\n");
        sb.append("- JDK: ").append(env.get("jdk")).append("; host CPU: ").append(env.get("cpu")).append(", ")
                .append(env.get("cores")).append(" cores; ").append(env.get("os")).append('\n');
        sb.append("- Date: ").append(env.get("date")).append("; elapsed ").append(env.get("elapsed_s")).append(" s\n");
        if ("device-check-local".equals(env.get("profile"))) {
            sb.append("- Local mode: small batches, one warm-up and one timed batch per cell: a smoke run of the script, not a"
                    + " measurement\n");
        }
        sb.append("- Layer rows: K = 5, FULL output, median wall time per batch (upload, kernels, download, host-side"
                + " checks), GFLOP/s in the bench report's straightforward count, % of the device's FP32 peak below\n\n");
        sb.append("## Devices\n\n| platform | device | type | CUs | MHz | local mem KiB | max WG | FP32 peak GFLOP/s | assumption |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---|\n");
        for (DeviceInfo d : devices) {
            PeakModel.Peak p = PeakModel.of(d);
            sb.append(String.format(Locale.ROOT, "| #%d %s | #%d %s | %s | %d | %d | %d | %d | %s | %s |%n", d.platformIndex,
                    esc(d.platformName), d.deviceIndex, esc(d.name), d.gpu ? "GPU" : d.cpu ? "CPU" : "other",
                    d.computeUnits, d.clockMhz, d.localMemBytes / 1024, d.maxWorkGroupSize, Measure.fmt(p.gflops()),
                    esc(p.assumption())));
        }
        long failed = checks.stream().filter(c -> !"pass".equals(c.get("status"))).count();
        sb.append("\n## Checks against the float64 reference: ").append(checks.size() - failed).append(" of ")
                .append(checks.size()).append(" passed\n\n| device | kernel | check | status | error | tolerance | detail |\n");
        sb.append("|---|---|---|---|---:|---:|---|\n");
        for (Map<String, Object> c : checks) {
            sb.append("| ").append(esc(c.get("device"))).append(" | ").append(c.get("kernel")).append(" | ")
                    .append(esc(c.get("name"))).append(" | ").append(c.get("status")).append(" | ").append(sci(c.get("error")))
                    .append(" | ").append(sci(c.get("tolerance"))).append(" | ")
                    .append("pass".equals(c.get("status")) ? "" : esc(c.get("detail"))).append(" |\n");
        }
        sb.append("\n## Batched GEMM (C_b = A_b^T B_b, d x d, float32)\n\n| back-end | d | batch | GFLOP/s (kernel) |"
                + " GFLOP/s (wall) | % of peak (kernel) | status |\n|---|---:|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> g : gemm) {
            sb.append("| ").append(esc(g.get("backend"))).append(" | ").append(g.get("d")).append(" | ").append(g.get("batch"))
                    .append(" | ").append(num(g.get("gflops"))).append(" | ").append(num(g.get("gflops_wall"))).append(" | ")
                    .append(pct(g.get("fraction_of_peak"))).append(" | ").append(esc(g.get("status"))).append(" |\n");
        }
        sb.append("\n## Layer (K = 5)\n\n| workload | B | d | n | mode | back-end | samples/s | GFLOP/s | % of peak |"
                + " wall ms | kernel ms | transfer ms | error % | status |\n"
                + "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> r : layer) {
            sb.append("| ").append(r.get("workload")).append(" | ").append(r.get("batch")).append(" | ").append(r.get("d"))
                    .append(" | ").append(r.get("n")).append(" | ").append(r.get("mode")).append(" | ")
                    .append(esc(r.get("backend"))).append(" | ").append(num(r.get("samples_per_s"))).append(" | ")
                    .append(num(r.get("gflops"))).append(" | ").append(pct(r.get("fraction_of_peak"))).append(" | ")
                    .append(num(r.get("wall_ms"))).append(" | ").append(num(r.get("kernel_ms"))).append(" | ")
                    .append(num(r.get("transfer_ms"))).append(" | ").append(sci(r.get("error_pct"))).append(" | ")
                    .append(esc(r.get("status"))).append(" |\n");
        }
        return sb.toString();
    }

    private static String esc(Object o) {
        return String.valueOf(o).replace("|", "/").replace("\n", " ");
    }

    private static String num(Object v) {
        return v instanceof Number ? Measure.fmt(((Number) v).doubleValue()) : "";
    }

    private static String sci(Object v) {
        return v instanceof Number ? String.format(Locale.ROOT, "%.2g", ((Number) v).doubleValue()) : "";
    }

    private static String pct(Object v) {
        return v instanceof Number ? String.format(Locale.ROOT, "%.1f %%", 100 * ((Number) v).doubleValue()) : "";
    }
}
