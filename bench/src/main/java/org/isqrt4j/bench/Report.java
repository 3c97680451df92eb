package org.isqrt4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;

/**
 * The benchmark report: runs the FMA peak calibration, the layer benchmarks and the GEMM micro-benchmarks through
 * JMH's Runner API as the {@link Plan} says ({@link Flags} reads it from the command line), collects
 * {@link Results} from JMH's scores and the benchmarks' {@link Trial} records, then prints the markdown
 * ({@link MarkdownReport}) and writes {@code latest.json} ({@link JsonReport}), {@code latest.md} and
 * {@code latest.png} ({@link Chart}) to the output folder. Entry point of {@code bench/run.sh}.
 *
 * <p>Profiles: {@code smoke} (tiny shape, one short iteration, every contender exercised and checked: for CI),
 * {@code quick} (W1-W3, in-process, short iterations: a few minutes on two cores), {@code full} (W1-W4, two forks,
 * proper warm-up and measurement: for the published numbers, on a quiet machine).
 */
public final class Report {
    /** Upper bound of the in-process JIT warm-up per contender and workload. */
    static final long JIT_WARM_UP_MAX_MS = 6000;

    /** The back-end whose thread scaling {@code --scaling} measures. */
    static final String SCALING_BACKEND = "cpu-vector";

