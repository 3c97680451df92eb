package org.isqrt4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/** The report's markdown ({@code latest.md} and what {@code bench/run.sh} prints): a renderer of {@link Results}. */
final class MarkdownReport {
    private MarkdownReport() {
    }

    /**
     * @param plan the run's plan
     * @param r    its results
     * @return the report in markdown
     */
    static String render(Plan plan, Results r) {
        StringBuilder sb = new StringBuilder();
        header(sb, plan, r);
        layer(sb, r);
        sb.append(TorchComparison.markdown(r.layer()));
        cpuTime(sb, plan, r);
        scaling(sb, plan, r);
        if (!r.whitening().isEmpty()) {
            String w = WhiteningBench.markdown(r.whitening(), r.whiteningBackend(), plan.threads(), plan.whiteningReps());
            sb.append("\n##").append(w.replaceFirst("^# Whitening benchmark", " Whitening (IterNorm shape) and the inverse root"
                    + (plan.whiteningSmall() ? ", small shapes" : "")));
        }
        if (plan.gc()) {
            allocation(sb, r);
        }
        if (plan.variants()) {
            variants(sb, plan, r);
        }
        gemm(sb, r);
        return sb.toString();
    }

    private static void header(StringBuilder sb, Plan plan, Results r) {
        Environment env = r.env();
        Peak peak = r.peak();
        sb.append("# isqrt4j benchmark report (profile ").append(plan.profile()).append(")\n\n");
        sb.append("- JDK: ").append(env.jdk()).append('\n');
        sb.append("- CPU: ").append(env.cpu()).append(", ").append(env.cores()).append(" cores available; ")
                .append("threads: ").append(plan.threads()).append('\n');
        sb.append("- Vector bits (FloatVector.SPECIES_PREFERRED): ")
                .append(env.vectorBits().isPresent() ? Integer.toString(env.vectorBits().getAsInt()) : "null")
                .append(env.vectorBitsForced() ? " (forced with " + env.vectorFlags()
                        + "; OpenBLAS keeps the host's width, so ratios to it say little)" : " (the JVM's default)")
                .append('\n');
        sb.append("- OpenCL device: ").append(env.openclDevice()).append('\n');
        OptionalDouble wall1 = peak.at().isEmpty() ? OptionalDouble.empty() : peak.at().get(0).wall();
        sb.append("- FMA peak (measured in this run, per thread CPU second; wall clock ").append(Fmt.sigOrNa(wall1))
                .append(" on 1 thread): ").append(Fmt.sigOrNa(peak.perCore())).append(" GFLOP/s on 1 thread, ")
                .append(Fmt.sigOrNa(peak.on(plan.threads()))).append(" GFLOP/s on ").append(plan.threads()).append(" threads")
                .append(peak.clockGhz().isEmpty() ? "" : String.format(Locale.ROOT,
                        "; clock (dependent multiply chain, per thread CPU second) %.2f GHz, so %.1f flop/cycle; clock-based peak %s GFLOP/s "
                                + "per core (%s flop/cycle x clock)", peak.clockGhz().getAsDouble(),
                        peak.flopPerCycle().orElse(Double.NaN), Fmt.sigOrNa(peak.clockPeakPerCore()),
                        Fmt.sigOrNa(peak.nominalFlopPerCycle())))
                .append('\n');
        sb.append("- Baselines: eig-ejml in ").append(env.eigEjmlPrecision()).append("; isqrt-openblas ")
                .append(env.openblas()).append(", ").append(env.isqrtOpenblasParallelism()).append('\n');
        Plan.JmhSettings j = plan.layer();
        sb.append(String.format(Locale.ROOT, "- JMH: %d fork(s), %d warm-up + %d measurement iteration(s) of %d ms%s, throughput%s%n",
                j.forks(), j.warmup(), j.iterations(), j.timeMs(),
                j.warmupMs() == j.timeMs() ? "" : " (warm-up iterations " + j.warmupMs() + " ms)",
                j.forks() == 0 && plan.jitWarmUp()
                        ? "; in-process, so each contender first runs forward+backward on each workload until its "
                        + "throughput stops rising (JIT warm-up, 1-6 s)" : ""));
        if (!plan.batch().isEmpty()) {
            sb.append("- Batch sizes of this profile: ");
            List<String> bs = new ArrayList<>();
            for (Workload w : plan.workloads()) {
                bs.add(w.id() + " " + plan.batchOf(w) + (plan.batchOf(w) != w.batch() ? " (issue: " + w.batch() + ")" : ""));
            }
            sb.append(String.join(", ", bs)).append('\n');
        }
        sb.append("- GFLOP/s is effective: the straightforward scheme's count (covariance 2d^2n each way, 2d^3 per product, "
                + "3K-3 products forward, 10K-12 backward) for every contender; % of peak against the all-thread FMA peak.\n\n");
    }

