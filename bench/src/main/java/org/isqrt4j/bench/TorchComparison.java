package org.isqrt4j.bench;

import java.util.List;
import java.util.Locale;

/**
 * The report's comparison with {@code torch-autograd} (the layer in DJL NDArray operations on the PyTorch engine,
 * {@link TorchAutogradLayer}): per workload and mode, its samples/s beside the library's CPU back-end and the
 * OpenBLAS baseline, as ratios within the run.
 */
final class TorchComparison {
    private TorchComparison() {
    }

    /**
     * @param layer the layer table's rows
     * @return the markdown section, or "" when the run has no torch-autograd cell
     */
    static String markdown(List<Report.LayerRow> layer) {
        StringBuilder sb = new StringBuilder();
        for (Report.LayerRow t : layer) {
            if (!t.backend.equals(Backends.TORCH)) {
                continue;
            }
            Report.LayerRow cpu = find(layer, "cpu-vector", t);
            Report.LayerRow blas = find(layer, Backends.OPENBLAS, t);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", t.workload.id(), t.batch,
                    t.mode, t.samplesPerS == null ? t.status.replace("|", "/") : Report.sig(t.samplesPerS),
                    cpu == null ? "" : Report.sig(cpu.samplesPerS), ratio(cpu, t), ratio(blas, t)));
        }
        if (sb.length() == 0) {
            return "";
        }
        return "\n## Against torch-autograd (same run)\n\n"
                + "torch-autograd is the layer in DJL NDArray operations on the PyTorch engine (the official code's 3K-3 "
                + "batched products, autograd backward, libtorch's MKL, the copies in and out of the JVM included): "
                + "what a JVM user would run instead of this library.\n\n"
                + "| workload | B | mode | torch-autograd samples/s | cpu-vector samples/s | cpu-vector / torch | "
                + "isqrt-openblas / torch |\n|---|---:|---|---:|---:|---:|---:|\n" + sb;
    }

    private static Report.LayerRow find(List<Report.LayerRow> rows, String id, Report.LayerRow like) {
        for (Report.LayerRow r : rows) {
            if (r.backend.equals(id) && r.workload == like.workload && r.mode.equals(like.mode)) {
                return r;
            }
        }
        return null;
    }

    private static String ratio(Report.LayerRow a, Report.LayerRow torch) {
        if (a == null || a.samplesPerS == null || torch.samplesPerS == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2fx", a.samplesPerS / torch.samplesPerS);
    }
}