    private static final List<String> MODES = List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD);

    private final Plan plan;
    private final PrintStream out;
    private final PrintStream log;
    private final JmhRuns jmh;
    private boolean allOk = true;

    Report(Plan plan, PrintStream out, PrintStream log) {
        this.plan = plan;
        this.out = out;
        this.log = log;
        this.jmh = new JmhRuns(plan, plan.work().resolve("jmh-" + plan.profile() + ".log"));
    }

    /**
     * @param args see {@code --help}
     * @throws Exception if the run cannot be set up; a failed check makes the exit status 1
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--choices")) {
            BaselineChoice.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (Arrays.asList(args).contains("--merge-device")) {
            System.exit(DeviceMerge.run(args, System.out, System.err));
            return;
        }
        Optional<Plan> parsed;
        try {
            parsed = Flags.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Flags.USAGE);
            System.exit(2);
            return;
        }
        if (parsed.isEmpty()) {
            System.out.println(Flags.USAGE);
            return;
        }
        Plan plan = parsed.get();
        OptionalInt bits = plan.vectorBits();
        if (bits.isPresent() && !bits.equals(Environment.jvmVectorBits())) {
            if (Boolean.getBoolean(VectorWidth.CHILD_PROPERTY)) {
                System.err.println("--vector-bits " + bits.getAsInt() + ": the JVM started with " + VectorWidth.forcedFlags()
                        + " has " + Environment.jvmVectorBits() + " vectors (the host may not have that width)");
                System.exit(2);
            }
            System.exit(VectorWidth.relaunch(bits.getAsInt(), args));
        }
        boolean ok = new Report(plan, System.out, System.err).run();
        System.exit(ok ? 0 : 1);
    }

    /**
     * Runs everything the plan asks for and writes the outputs.
     *
     * @return false if a check failed or a benchmark did not run
     * @throws IOException     if the work or output folder cannot be written
     * @throws RunnerException if JMH cannot run
     */
    boolean run() throws IOException, RunnerException {
        long t0 = System.nanoTime();
        Files.createDirectories(plan.work());
        deleteRecursively(Trial.folder(plan.work()));
        System.setProperty(Checks.WORK_PROPERTY, plan.work().toAbsolutePath().toString());
        Files.deleteIfExists(jmh.log());

        note("probing OpenCL in its own JVM%s", plan.gemmTable() ? " (device, GEMM kernel)" : "");
        OpenClProbe.Found probe = OpenClProbe.launch(plan);
        Environment env = Environment.detect(probe);
        Map<String, String> unavailable = new LinkedHashMap<>();
        List<String> runnable = new ArrayList<>();
        for (String id : plan.backends()) {
            Optional<String> why = id.equals("opencl") ? probe.unavailable()
                    : Optional.ofNullable(Backends.unavailableReason(id));
            if (why.isEmpty()) {
                runnable.add(id);
            } else {
                unavailable.put(id, why.get());
            }
        }
        note("profile %s, %d thread(s); contenders %s%s", plan.profile(), plan.threads(), runnable,
                unavailable.isEmpty() ? "" : "; n/a " + unavailable.keySet());

        Peak peak = peak();
        List<LayerRow> layer = layer(runnable, unavailable, env, peak, t0);
        List<WhiteningBench.Row> whitening = new ArrayList<>();
        String whiteningBackend = runnable.contains("cpu-vector") ? "cpu-vector" : "cpu-scalar";
        if (plan.whitening()) {
            // issue 15: in-process, round robin against the eigendecomposition route
            note("whitening: %s against EJML eig, %d round(s)", whiteningBackend, plan.whiteningReps());
            try {
                whitening.addAll(WhiteningBench.run(whiteningBackend, plan.threads(), plan.whiteningReps(),
                        plan.whiteningSmall()));
            } catch (Exception e) {
                note("whitening failed: %s", e);
                allOk = false;
            }
        }
        List<ScalingRow> scaling = plan.scaling() && plan.threads() > 1 && runnable.contains(SCALING_BACKEND)
                ? scaling(layer) : List.of();
        List<GemmRow> gemm = new ArrayList<>();
        if (plan.gemmTable()) {
            gemm.addAll(new GemmTable(plan, jmh, this::note).rows(peak, env, probe));
            allOk &= gemm.stream().noneMatch(g -> g.status().startsWith("FAILED") && !g.backend().equals("opencl"));
        }
        Results results = new Results(env, peak, layer, scaling, whitening, whiteningBackend, gemm,
                Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        write(results);
        return allOk;
    }

    /** Writes a chart to the given file. */
    interface ChartWriter {
        void write(Path png) throws IOException;
    }

    /**
     * Writes a report's JSON, markdown and chart (a chart that fails is reported, not fatal), prints the markdown
     * and where the three went: the end of a run and of {@code --merge-device} alike.
     */
    static void writeOutputs(PrintStream out, Path json, String jsonText, Path md, String markdown, Path png,
                             ChartWriter chart) throws IOException {
        Files.writeString(json, jsonText, StandardCharsets.UTF_8);
        Files.writeString(md, markdown, StandardCharsets.UTF_8);
        String chartNote;
        try {
            chart.write(png);
            chartNote = png.toString();
        } catch (IOException | RuntimeException | LinkageError e) {
            chartNote = "not written: " + e;
        }
        out.print(markdown);
        out.println();
        out.println("JSON:  " + json);
        out.println("Table: " + md);
        out.println("Chart: " + chartNote);
    }

    private void write(Results results) throws IOException {
        Files.createDirectories(plan.out());
        Path json = plan.out().resolve("latest.json");
        Path md = plan.out().resolve("latest.md");
        Path png = plan.out().resolve("latest.png");
        writeOutputs(out, json, Json.write(JsonReport.render(plan, results)), md, MarkdownReport.render(plan, results),
                png, p -> Chart.layer(p, plan, results));
        out.println("JMH log: " + jmh.log());
        if (!allOk) {
            out.println("Some benchmarks FAILED their check or did not run (see the status column).");
        }
    }

    /** The FMA peak on 1 and on all threads, and the clock; always warmed up (see {@link PeakBenchmark}). */
    private Peak peak() throws RunnerException {
        note("FMA peak calibration (1 and %d threads)", plan.threads());
        Map<String, String[]> pp = new LinkedHashMap<>();
        pp.put("threads", JmhRuns.strings(plan.peakThreads()));
        Plan.JmhSettings g = plan.gemm();
        // Always warmed up, even in smoke: an interpreted loop would make every fraction of peak absurd.
        Plan.JmhSettings s = new Plan.JmhSettings(g.forks(), Math.max(2, g.warmup()), Math.max(1, g.iterations()),
                Math.max(200, g.warmupMs()), Math.max(200, g.timeMs()));
        Map<Integer, Double> wall = new LinkedHashMap<>();
        Map<Integer, Double> clockWall = new LinkedHashMap<>();
        for (RunResult r : jmh.run(PeakBenchmark.class, pp, s, Math.min(g.forks(), 1))) {
            int t = Integer.parseInt(r.getParams().getParam("threads"));
            boolean isClock = r.getPrimaryResult().getLabel().equals("clock");
            OptionalDouble ops = trial(isClock ? PeakBenchmark.clockKey(t) : PeakBenchmark.key(t))
                    .map(Trial::flops).orElse(OptionalDouble.empty());
            if (ops.isPresent()) {
                (isClock ? clockWall : wall).put(t, r.getPrimaryResult().getScore() * ops.getAsDouble() / 1e9
                        * (isClock ? PeakBenchmark.IMUL_LATENCY : 1));
            }
        }
        // The true peak is the rate per thread CPU second (see PeakBenchmark): on a loaded machine the wall-clock
        // score is lower by the load, and every fraction of it would be inflated.
        List<Peak.At> at = new ArrayList<>();
        for (int t : plan.peakThreads()) {
            at.add(new Peak.At(t, optional(wall.get(t)), cpuRate(PeakBenchmark.key(t))));
        }
        return Peak.of(at, optional(clockWall.get(1)), cpuRate(PeakBenchmark.clockKey(1)), PeakBenchmark.lanes());
    }

    /** The layer table: every contender x workload x mode, in that order within each workload and mode. */
    private List<LayerRow> layer(List<String> runnable, Map<String, String> unavailable, Environment env, Peak peak,
                                 long t0) throws RunnerException {
        if (!runnable.isEmpty()) {
            note("layer benchmarks: %d workload(s) x %d modes x %d contenders", plan.workloads().size(), MODES.size(),
                    runnable.size());
        }
        Map<String, RunResult> byKey = new LinkedHashMap<>();
        for (Workload w : plan.workloads()) {
            if (runnable.isEmpty()) {
                break;
            }
            // OpenCL always runs in forked JVMs (see OpenClProbe); the others as the profile says.
            List<String> inProcess = new ArrayList<>(runnable);
            List<String> forked = new ArrayList<>();
            if (inProcess.remove("opencl")) {
                forked.add("opencl");
            }
            for (List<String> group : List.of(inProcess, forked)) {
                if (group.isEmpty()) {
                    continue;
                }
                int forks = group == forked ? Math.max(1, plan.layer().forks()) : plan.layer().forks();
                if (forks == 0 && plan.jitWarmUp()) {
                    for (String id : group) {
                        jitWarmUp(id, w);
                    }
                }
                for (RunResult r : jmh.run(LayerBenchmark.class, layerParams(group, w, plan.threads()), plan.layer(), forks)) {
                    byKey.put(r.getParams().getParam("backend") + "|" + w.id() + "|" + r.getParams().getParam("mode"), r);
                }
            }
            note("  %s done (%.0f s so far)", w.id(), (System.nanoTime() - t0) / 1e9);
        }
        OptionalDouble peakAll = peak.on(plan.threads());
        List<LayerRow> rows = new ArrayList<>();
        for (Workload w : plan.workloads()) {
            int b = plan.batchOf(w);
            for (String mode : MODES) {
                for (String id : plan.backends()) {
                    if (unavailable.containsKey(id)) {
                        rows.add(LayerRow.without(id, w, b, mode, "n/a: " + unavailable.get(id), OptionalDouble.empty(),
                                Optional.empty()));
                        continue;
                    }
                    Optional<Trial> trial = trial(LayerBenchmark.key(id, w.id(), mode, plan.threads(), b));
                    RunResult r = byKey.get(id + "|" + w.id() + "|" + mode);
                    Optional<Trial> passed = trial.filter(Trial::passed);
                    OptionalDouble err = passed.isPresent() ? OptionalDouble.of(passed.get().errorPct()) : OptionalDouble.empty();
                    Optional<String> desc = passed.map(Trial::detail).filter(d -> !d.isEmpty());
                    if (r == null || passed.isEmpty()) {
                        rows.add(LayerRow.without(id, w, b, mode, failure(trial), err, desc));
                        allOk = false;
                        continue;
                    }
                    double ops = r.getPrimaryResult().getScore();
                    double opsErr = r.getPrimaryResult().getScoreError();
                    boolean gpu = id.equals("opencl") && env.gpu();
                    rows.add(LayerRow.measured(id, w, b, mode, ops * b,
                            Double.isFinite(opsErr) ? OptionalDouble.of(opsErr * b) : OptionalDouble.empty(),
                            gpu ? OptionalDouble.empty() : peakAll, err.getAsDouble(), JmhRuns.allocNorm(r),
                            gpu ? OptionalDouble.empty() : passed.get().cpuRate(), desc));
                }
            }
        }
        List<LayerRow> withRatios = new ArrayList<>();
        for (LayerRow row : rows) {
            withRatios.add(row.withRatios(rows));
        }
        return withRatios;
    }

    private Map<String, String[]> layerParams(List<String> backends, Workload w, int threads) {
        Map<String, String[]> lp = new LinkedHashMap<>();
        lp.put("backend", backends.toArray(new String[0]));
        lp.put("workload", new String[] {w.id()});
        lp.put("mode", MODES.toArray(new String[0]));
        lp.put("threads", new String[] {Integer.toString(threads)});
        lp.put("batch", new String[] {Integer.toString(plan.batchOf(w))});
        return lp;
    }

    /**
     * Runs {@link #SCALING_BACKEND} on one thread for every workload and mode, after the layer table, and pairs
     * each result with its row there (same JVM settings, minutes apart rather than in different runs).
     */
    private List<ScalingRow> scaling(List<LayerRow> layer) throws RunnerException {
        note("thread scaling: %s on 1 thread", SCALING_BACKEND);
        List<ScalingRow> rows = new ArrayList<>();
        for (Workload w : plan.workloads()) {
            int b = plan.batchOf(w);
            Map<String, RunResult> byMode = new LinkedHashMap<>();
            for (RunResult r : jmh.run(LayerBenchmark.class, layerParams(List.of(SCALING_BACKEND), w, 1), plan.layer(),
                    plan.layer().forks())) {
                byMode.put(r.getParams().getParam("mode"), r);
            }
            for (String mode : MODES) {
                OptionalDouble all = layer.stream().filter(r -> r.sameCell(SCALING_BACKEND, w, mode)).findFirst()
                        .map(LayerRow::samplesPerS).orElse(OptionalDouble.empty());
                Optional<Trial> trial = trial(LayerBenchmark.key(SCALING_BACKEND, w.id(), mode, 1, b));
                RunResult r = byMode.get(mode);
                if (r == null || trial.filter(Trial::passed).isEmpty()) {
                    rows.add(new ScalingRow(SCALING_BACKEND, w, b, mode, OptionalDouble.empty(), all, failure(trial)));
                    allOk = false;
                } else {
                    rows.add(new ScalingRow(SCALING_BACKEND, w, b, mode,
                            OptionalDouble.of(r.getPrimaryResult().getScore() * b), all, "ok"));
                }
            }
        }
        return rows;
    }

    /**
     * In-process runs (quick, smoke) share one JVM, and JMH's short warm-up there leaves the first cells of a
     * contender half interpreted: the cpu-vector kernels are large methods that C2 needs 2-3 s to compile, and a
     * workload that takes branches the previous one did not recompiles them (measured on W1: 7, 50, 180, then
     * 410-450 samples/s in the first 2.5 s of a fresh JVM; the JMH GC profiler showed megabytes of boxed
     * vectors per batch in such cells). So every in-process contender first runs forward+backward on the
     * workload until its throughput stops rising (two 250 ms windows within 5 %), for at least 1 s and at most
     * {@link #JIT_WARM_UP_MAX_MS}. Forked runs (full profile) get a fresh JVM and JMH's own, longer warm-up.
     */
    private void jitWarmUp(String id, Workload w) {
        int b = plan.batchOf(w);
        long start = System.nanoTime();
        double last = 0;
        int windows = 0;
        try (LayerRunner r = Backends.create(id, plan.threads(), b, w.d(), w.n(), w.iterations())) {
            float[] x = Checks.input(b, w.d(), w.n(), 1);
            float[] g = Checks.gradient(b, w.d(), 1);
            float[] out = new float[b * w.d() * w.d()];
            float[] gx = new float[b * w.d() * w.n()];
            while (true) {
                long w0 = System.nanoTime();
                int batches = 0;
                do {
                    r.forward(x, out);
                    r.backward(g, gx);
                    batches++;
                } while (System.nanoTime() - w0 < 250_000_000L);
                long now = System.nanoTime();
                double rate = batches / ((now - w0) / 1e9);
                windows++;
                double elapsedMs = (now - start) / 1e6;
                if ((elapsedMs >= 1000 && rate <= last * 1.05) || elapsedMs >= JIT_WARM_UP_MAX_MS) {
                    break;
                }
                last = Math.max(last, rate);
            }
        } catch (RuntimeException e) {
            // the benchmark's own set-up reports a contender that cannot run; the warm-up only prepares the JIT
            note("  JIT warm-up of %s on %s stopped: %s", id, w.id(), e);
            return;
        }
        note("  JIT warm-up of %s on %s: %.1f s (%d windows)", id, w.id(), (System.nanoTime() - start) / 1e9, windows);
    }

    /** @param key a benchmark's key  @return its trial record from this run */
    Optional<Trial> trial(String key) {
        return Trial.load(plan.work(), key);
    }

    /** @param key a benchmark's key  @return its rate per CPU second, if it passed and measured one */
    OptionalDouble cpuRate(String key) {
        return trial(key).filter(Trial::passed).map(Trial::cpuRate).orElse(OptionalDouble.empty());
    }

    /** @param trial a cell's trial, if any  @return the status of a cell without a usable result */
    String failure(Optional<Trial> trial) {
        if (trial.isEmpty()) {
            return "FAILED: no result (see " + jmh.log() + ")";
        }
        Trial t = trial.get();
        return t.passed() ? String.format(Locale.ROOT, "FAILED: checked (error %.3g %%), but JMH gave no score (see %s)",
                t.errorPct(), jmh.log()) : "FAILED: " + t.failure();
    }

    private static OptionalDouble optional(Double v) {
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    void note(String fmt, Object... args) {
        log.println("[bench] " + String.format(Locale.ROOT, fmt, args));
        log.flush();
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            List<Path> all = s.toList();
            for (int i = all.size() - 1; i >= 0; i--) {
                Files.deleteIfExists(all.get(i));
            }
        }
    }
}
