package org.isqrt4j.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

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
    static String markdown(List<LayerRow> layer) {
        StringBuilder sb = new StringBuilder();
        for (LayerRow t : layer) {
            if (!t.backend().equals(Backends.TORCH)) {
                continue;
            }
            Optional<LayerRow> cpu = find(layer, "cpu-vector", t);
            Optional<LayerRow> blas = find(layer, Backends.OPENBLAS, t);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", t.workload().id(), t.batch(),
                    t.mode(), t.samplesPerS().isEmpty() ? Fmt.cell(t.status()) : Fmt.sig(t.samplesPerS()),
                    cpu.map(c -> Fmt.sig(c.samplesPerS())).orElse(""), ratio(cpu, t), ratio(blas, t)));
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

    private static Optional<LayerRow> find(List<LayerRow> rows, String id, LayerRow like) {
        return rows.stream().filter(r -> r.sameCell(id, like.workload(), like.mode())).findFirst();
    }

    private static String ratio(Optional<LayerRow> a, LayerRow torch) {
        OptionalDouble r = Fmt.ratio(a.map(LayerRow::samplesPerS).orElse(OptionalDouble.empty()), torch.samplesPerS());
        return Fmt.times(r);
    }
}