    private static void layer(StringBuilder sb, Results r) {
        sb.append("## Layer\n\n");
        sb.append("| workload | B | d | n | K | mode | back-end | samples/s | GFLOP/s | % of peak | vs isqrt-openblas | vs eig-ejml | error % |\n");
        sb.append("|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (LayerRow row : r.layer()) {
            Workload w = row.workload();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %s | %s | ", w.id(), row.batch(), w.d(), w.n(),
                    w.iterations(), row.mode(), row.backend()));
            if (row.samplesPerS().isEmpty()) {
                sb.append(Fmt.cell(row.status())).append(" | | | | | | |\n");
                continue;
            }
            sb.append(Fmt.sig(row.samplesPerS()))
                    .append(row.samplesErr().isEmpty() ? "" : " ± " + Fmt.sig(row.samplesErr())).append(" | ")
                    .append(Fmt.sig(row.gflops())).append(" | ").append(Fmt.pct(row.fraction(), "n/a")).append(" | ")
                    .append(Fmt.times(row.vsOpenBlas())).append(" | ").append(Fmt.times(row.vsEig())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2g", row.errorPct().orElse(Double.NaN))).append(" |\n");
        }
    }

    private static void cpuTime(StringBuilder sb, Plan plan, Results r) {
        if (r.layer().stream().noneMatch(row -> row.samplesCpu().isPresent())) {
            return;
        }
        sb.append("\n## Layer per process CPU second (shared machines)\n\n");
        sb.append("Samples per (process CPU second / ").append(plan.threads()).append(" threads): what the contender "
                + "reaches with the cores to itself, which the wall-clock figures above cannot show on a loaded "
                + "machine. Optimistic for contenders that leave threads idle, so only a check on the CPU "
                + "contenders that keep every thread busy.\n\n");
        sb.append("| workload | mode | back-end | samples/s (CPU time) | GFLOP/s | % of peak | vs isqrt-openblas |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|\n");
        OptionalDouble peakAll = r.peak().on(plan.threads());
        for (LayerRow row : r.layer()) {
            if (row.samplesCpu().isEmpty()) {
                continue;
            }
            Workload w = row.workload();
            double gf = row.samplesCpu().getAsDouble() * Flops.perSample(w.d(), w.n(), w.iterations(),
                    row.mode().equals(LayerBenchmark.FORWARD_BACKWARD)) / 1e9;
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", w.id(), row.mode(),
                    row.backend(), Fmt.sig(row.samplesCpu()), Fmt.sig(gf),
                    Fmt.pct(Fmt.ratio(OptionalDouble.of(gf), peakAll), "n/a"), Fmt.times(row.vsOpenBlasCpu())));
        }
    }

    private static void scaling(StringBuilder sb, Plan plan, Results r) {
        if (r.scaling().isEmpty()) {
            return;
        }
        sb.append("\n## Thread scaling (").append(Report.SCALING_BACKEND).append(", same run)\n\n");
        sb.append("| workload | B | mode | back-end | samples/s, 1 thread | samples/s, ").append(plan.threads())
                .append(" threads | scaling |\n");
        sb.append("|---|---:|---|---|---:|---:|---:|\n");
        for (ScalingRow row : r.scaling()) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | ", row.workload().id(), row.batch(), row.mode(),
                    row.backend()));
            if (row.oneThread().isEmpty()) {
                sb.append(Fmt.cell(row.status())).append(" | | |\n");
            } else {
                sb.append(Fmt.sig(row.oneThread())).append(" | ").append(Fmt.sig(row.allThreads())).append(" | ")
                        .append(Fmt.times(row.ratio())).append(" |\n");
            }
        }
    }

    private static void allocation(StringBuilder sb, Results r) {
        sb.append("\n## Allocation (JMH GC profiler, gc.alloc.rate.norm)\n\n");
        sb.append("Bytes allocated on the Java heap per operation (one batch: forward, or forward then backward, the handle "
                + "of the previous call closed first), measured in the timed iterations. Native and OpenCL buffers are "
                + "not on the heap and not counted.\n\n");
        sb.append("| workload | B | mode | back-end | bytes per batch | bytes per sample |\n");
        sb.append("|---|---:|---|---|---:|---:|\n");
        for (LayerRow row : r.layer()) {
            if (row.allocPerBatch().isEmpty()) {
                continue;
            }
            double bytes = row.allocPerBatch().getAsDouble();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", row.workload().id(), row.batch(),
                    row.mode(), row.backend(), Fmt.sig(bytes), Fmt.sig(bytes / row.batch())));
        }
    }

    private static void variants(StringBuilder sb, Plan plan, Results r) {
        sb.append("\n## Baseline choices (samples/s, same run)\n\n");
        sb.append("| workload | mode | eig-ejml f32 | eig-ejml f64 | f32/f64 | openblas batch | openblas BLAS threads | batch/threads |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Workload w : plan.workloads()) {
            for (String mode : List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD)) {
                OptionalDouble f32 = samples(r, "eig-ejml-f32", w, mode);
                OptionalDouble f64 = samples(r, "eig-ejml-f64", w, mode);
                OptionalDouble bb = samples(r, "isqrt-openblas-batch", w, mode);
                OptionalDouble bt = samples(r, "isqrt-openblas-blas-threads", w, mode);
                sb.append("| ").append(w.id()).append(" | ").append(mode).append(" | ").append(Fmt.sig(f32)).append(" | ")
                        .append(Fmt.sig(f64)).append(" | ").append(Fmt.times(Fmt.ratio(f32, f64)))
                        .append(" | ").append(Fmt.sig(bb)).append(" | ").append(Fmt.sig(bt)).append(" | ")
                        .append(Fmt.times(Fmt.ratio(bb, bt))).append(" |\n");
            }
        }
    }

    private static OptionalDouble samples(Results r, String id, Workload w, String mode) {
        Optional<LayerRow> row = r.find(id, w, mode);
        return row.isPresent() ? row.get().samplesPerS() : OptionalDouble.empty();
    }

    private static void gemm(StringBuilder sb, Results r) {
        if (r.gemm().isEmpty()) {
            return;
        }
        sb.append("\n## GEMM (C = A B, d x d, float32)\n\n");
        sb.append("| back-end | d | threads | GFLOP/s | % of peak | note |\n");
        sb.append("|---|---:|---|---:|---:|---|\n");
        for (GemmRow row : r.gemm()) {
            sb.append("| ").append(row.backend()).append(" | ").append(row.d()).append(" | ").append(row.threadsText())
                    .append(" | ");
            if (row.gflops().isEmpty()) {
                sb.append(" | | ").append(Fmt.cell(row.status())).append(" |\n");
            } else {
                sb.append(Fmt.sig(row.gflops())).append(" | ").append(Fmt.pct(row.fraction(), "n/a")).append(" | ")
                        .append(row.description().map(Fmt::cell).orElse("")).append(" |\n");
            }
        }
        sb.append("\ncpu-vector with N threads runs independent products on N threads, each on its own operands, many per hand-off (the back-end's batch parallelism); "
                + "openblas with N threads is one product on N OpenBLAS threads; opencl is one product per launch on the "
                + "whole device, kernel time only.\n");
    }
}
