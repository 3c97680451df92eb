package org.isqrt4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The GEMM table's rows: cpu-vector and OpenBLAS through {@link GemmBenchmark} (on 1 and on all threads), OpenCL
 * from the {@link OpenClProbe}.
 */
final class GemmTable {
    /** A progress line for the log. */
    interface Note {
        void note(String fmt, Object... args);
    }

    private final Plan plan;
    private final JmhRuns jmh;
    private final Note note;

    GemmTable(Plan plan, JmhRuns jmh, Note note) {
        this.plan = plan;
        this.jmh = jmh;
        this.note = note;
    }

    /**
     * @param peak  the run's FMA peak (fractions per thread count)
     * @param env   the environment (whether OpenCL is a GPU)
     * @param probe what the OpenCL probe measured
     * @return the rows: cpu-vector, openblas (size x threads), then opencl (per size)
     * @throws RunnerException if JMH cannot run
     */
    List<GemmRow> rows(Peak peak, Environment env, OpenClProbe.Found probe) throws RunnerException {
        List<Integer> threads = plan.peakThreads();
        Map<String, String> why = new LinkedHashMap<>();
        why.put("cpu-vector", GemmBenchmark.cpuGemmUnavailableReason());
        why.put("openblas", OpenBlas.unavailableReason());
        List<String> runnable = new ArrayList<>();
        why.forEach((b, w) -> {
            if (w == null) {
                runnable.add(b);
            }
        });
        Map<String, RunResult> res = new LinkedHashMap<>();
        if (!runnable.isEmpty()) {
            note.note("GEMM micro-benchmarks: %s x d %s x threads %s", runnable, plan.gemmSizes(), threads);
            Map<String, String[]> gp = new LinkedHashMap<>();
            gp.put("backend", runnable.toArray(new String[0]));
            gp.put("d", JmhRuns.strings(plan.gemmSizes()));
            gp.put("threads", JmhRuns.strings(threads));
            for (RunResult r : jmh.run(GemmBenchmark.class, gp, plan.gemm(), Math.min(plan.gemm().forks(), 1))) {
                res.put(GemmBenchmark.key(r.getParams().getParam("backend"), Integer.parseInt(r.getParams().getParam("d")),
                        Integer.parseInt(r.getParams().getParam("threads"))), r);
            }
        }
        List<GemmRow> rows = new ArrayList<>();
        for (String backend : why.keySet()) {
            for (int d : plan.gemmSizes()) {
                for (int t : threads) {
                    if (why.get(backend) != null) {
                        rows.add(GemmRow.without(backend, d, OptionalInt.of(t), "n/a: " + why.get(backend)));
                    } else {
                        rows.add(measured(backend, d, t, res.get(GemmBenchmark.key(backend, d, t)), peak.on(t)));
                    }
                }
            }
        }
        rows.addAll(openCl(peak.on(plan.threads()), env, probe));
        return rows;
    }

    private GemmRow measured(String backend, int d, int t, RunResult r, OptionalDouble peak) {
        Optional<Trial> trial = Trial.load(plan.work(), GemmBenchmark.key(backend, d, t));
        Optional<Trial> passed = trial.filter(Trial::passed);
        OptionalDouble flops = passed.map(Trial::flops).orElse(OptionalDouble.empty());
        if (r == null || flops.isEmpty()) {
            String status = trial.isEmpty() ? "FAILED: no result (see " + jmh.log() + ")"
                    : passed.isEmpty() ? "FAILED: " + trial.get().failure()
                    : "FAILED: checked, but JMH gave no score (see " + jmh.log() + ")";
            return GemmRow.without(backend, d, OptionalInt.of(t), status);
        }
        Trial ok = passed.get();
        double gflops = r.getPrimaryResult().getScore() * flops.getAsDouble() / 1e9;
        OptionalDouble cpu = t == 1 ? ok.cpuRate() : OptionalDouble.empty();
        String desc = ok.detail();
        if (cpu.isPresent()) {
            desc = String.format(Locale.ROOT, "%s; %s GFLOP/s per thread CPU second (%s of peak)", desc, Fmt.sig(cpu),
                    Fmt.pct(Fmt.ratio(cpu, peak), "n/a"));
        }
        return new GemmRow(backend, d, OptionalInt.of(t), "ok", OptionalDouble.of(gflops),
                Fmt.ratio(OptionalDouble.of(gflops), peak), cpu, OptionalDouble.of(ok.errorPct()),
                desc.isEmpty() ? Optional.empty() : Optional.of(desc));
    }

    /**
     * The OpenCL GEMM rows, from {@link OpenClProbe}: the back-end's own {@code gemmBenchmark(d, batch, reps)},
     * timed by OpenCL profiling events (kernel time only, transfers excluded), one product per launch. The device
     * decides its parallelism, so there is one row per size.
     */
    private List<GemmRow> openCl(OptionalDouble peakAll, Environment env, OpenClProbe.Found probe) {
        Optional<String> why = probe.unavailable().or(probe::gemmMissing);
        List<GemmRow> rows = new ArrayList<>();
        for (int d : plan.gemmSizes()) {
            Optional<OpenClProbe.Gemm> g = probe.gemm(d);
            if (why.isPresent()) {
                rows.add(GemmRow.without("opencl", d, OptionalInt.empty(), "n/a: " + why.get()));
            } else if (g.isEmpty()) {
                rows.add(GemmRow.without("opencl", d, OptionalInt.empty(), "FAILED: no result from the OpenCL probe"));
            } else if (g.get().failure().isPresent()) {
                rows.add(GemmRow.without("opencl", d, OptionalInt.empty(), "FAILED " + g.get().failure().get()));
            } else {
                double gflops = g.get().gflops();
                rows.add(new GemmRow("opencl", d, OptionalInt.empty(), "ok", OptionalDouble.of(gflops),
                        env.gpu() ? OptionalDouble.empty() : Fmt.ratio(OptionalDouble.of(gflops), peakAll),
                        OptionalDouble.empty(), OptionalDouble.empty(), Optional.of("best of " + g.get().iterations()
                                + " x " + g.get().reps() + " launches, kernel time from profiling events")));
            }
        }
        return rows;
    }
}
