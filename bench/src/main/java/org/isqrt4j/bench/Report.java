package org.isqrt4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The benchmark report: runs the FMA peak calibration, the layer benchmarks and the GEMM micro-benchmarks through
 * JMH's Runner API with the chosen profile, then prints markdown tables and writes {@code latest.json},
 * {@code latest.md} and {@code latest.png} to the output folder. Entry point of {@code bench/run.sh}.
 *
 * <p>Profiles: {@code smoke} (tiny shape, one short iteration, every contender exercised and checked: for CI),
 * {@code quick} (W1-W3, in-process, short iterations: a few minutes on two cores), {@code full} (W1-W4, two forks,
 * proper warm-up and measurement: for the published numbers, on a quiet machine).
 */
public final class Report {
    private static final String USAGE = String.join("\n",
            "usage: bench/run.sh [--profile quick|full|smoke] [options]",
            "  --profile P        quick (default), full or smoke",
            "  --threads N        pool size of the CPU contenders (default: available processors)",
            "  --out DIR          where latest.json, latest.md and latest.png go (default: bench/results)",
            "  --work DIR         scratch folder: check outcomes, reference cache, JMH log (default: bench/target/bench-work)",
            "  --workloads a,b    subset of imagenet, small, finegrained, wide, tiny",
            "  --backends a,b     subset of cpu-vector, cpu-scalar, opencl, isqrt-openblas, eig-ejml, torch-autograd (and variants)",
            "  --variants         also run eig-ejml-f32/-f64 and isqrt-openblas-batch/-blas-threads, and compare them",
            "  --batch N|issue    override every workload's batch size (issue: the issue's B, also in quick)",
            "  --no-gemm          skip the GEMM table",
            "  --gc               JMH's GC profiler on the layer runs: bytes allocated per batch and per sample (full: on)",
            "  --scaling          also run cpu-vector on 1 thread, in the same run: its thread scaling (full: on)",
            "  --no-whitening     skip the whitening table (IterNorm-shaped ZCA whitening vs an EJML eigendecomposition,",
            "                     and the layer with INV_SQRT vs SQRT; WhiteningBench, in-process, round robin; default on)",
            "  --choices [R] [w,..]  instead of the report: interleaved timing of the baselines' variants",
            "  --merge-device F [--into REPORT.json] [--out DIR] [--name N]  instead of a run: a device check's rows",
            "                     (gpu-opencl/device-check) beside a written report's CPU rows (DeviceMerge)",
            "  --forks N, --warmup N, --iterations N, --time-ms N   override the profile's JMH settings",
            "  --vector-bits B    force the Vector API width (128, 256, 512): reruns the report in a child JVM with",
            "                     the HotSpot flags for it (x86: 256 = -XX:UseAVX=2, 128 = that + -XX:MaxVectorSize=16)");

    /** JMH settings and workloads of a profile. */
    static final class Plan {
        String profile = "quick";
        List<Workload> workloads = List.of(Workload.IMAGENET, Workload.SMALL, Workload.FINEGRAINED);
        Map<Workload, Integer> batch = new LinkedHashMap<>();
        int forks;
        int warmup = 1;
        int iterations = 2;
        int timeMs = 400;
        int gemmWarmup = 1;
        int gemmIterations = 1;
        int gemmTimeMs = 250;
        List<Integer> gemmSizes = List.of(64, 128, 256, 512, 1024);
        int threads = Runtime.getRuntime().availableProcessors();
        List<String> backends = new ArrayList<>(Backends.DEFAULT_LAYER);
        boolean variants;
        boolean gemm = true;
        boolean gc;
        boolean scaling;
        /** The whitening table (WhiteningBench); its rounds, and the small shapes in smoke. */
        boolean whitening = true;
        int whiteningReps = 3;
        boolean whiteningSmall;
        /** --vector-bits, or null for the JVM's own width. */
        Integer vectorBits;
        /** In-process runs warm each contender's JIT first (see jitWarmUp); off in smoke, which only checks. */
        boolean jitWarmUp = true;
        Path out = Paths.get("bench", "results");
        Path work = Paths.get("bench", "target", "bench-work");

        static Plan of(String profile) {
            Plan p = new Plan();
            p.profile = profile;
            switch (profile) {
                case "smoke":
                    p.workloads = List.of(Workload.TINY);
                    p.forks = 0;
                    p.warmup = 0;
                    p.iterations = 1;
                    p.timeMs = 100;
                    p.gemmWarmup = 0;
                    p.gemmIterations = 1;
                    p.gemmTimeMs = 100;
                    p.gemmSizes = List.of(32, 64);
                    p.jitWarmUp = false;
                    p.whiteningReps = 1;
                    p.whiteningSmall = true;
                    p.out = Paths.get("bench", "results", "tmp");
                    break;
                case "quick":
                    // In-process (no fork start-up per cell) and short: the whole run, build included, has to fit
                    // in four minutes on two shared cores. Batches are cut where one batch would outlast an
                    // iteration many times over; samples/s is per sample, so the cells stay comparable.
                    p.forks = 0;
                    p.batch.put(Workload.IMAGENET, 8);
                    p.batch.put(Workload.SMALL, 32);
                    break;
                case "full":
                    p.workloads = List.of(Workload.IMAGENET, Workload.SMALL, Workload.FINEGRAINED, Workload.WIDE);
                    p.forks = 2;
                    p.warmup = 3;
                    p.iterations = 5;
                    p.timeMs = 2000;
                    p.gemmWarmup = 3;
                    p.gemmIterations = 5;
                    p.gemmTimeMs = 1000;
                    // the published run: also the allocation and thread-scaling tables
                    p.gc = true;
                    p.scaling = true;
                    p.whiteningReps = 7;
                    break;
                default:
                    throw new IllegalArgumentException("unknown profile '" + profile + "' (quick, full, smoke)");
            }
            return p;
        }

        int batchOf(Workload w) {
            return batch.getOrDefault(w, w.batch());
        }
    }

    /** Upper bound of the in-process JIT warm-up per contender and workload. */
    static final long JIT_WARM_UP_MAX_MS = 6000;

    /** The back-end whose thread scaling {@code --scaling} measures. */
    static final String SCALING_BACKEND = "cpu-vector";

    private final Plan plan;
    private final List<ScalingRow> scaling = new ArrayList<>();
    private final List<WhiteningBench.Row> whitening = new ArrayList<>();
    private String whiteningBackend;
    private final PrintStream out;
    private final PrintStream log;

    Report(Plan plan, PrintStream out, PrintStream log) {
        this.plan = plan;
        this.out = out;
        this.log = log;
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
        Plan plan;
        try {
            plan = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (plan == null) {
            System.out.println(USAGE);
            return;
        }
        if (plan.vectorBits != null && !plan.vectorBits.equals(vectorBits())) {
            if (Boolean.getBoolean(VectorWidth.CHILD_PROPERTY)) {
                System.err.println("--vector-bits " + plan.vectorBits + ": the JVM started with "
                        + VectorWidth.forcedFlags() + " has " + vectorBits() + "-bit vectors (the host may not have that width)");
                System.exit(2);
            }
            System.exit(VectorWidth.relaunch(plan.vectorBits, args));
        }
        boolean ok = new Report(plan, System.out, System.err).run();
        System.exit(ok ? 0 : 1);
    }

    static Plan parse(String[] args) {
        String profile = "quick";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--profile") && i + 1 < args.length) {
                profile = args[i + 1];
            } else if (args[i].startsWith("--profile=")) {
                profile = args[i].substring("--profile=".length());
            }
        }
        Plan p = Plan.of(profile);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--help":
                case "-h":
                    return null;
                case "--variants":
                    p.variants = true;
                    continue;
                case "--no-gemm":
                    p.gemm = false;
                    continue;
                case "--gc":
                    p.gc = true;
                    continue;
                case "--scaling":
                    p.scaling = true;
                    continue;
                case "--no-whitening":
                    p.whitening = false;
                    continue;
                default:
                    break;
            }
            if (v == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + a);
                }
                v = args[++i];
            }
            switch (a) {
                case "--profile":
                    break;
                case "--threads":
                    p.threads = positive(a, v);
                    break;
                case "--out":
                    p.out = Paths.get(v);
                    break;
                case "--work":
                    p.work = Paths.get(v);
                    break;
                case "--workloads":
                    List<Workload> ws = new ArrayList<>();
                    for (String s : v.split(",")) {
                        ws.add(Workload.byId(s));
                    }
                    p.workloads = ws;
                    break;
                case "--backends":
                    p.backends = new ArrayList<>(Arrays.asList(v.split(",")));
                    break;
                case "--batch":
                    if (v.equals("issue")) {
                        p.batch.clear();
                        break;
                    }
                    int b = positive(a, v);
                    for (Workload w : Workload.values()) {
                        p.batch.put(w, b);
                    }
                    break;
                case "--forks":
                    p.forks = Integer.parseInt(v);
                    break;
                case "--vector-bits":
                    p.vectorBits = positive(a, v);
                    VectorWidth.flags(p.vectorBits);
                    break;
                case "--warmup":
                    p.warmup = Integer.parseInt(v);
                    p.gemmWarmup = p.warmup;
                    break;
                case "--iterations":
                    p.iterations = positive(a, v);
                    p.gemmIterations = p.iterations;
                    break;
                case "--time-ms":
                    p.timeMs = positive(a, v);
                    p.gemmTimeMs = p.timeMs;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (p.variants) {
            for (String id : Backends.VARIANTS) {
                if (!p.backends.contains(id)) {
                    p.backends.add(id);
                }
            }
        }
        return p;
    }

    private static int positive(String name, String v) {
        int x;
        try {
            x = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a positive integer, got '" + v + "'");
        }
        if (x < 1) {
            throw new IllegalArgumentException(name + " needs a positive integer, got " + x);
        }
        return x;
    }

    // =============================================================================================== run

    /** One row of the layer table. */
    static final class LayerRow {
        String backend;
        Workload workload;
        int batch;
        String mode;
        Double samplesPerS;
        Double samplesErr;
        Double gflops;
        Double fraction;
        Double errorPct;
        /** Bytes allocated per batch operation (JMH gc.alloc.rate.norm), with --gc. */
        Double allocPerBatch;
        Double vsOpenBlas;
        Double vsEig;
        /** Samples per (process CPU second / threads), see LayerBenchmark; and its ratio to isqrt-openblas's. */
        Double samplesCpu;
        Double vsOpenBlasCpu;
        String status = "ok";
        String description;
    }

    /** One row of the thread-scaling table: a back-end's samples/s on 1 thread and on the run's thread count. */
    static final class ScalingRow {
        String backend;
        Workload workload;
        int batch;
        String mode;
        Double oneThread;
        Double allThreads;
        String status = "ok";

        Double ratio() {
            return oneThread == null || allThreads == null ? null : allThreads / oneThread;
        }
    }

    /** One row of the GEMM table. */
    static final class GemmRow {
        String backend;
        int d;
        String threads;
        Double gflops;
        Double fraction;
        /** One thread: GFLOP/s per thread CPU second (see GemmBenchmark), or null. */
        Double gflopsCpu;
        Double errorPct;
        String status = "ok";
        String description;
    }

    boolean run() throws IOException, RunnerException {
        long t0 = System.nanoTime();
        Files.createDirectories(plan.work);
        deleteRecursively(plan.work.resolve("checks"));
        System.setProperty(Checks.WORK_PROPERTY, plan.work.toAbsolutePath().toString());
        Path jmhLog = plan.work.resolve("jmh-" + plan.profile + ".log");
        Files.deleteIfExists(jmhLog);

        note("probing OpenCL in its own JVM%s", plan.gemm ? " (device, GEMM kernel)" : "");
        Map<String, String> probe = probeOpenCl();
        Map<String, Object> env = environment(probe);
        Map<String, String> unavailable = new LinkedHashMap<>();
        List<String> runnable = new ArrayList<>();
        for (String id : plan.backends) {
            String why = id.equals("opencl") ? probe.get("unavailable") : Backends.unavailableReason(id);
            if (why == null) {
                runnable.add(id);
            } else {
                unavailable.put(id, why);
            }
        }
        note("profile %s, %d thread(s); contenders %s%s", plan.profile, plan.threads, runnable,
                unavailable.isEmpty() ? "" : "; n/a " + unavailable.keySet());

        // ---- peak
        note("FMA peak calibration (1 and %d threads)", plan.threads);
        List<Integer> peakThreads = plan.threads == 1 ? List.of(1) : List.of(1, plan.threads);
        Map<String, String[]> pp = new LinkedHashMap<>();
        pp.put("threads", strings(peakThreads));
        // Always warmed up, even in smoke: an interpreted loop would make every fraction of peak absurd.
        Collection<RunResult> peakRes = jmh(PeakBenchmark.class, pp, Math.max(2, plan.gemmWarmup),
                Math.max(1, plan.gemmIterations), Math.max(200, plan.gemmTimeMs), Math.min(plan.forks, 1), jmhLog);
        Map<Integer, Double> peak = new LinkedHashMap<>();
        Map<Integer, Double> clock = new LinkedHashMap<>();
        for (RunResult r : peakRes) {
            int t = Integer.parseInt(r.getParams().getParam("threads"));
            boolean isClock = r.getPrimaryResult().getLabel().equals("clock");
            Double ops = flopsOf(Checks.outcome(plan.work, isClock ? PeakBenchmark.clockKey(t) : PeakBenchmark.key(t)));
            if (ops != null) {
                (isClock ? clock : peak).put(t, r.getPrimaryResult().getScore() * ops / 1e9
                        * (isClock ? PeakBenchmark.IMUL_LATENCY : 1));
            }
        }
        // The true peak is the rate per thread CPU second (see PeakBenchmark): on a loaded machine the wall-clock
        // score is lower by the load, and every fraction of it would be inflated.
        for (int t : peakThreads) {
            env.put("peak_wall_gflops_t" + t, peak.get(t));
            Double cpu = valueOf(Checks.outcome(plan.work, PeakBenchmark.cpuKey(t)), "gflops=");
            env.put("peak_cpu_time_gflops_t" + t, cpu);
            if (cpu != null && (peak.get(t) == null || cpu > peak.get(t))) {
                peak.put(t, cpu);
            }
        }
        Double clockCpu = valueOf(Checks.outcome(plan.work, PeakBenchmark.clockCpuKey(1)), "ghz=");
        env.put("clock_wall_ghz", clock.get(1));
        Double peak1 = peak.get(1);
        Double peakAll = peak.get(plan.threads);
        env.put("peak_gflops_per_core", peak1);
        env.put("peak_gflops_all_threads", peakAll);
        peakCheck(env, peak1, clockCpu != null ? clockCpu : clock.get(1));

        // ---- layer
        List<String> modes = List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD);
        List<LayerRow> layer = new ArrayList<>();
        boolean allOk = true;
        if (!runnable.isEmpty()) {
            note("layer benchmarks: %d workload(s) x %d modes x %d contenders", plan.workloads.size(), modes.size(),
                    runnable.size());
        }
        Map<String, RunResult> byKey = new LinkedHashMap<>();
        for (Workload w : plan.workloads) {
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
                Map<String, String[]> lp = new LinkedHashMap<>();
                lp.put("backend", group.toArray(new String[0]));
                lp.put("workload", new String[] {w.id()});
                lp.put("mode", modes.toArray(new String[0]));
                lp.put("threads", new String[] {Integer.toString(plan.threads)});
                lp.put("batch", new String[] {Integer.toString(plan.batchOf(w))});
                int forks = group == forked ? Math.max(1, plan.forks) : plan.forks;
                if (forks == 0 && plan.jitWarmUp) {
                    for (String id : group) {
                        jitWarmUp(id, w);
                    }
                }
                for (RunResult r : jmh(LayerBenchmark.class, lp, plan.warmup, plan.iterations, plan.timeMs, forks, jmhLog)) {
                    byKey.put(r.getParams().getParam("backend") + "|" + w.id() + "|" + r.getParams().getParam("mode"), r);
                }
            }
            note("  %s done (%.0f s so far)", w.id(), (System.nanoTime() - t0) / 1e9);
        }
        for (Workload w : plan.workloads) {
            int b = plan.batchOf(w);
            for (String mode : modes) {
                for (String id : plan.backends) {
                    LayerRow row = new LayerRow();
                    row.backend = id;
                    row.workload = w;
                    row.batch = b;
                    row.mode = mode;
                    if (unavailable.containsKey(id)) {
                        row.status = "n/a: " + unavailable.get(id);
                        layer.add(row);
                        continue;
                    }
                    String outcome = Checks.outcome(plan.work, LayerBenchmark.key(id, w.id(), mode, plan.threads, b));
                    RunResult r = byKey.get(id + "|" + w.id() + "|" + mode);
                    if (outcome != null && outcome.startsWith("ok ")) {
                        String[] parts = outcome.split(" ", 3);
                        row.errorPct = Double.parseDouble(parts[1]);
                        row.description = parts.length > 2 ? parts[2] : null;
                    }
                    if (r == null || outcome == null || !outcome.startsWith("ok ")) {
                        row.status = "FAILED: " + (outcome == null ? "no result (see " + jmhLog + ")" : outcome);
                        allOk = false;
                        layer.add(row);
                        continue;
                    }
                    double ops = r.getPrimaryResult().getScore();
                    double opsErr = r.getPrimaryResult().getScoreError();
                    row.samplesPerS = ops * b;
                    row.samplesErr = Double.isFinite(opsErr) ? opsErr * b : null;
                    row.allocPerBatch = allocNorm(r);
                    row.gflops = row.samplesPerS * Flops.perSample(w.d(), w.n(), w.iterations(),
                            mode.equals(LayerBenchmark.FORWARD_BACKWARD)) / 1e9;
                    boolean gpu = id.equals("opencl") && Boolean.TRUE.equals(env.get("opencl_is_gpu"));
                    row.fraction = peakAll == null || gpu ? null : row.gflops / peakAll;
                    row.samplesCpu = gpu ? null : valueOf(Checks.outcome(plan.work, LayerBenchmark.cpuKey(
                            LayerBenchmark.key(id, w.id(), mode, plan.threads, b))), "samples=");
                    layer.add(row);
                }
            }
        }
        for (LayerRow row : layer) {
            row.vsOpenBlas = ratio(row, layer, Backends.OPENBLAS);
            row.vsEig = ratio(row, layer, Backends.EIG);
            for (LayerRow o : layer) {
                if (o.backend.equals(Backends.OPENBLAS) && o.workload == row.workload && o.mode.equals(row.mode)
                        && o.samplesCpu != null && row.samplesCpu != null) {
                    row.vsOpenBlasCpu = row.samplesCpu / o.samplesCpu;
                }
            }
        }

        // ---- whitening (issue 15): in-process, round robin against the eigendecomposition route
        if (plan.whitening) {
            whiteningBackend = runnable.contains("cpu-vector") ? "cpu-vector" : "cpu-scalar";
            note("whitening: %s against EJML eig, %d round(s)", whiteningBackend, plan.whiteningReps);
            try {
                whitening.addAll(WhiteningBench.run(whiteningBackend, plan.threads, plan.whiteningReps,
                        plan.whiteningSmall));
            } catch (Exception e) {
                note("whitening failed: %s", e);
                allOk = false;
            }
        }

        // ---- thread scaling
        if (plan.scaling && plan.threads > 1 && runnable.contains(SCALING_BACKEND)) {
            allOk &= scalingRows(layer, modes, jmhLog);
        }

        // ---- GEMM
        List<GemmRow> gemm = new ArrayList<>();
        if (plan.gemm) {
            allOk &= gemmRows(gemm, peak, peakAll, env, probe, jmhLog);
        }

        // ---- output
        env.put("elapsed_s", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        Files.createDirectories(plan.out);
        Path json = plan.out.resolve("latest.json");
        Path md = plan.out.resolve("latest.md");
        Path png = plan.out.resolve("latest.png");
        Files.write(json, Json.write(toJson(env, layer, gemm)).getBytes(StandardCharsets.UTF_8));
        String text = markdown(env, layer, gemm);
        Files.write(md, text.getBytes(StandardCharsets.UTF_8));
        String chartNote;
        try {
            chart(png, layer, peakAll);
            chartNote = png.toString();
        } catch (IOException | RuntimeException | LinkageError e) {
            chartNote = "not written: " + e;
        }
        out.print(text);
        out.println();
        out.println("JSON:  " + json);
        out.println("Table: " + md);
        out.println("Chart: " + chartNote);
        out.println("JMH log: " + jmhLog);
        if (!allOk) {
            out.println("Some benchmarks FAILED their check or did not run (see the status column).");
        }
        return allOk;
    }

    private boolean gemmRows(List<GemmRow> gemm, Map<Integer, Double> peak, Double peakAll, Map<String, Object> env,
                             Map<String, String> probe, Path jmhLog) throws RunnerException {
        boolean ok = true;
        List<Integer> threads = plan.threads == 1 ? List.of(1) : List.of(1, plan.threads);
        List<String> jmhBackends = new ArrayList<>();
        String cpuWhy = GemmBenchmark.cpuGemmUnavailableReason();
        if (cpuWhy == null) {
            jmhBackends.add("cpu-vector");
        }
        String blasWhy = OpenBlas.unavailableReason();
        if (blasWhy == null) {
            jmhBackends.add("openblas");
        }
        Map<String, RunResult> res = new LinkedHashMap<>();
        if (!jmhBackends.isEmpty()) {
            note("GEMM micro-benchmarks: %s x d %s x threads %s", jmhBackends, plan.gemmSizes, threads);
            Map<String, String[]> gp = new LinkedHashMap<>();
            gp.put("backend", jmhBackends.toArray(new String[0]));
            gp.put("d", strings(plan.gemmSizes));
            gp.put("threads", strings(threads));
            for (RunResult r : jmh(GemmBenchmark.class, gp, plan.gemmWarmup, plan.gemmIterations, plan.gemmTimeMs,
                    Math.min(plan.forks, 1), jmhLog)) {
                res.put(GemmBenchmark.key(r.getParams().getParam("backend"), Integer.parseInt(r.getParams().getParam("d")),
                        Integer.parseInt(r.getParams().getParam("threads"))), r);
            }
        }
        for (String backend : List.of("cpu-vector", "openblas")) {
            for (int d : plan.gemmSizes) {
                for (int t : threads) {
                    GemmRow row = new GemmRow();
                    row.backend = backend;
                    row.d = d;
                    row.threads = Integer.toString(t);
                    String why = backend.equals("cpu-vector") ? cpuWhy : blasWhy;
                    if (why != null) {
                        row.status = "n/a: " + why;
                        gemm.add(row);
                        continue;
                    }
                    String key = GemmBenchmark.key(backend, d, t);
                    String outcome = Checks.outcome(plan.work, key);
                    RunResult r = res.get(key);
                    Double flops = flopsOf(outcome);
                    if (r == null || flops == null) {
                        row.status = "FAILED: " + (outcome == null ? "no result (see " + jmhLog + ")" : outcome);
                        ok = false;
                        gemm.add(row);
                        continue;
                    }
                    String[] parts = outcome.split(" ", 4);
                    row.errorPct = Double.parseDouble(parts[1]);
                    row.description = parts.length > 3 ? parts[3] : null;
                    row.gflops = r.getPrimaryResult().getScore() * flops / 1e9;
                    Double pk = peak.get(t);
                    row.fraction = pk == null ? null : row.gflops / pk;
                    row.gflopsCpu = t == 1 ? valueOf(Checks.outcome(plan.work, GemmBenchmark.cpuKey(backend, d)), "gflops=")
                            : null;
                    if (row.gflopsCpu != null) {
                        row.description = String.format(Locale.ROOT, "%s; %s GFLOP/s per thread CPU second (%s of peak)",
                                row.description, sig(row.gflopsCpu), pk == null ? "n/a" : pct(row.gflopsCpu / pk));
                    }
                    gemm.add(row);
                }
            }
        }
        openClGemm(gemm, peakAll, env, probe);
        return ok;
    }

    /**
     * The OpenCL GEMM rows, from {@link OpenClProbe}: the back-end's own {@code gemmBenchmark(d, batch, reps)},
     * timed by OpenCL profiling events (kernel time only, transfers excluded), one product per launch. The device
     * decides its parallelism, so there is one row per size.
     */
    private void openClGemm(List<GemmRow> gemm, Double peakAll, Map<String, Object> env, Map<String, String> probe) {
        String why = probe.get("unavailable");
        if (why == null) {
            why = probe.get("gemm");
        }
        boolean gpu = Boolean.TRUE.equals(env.get("opencl_is_gpu"));
        for (int d : plan.gemmSizes) {
            GemmRow row = new GemmRow();
            row.backend = "opencl";
            row.d = d;
            row.threads = "device";
            String v = probe.get("gemm." + d);
            if (why != null) {
                row.status = "n/a: " + why;
            } else if (v == null) {
                row.status = "FAILED: no result from the OpenCL probe";
            } else if (v.startsWith("FAILED")) {
                row.status = v;
            } else {
                String[] parts = v.split(" ");
                row.gflops = Double.parseDouble(parts[0]);
                row.fraction = peakAll == null || gpu ? null : row.gflops / peakAll;
                row.description = "best of " + parts[1] + " x " + parts[2] + " launches, kernel time from profiling events";
            }
            gemm.add(row);
        }
    }

    /**
     * Runs {@link OpenClProbe} in a child JVM with this JVM's class path and the runner's options.
     *
     * @return its key=value lines; "unavailable" says why OpenCL cannot be used (also when the child dies)
     */
    private Map<String, String> probeOpenCl() {
        Map<String, String> out = new LinkedHashMap<>();
        if (!plan.backends.contains("opencl") && !plan.gemm) {
            out.put("unavailable", "not requested");
            return out;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(OpenClProbe.class.getName());
        cmd.add(plan.gemm ? joinInts(plan.gemmSizes) : "");
        cmd.add(Integer.toString(plan.gemmTimeMs));
        cmd.add(Integer.toString(Math.max(1, plan.gemmIterations)));
        try {
            Path log = plan.work.resolve("opencl-probe.log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                out.put("unavailable", "the OpenCL probe did not finish in 10 minutes");
                return out;
            }
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith(" ") && !line.startsWith("WARNING")) {
                    out.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            if (p.exitValue() != 0 && !out.containsKey("unavailable")) {
                out.put(out.containsKey("device") ? "gemm" : "unavailable",
                        "the OpenCL probe JVM exited with status " + p.exitValue() + " (see " + log + ")");
            }
        } catch (IOException e) {
            out.put("unavailable", "cannot start the OpenCL probe: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.put("unavailable", "interrupted");
        }
        return out;
    }

    private static String joinInts(List<Integer> xs) {
        StringBuilder sb = new StringBuilder();
        for (int x : xs) {
            sb.append(sb.length() == 0 ? "" : ",").append(x);
        }
        return sb.toString();
    }

    /**
     * Runs {@link #SCALING_BACKEND} on one thread for every workload and mode, after the layer table, and pairs
     * each result with its row there (same JVM settings, minutes apart rather than in different runs).
     *
     * @return false if a cell failed
     */
    private boolean scalingRows(List<LayerRow> layer, List<String> modes, Path jmhLog) throws RunnerException {
        note("thread scaling: %s on 1 thread", SCALING_BACKEND);
        boolean ok = true;
        for (Workload w : plan.workloads) {
            int b = plan.batchOf(w);
            Map<String, String[]> lp = new LinkedHashMap<>();
            lp.put("backend", new String[] {SCALING_BACKEND});
            lp.put("workload", new String[] {w.id()});
            lp.put("mode", modes.toArray(new String[0]));
            lp.put("threads", new String[] {"1"});
            lp.put("batch", new String[] {Integer.toString(b)});
            Map<String, RunResult> byMode = new LinkedHashMap<>();
            for (RunResult r : jmh(LayerBenchmark.class, lp, plan.warmup, plan.iterations, plan.timeMs, plan.forks, jmhLog)) {
                byMode.put(r.getParams().getParam("mode"), r);
            }
            for (String mode : modes) {
                ScalingRow row = new ScalingRow();
                row.backend = SCALING_BACKEND;
                row.workload = w;
                row.batch = b;
                row.mode = mode;
                row.allThreads = find(layer, SCALING_BACKEND, w, mode);
                String outcome = Checks.outcome(plan.work, LayerBenchmark.key(SCALING_BACKEND, w.id(), mode, 1, b));
                RunResult r = byMode.get(mode);
                if (r == null || outcome == null || !outcome.startsWith("ok ")) {
                    row.status = "FAILED: " + (outcome == null ? "no result (see " + jmhLog + ")" : outcome);
                    ok = false;
                } else {
                    row.oneThread = r.getPrimaryResult().getScore() * b;
                }
                scaling.add(row);
            }
        }
        return ok;
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
        try (LayerRunner r = Backends.create(id, plan.threads, b, w.d(), w.n(), w.iterations())) {
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

    private static Double ratio(LayerRow row, List<LayerRow> all, String base) {
        if (row.samplesPerS == null) {
            return null;
        }
        for (LayerRow o : all) {
            if (o.backend.equals(base) && o.workload == row.workload && o.mode.equals(row.mode) && o.samplesPerS != null) {
                return row.samplesPerS / o.samplesPerS;
            }
        }
        return null;
    }

    private Collection<RunResult> jmh(Class<?> bench, Map<String, String[]> params, int warmup, int iterations,
                                      int timeMs, int forks, Path jmhLog) throws RunnerException {
        ChainedOptionsBuilder ob = new OptionsBuilder()
                .include("^" + Pattern.quote(bench.getName() + ".") + ".*")
                .mode(Mode.Throughput)
                .timeUnit(TimeUnit.SECONDS)
                .forks(forks)
                .warmupIterations(warmup)
                .warmupTime(TimeValue.milliseconds(timeMs))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(timeMs))
                .timeout(TimeValue.minutes(10))
                .shouldFailOnError(false)
                .verbosity(VerboseMode.NORMAL)
                .output(jmhLog.toString())
                .jvmArgsAppend("--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true",
                        "-D" + Checks.WORK_PROPERTY + "=" + plan.work.toAbsolutePath());
        for (Map.Entry<String, String[]> e : params.entrySet()) {
            ob.param(e.getKey(), e.getValue());
        }
        if (plan.gc && bench == LayerBenchmark.class) {
            ob.addProfiler(GCProfiler.class);
        }
        // JMH's output option truncates the file: keep one log per run by appending the previous content.
        byte[] before = readOr(jmhLog);
        Collection<RunResult> r = new Runner(ob.build()).run();
        byte[] now = readOr(jmhLog);
        try {
            Files.write(jmhLog, concat(before, now));
        } catch (IOException e) {
            // the log is a convenience
        }
        return r;
    }

    /** Bytes per operation from JMH's GC profiler, or null when it did not run (its key lost the '·' in 1.37). */
    private static Double allocNorm(RunResult r) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().replace("\u00b7", "").equals("gc.alloc.rate.norm")) {
                double v = e.getValue().getScore();
                return Double.isFinite(v) ? v : null;
            }
        }
        return null;
    }

    private static byte[] readOr(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0];
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /**
     * The clock-based check of the FMA peak (see {@link PeakBenchmark}): clock from the multiply chain, measured
     * flop per cycle, and the nominal figure nearest to it, 2 FMA pipes x 2 flops x lanes at the full width or at
     * half of it (512-bit vectors on a 256-bit datapath, Zen 4), times the clock.
     */
    static void peakCheck(Map<String, Object> env, Double peak1, Double clockGhz) {
        env.put("clock_ghz", clockGhz);
        if (peak1 == null || clockGhz == null || clockGhz <= 0) {
            env.put("flop_per_cycle", null);
            env.put("clock_peak_gflops_per_core", null);
            return;
        }
        double perCycle = peak1 / clockGhz;
        double full = 4.0 * PeakBenchmark.lanes();
        double nominal = Math.abs(perCycle - full) <= Math.abs(perCycle - full / 2) ? full : full / 2;
        env.put("flop_per_cycle", perCycle);
        env.put("nominal_flop_per_cycle", nominal);
        env.put("clock_peak_gflops_per_core", nominal * clockGhz);
    }

    /** The number after {@code key} in a recorded outcome line, or null. */
    private static Double valueOf(String outcome, String key) {
        if (outcome == null || !outcome.startsWith("ok ") || !outcome.contains(key)) {
            return null;
        }
        String v = outcome.substring(outcome.indexOf(key) + key.length()).split(" ", 2)[0];
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Double flopsOf(String outcome) {
        if (outcome == null || !outcome.startsWith("ok ")) {
            return null;
        }
        for (String part : outcome.split(" ")) {
            if (part.startsWith("flops=")) {
                return Double.parseDouble(part.substring("flops=".length()));
            }
        }
        return null;
    }

    private static String[] strings(List<Integer> xs) {
        String[] s = new String[xs.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = Integer.toString(xs.get(i));
        }
        return s;
    }

    private void note(String fmt, Object... args) {
        log.println("[bench] " + String.format(Locale.ROOT, fmt, args));
        log.flush();
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = Files.walk(p)) {
            List<Path> all = new ArrayList<>();
            s.forEach(all::add);
            for (int i = all.size() - 1; i >= 0; i--) {
                Files.deleteIfExists(all.get(i));
            }
        }
    }

    // =============================================================================================== environment

    private Map<String, Object> environment(Map<String, String> probe) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        env.put("cpu", cpuModel());
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("threads", plan.threads);
        env.put("vector_bits", vectorBits());
        env.put("vector_bits_forced", !VectorWidth.forcedFlags().isEmpty());
        env.put("vector_flags", String.join(" ", VectorWidth.forcedFlags()));
        String clWhy = probe.get("unavailable");
        env.put("opencl_device", clWhy == null ? probe.get("device") : "n/a: " + clWhy);
        String gpu = probe.get("gpu");
        env.put("opencl_is_gpu", gpu == null || gpu.equals("unknown") ? null : (Object) Boolean.valueOf(gpu));
        String preload = System.getenv("LD_PRELOAD");
        env.put("signal_chaining", preload != null && preload.contains("libjsig"));
        env.put("peak_gflops_per_core", null);
        env.put("peak_gflops_all_threads", null);
        env.put("profile", plan.profile);
        env.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        env.put("openblas", OpenBlas.unavailableReason() == null ? OpenBlas.version() : "n/a");
        env.put("eig_ejml_precision", EigEjmlLayer.DEFAULT == EigEjmlLayer.Precision.F32 ? "float32" : "float64");
        env.put("isqrt_openblas_parallelism", OpenBlasIsqrt.DEFAULT == OpenBlasIsqrt.Parallelism.BATCH
                ? "batch-parallel, 1 BLAS thread" : "OpenBLAS threads, samples in sequence");
        Map<String, Object> jmh = new LinkedHashMap<>();
        jmh.put("forks", plan.forks);
        jmh.put("warmup_iterations", plan.warmup);
        jmh.put("measurement_iterations", plan.iterations);
        jmh.put("iteration_ms", plan.timeMs);
        jmh.put("mode", "throughput");
        env.put("jmh", jmh);
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
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    static Integer vectorBits() {
        try {
            return PeakBenchmark.lanes() * 32;
        } catch (LinkageError e) {
            return null;
        }
    }

    // =============================================================================================== output

    private Map<String, Object> toJson(Map<String, Object> env, List<LayerRow> layer, List<GemmRow> gemm) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("env", env);
        List<Object> l = new ArrayList<>();
        for (LayerRow r : layer) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", r.backend);
            m.put("workload", r.workload.id());
            m.put("batch", r.batch);
            m.put("d", r.workload.d());
            m.put("n", r.workload.n());
            m.put("iterations", r.workload.iterations());
            m.put("mode", r.mode);
            m.put("samples_per_s", r.samplesPerS);
            m.put("samples_per_s_error", r.samplesErr);
            m.put("gflops", r.gflops);
            m.put("fraction_of_peak", r.fraction);
            m.put("speedup_vs_isqrt_openblas", r.vsOpenBlas);
            m.put("samples_per_s_cpu_time", r.samplesCpu);
            m.put("speedup_vs_isqrt_openblas_cpu_time", r.vsOpenBlasCpu);
            m.put("speedup_vs_eig_ejml", r.vsEig);
            m.put("error_pct", r.errorPct);
            m.put("alloc_bytes_per_batch", r.allocPerBatch);
            m.put("status", r.status);
            m.put("description", r.description);
            l.add(m);
        }
        root.put("layer", l);
        List<Object> g = new ArrayList<>();
        for (GemmRow r : gemm) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", r.backend);
            m.put("d", r.d);
            m.put("threads", r.threads.equals("device") ? r.threads : (Object) Integer.valueOf(r.threads));
            m.put("gflops", r.gflops);
            m.put("fraction_of_peak", r.fraction);
            m.put("gflops_per_cpu_second", r.gflopsCpu);
            m.put("error_pct", r.errorPct);
            m.put("status", r.status);
            m.put("description", r.description);
            g.add(m);
        }
        root.put("gemm", g);
        if (!scaling.isEmpty()) {
            List<Object> sc = new ArrayList<>();
            for (ScalingRow r : scaling) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("backend", r.backend);
                m.put("workload", r.workload.id());
                m.put("batch", r.batch);
                m.put("mode", r.mode);
                m.put("threads", plan.threads);
                m.put("samples_per_s_1_thread", r.oneThread);
                m.put("samples_per_s_all_threads", r.allThreads);
                m.put("scaling", r.ratio());
                m.put("status", r.status);
                sc.add(m);
            }
            root.put("scaling", sc);
        }
        if (!whitening.isEmpty()) {
            List<Object> wl = new ArrayList<>();
            for (WhiteningBench.Row r : whitening) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workload", r.workload());
                m.put("contender", r.contender());
                m.put("pass", r.pass());
                m.put("batch", r.batch());
                m.put("seconds_per_batch", r.seconds());
                m.put("samples_per_s", r.samplesPerSecond());
                wl.add(m);
            }
            root.put("whitening", wl);
        }
        return root;
    }

    private String markdown(Map<String, Object> env, List<LayerRow> layer, List<GemmRow> gemm) {
        StringBuilder sb = new StringBuilder();
        sb.append("# isqrt4j benchmark report (profile ").append(plan.profile).append(")\n\n");
        sb.append("- JDK: ").append(env.get("jdk")).append('\n');
        sb.append("- CPU: ").append(env.get("cpu")).append(", ").append(env.get("cores")).append(" cores available; ")
                .append("threads: ").append(plan.threads).append('\n');
        sb.append("- Vector bits (FloatVector.SPECIES_PREFERRED): ").append(env.get("vector_bits"))
                .append(Boolean.TRUE.equals(env.get("vector_bits_forced")) ? " (forced with " + env.get("vector_flags")
                        + "; OpenBLAS keeps the host's width, so ratios to it say little)" : " (the JVM's default)")
                .append('\n');
        sb.append("- OpenCL device: ").append(env.get("opencl_device")).append('\n');
        sb.append("- FMA peak (measured in this run, per thread CPU second; wall clock ").append(fmt(env.get("peak_wall_gflops_t1")))
                .append(" on 1 thread): ").append(fmt(env.get("peak_gflops_per_core"))).append(" GFLOP/s on 1 thread, ")
                .append(fmt(env.get("peak_gflops_all_threads"))).append(" GFLOP/s on ").append(plan.threads).append(" threads")
                .append(env.get("clock_ghz") == null ? "" : String.format(Locale.ROOT,
                        "; clock (dependent multiply chain, per thread CPU second) %.2f GHz, so %.1f flop/cycle; clock-based peak %s GFLOP/s "
                                + "per core (%s flop/cycle x clock)", (Double) env.get("clock_ghz"),
                        env.get("flop_per_cycle") == null ? Double.NaN : (Double) env.get("flop_per_cycle"),
                        fmt(env.get("clock_peak_gflops_per_core")), fmt(env.get("nominal_flop_per_cycle"))))
                .append('\n');
        sb.append("- Baselines: eig-ejml in ").append(env.get("eig_ejml_precision")).append("; isqrt-openblas ")
                .append(env.get("openblas")).append(", ").append(env.get("isqrt_openblas_parallelism")).append('\n');
        sb.append(String.format(Locale.ROOT, "- JMH: %d fork(s), %d warm-up + %d measurement iteration(s) of %d ms, throughput%s%n",
                plan.forks, plan.warmup, plan.iterations, plan.timeMs, plan.forks == 0 && plan.jitWarmUp
                        ? "; in-process, so each contender first runs forward+backward on each workload until its "
                        + "throughput stops rising (JIT warm-up, 1-6 s)" : ""));
        if (!plan.batch.isEmpty()) {
            sb.append("- Batch sizes of this profile: ");
            List<String> bs = new ArrayList<>();
            for (Workload w : plan.workloads) {
                bs.add(w.id() + " " + plan.batchOf(w) + (plan.batchOf(w) != w.batch() ? " (issue: " + w.batch() + ")" : ""));
            }
            sb.append(String.join(", ", bs)).append('\n');
        }
        sb.append("- GFLOP/s is effective: the straightforward scheme's count (covariance 2d^2n each way, 2d^3 per product, "
                + "3K-3 products forward, 10K-12 backward) for every contender; % of peak against the all-thread FMA peak.\n\n");
        sb.append("## Layer\n\n");
        sb.append("| workload | B | d | n | K | mode | back-end | samples/s | GFLOP/s | % of peak | vs isqrt-openblas | vs eig-ejml | error % |\n");
        sb.append("|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (LayerRow r : layer) {
            Workload w = r.workload;
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %s | %s | ", w.id(), r.batch, w.d(), w.n(),
                    w.iterations(), r.mode, r.backend));
            if (r.samplesPerS == null) {
                sb.append(r.status.replace("|", "/")).append(" | | | | | | |\n");
                continue;
            }
            sb.append(sig(r.samplesPerS)).append(r.samplesErr == null ? "" : " ± " + sig(r.samplesErr)).append(" | ")
                    .append(sig(r.gflops)).append(" | ").append(pct(r.fraction)).append(" | ")
                    .append(times(r.vsOpenBlas)).append(" | ").append(times(r.vsEig)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2g", r.errorPct)).append(" |\n");
        }
        sb.append(TorchComparison.markdown(layer));
        if (layer.stream().anyMatch(r -> r.samplesCpu != null)) {
            sb.append("\n## Layer per process CPU second (shared machines)\n\n");
            sb.append("Samples per (process CPU second / ").append(plan.threads).append(" threads): what the contender "
                    + "reaches with the cores to itself, which the wall-clock figures above cannot show on a loaded "
                    + "machine. Optimistic for contenders that leave threads idle, so only a check on the CPU "
                    + "contenders that keep every thread busy.\n\n");
            sb.append("| workload | mode | back-end | samples/s (CPU time) | GFLOP/s | % of peak | vs isqrt-openblas |\n");
            sb.append("|---|---|---|---:|---:|---:|---:|\n");
            for (LayerRow r : layer) {
                if (r.samplesCpu == null) {
                    continue;
                }
                double gf = r.samplesCpu * Flops.perSample(r.workload.d(), r.workload.n(), r.workload.iterations(),
                        r.mode.equals(LayerBenchmark.FORWARD_BACKWARD)) / 1e9;
                Double pk = (Double) env.get("peak_gflops_all_threads");
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", r.workload.id(), r.mode,
                        r.backend, sig(r.samplesCpu), sig(gf), pct(pk == null ? null : gf / pk), times(r.vsOpenBlasCpu)));
            }
        }
        if (!scaling.isEmpty()) {
            sb.append("\n## Thread scaling (").append(SCALING_BACKEND).append(", same run)\n\n");
            sb.append("| workload | B | mode | back-end | samples/s, 1 thread | samples/s, ").append(plan.threads)
                    .append(" threads | scaling |\n");
            sb.append("|---|---:|---|---|---:|---:|---:|\n");
            for (ScalingRow r : scaling) {
                sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | ", r.workload.id(), r.batch, r.mode, r.backend));
                if (r.oneThread == null) {
                    sb.append(r.status.replace("|", "/")).append(" | | |\n");
                } else {
                    sb.append(sig(r.oneThread)).append(" | ").append(sig(r.allThreads)).append(" | ")
                            .append(times(r.ratio())).append(" |\n");
                }
            }
        }
        if (!whitening.isEmpty()) {
            String w = WhiteningBench.markdown(whitening, whiteningBackend, plan.threads, plan.whiteningReps);
            sb.append("\n##").append(w.replaceFirst("^# Whitening benchmark", " Whitening (IterNorm shape) and the inverse root"
                    + (plan.whiteningSmall ? ", small shapes" : "")));
        }
        if (plan.gc) {
            sb.append("\n## Allocation (JMH GC profiler, gc.alloc.rate.norm)\n\n");
            sb.append("Bytes allocated on the Java heap per operation (one batch: forward, or forward then backward, the handle "
                    + "of the previous call closed first), measured in the timed iterations. Native and OpenCL buffers are "
                    + "not on the heap and not counted.\n\n");
            sb.append("| workload | B | mode | back-end | bytes per batch | bytes per sample |\n");
            sb.append("|---|---:|---|---|---:|---:|\n");
            for (LayerRow r : layer) {
                if (r.allocPerBatch == null) {
                    continue;
                }
                sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", r.workload.id(), r.batch, r.mode,
                        r.backend, sig(r.allocPerBatch), sig(r.allocPerBatch / r.batch)));
            }
        }
        if (plan.variants) {
            sb.append("\n## Baseline choices (samples/s, same run)\n\n");
            sb.append("| workload | mode | eig-ejml f32 | eig-ejml f64 | f32/f64 | openblas batch | openblas BLAS threads | batch/threads |\n");
            sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
            for (Workload w : plan.workloads) {
                for (String mode : List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD)) {
                    Double f32 = find(layer, "eig-ejml-f32", w, mode);
                    Double f64 = find(layer, "eig-ejml-f64", w, mode);
                    Double bb = find(layer, "isqrt-openblas-batch", w, mode);
                    Double bt = find(layer, "isqrt-openblas-blas-threads", w, mode);
                    sb.append("| ").append(w.id()).append(" | ").append(mode).append(" | ").append(sig(f32)).append(" | ")
                            .append(sig(f64)).append(" | ").append(times(f32 == null || f64 == null ? null : f32 / f64))
                            .append(" | ").append(sig(bb)).append(" | ").append(sig(bt)).append(" | ")
                            .append(times(bb == null || bt == null ? null : bb / bt)).append(" |\n");
                }
            }
        }
        if (!gemm.isEmpty()) {
            sb.append("\n## GEMM (C = A B, d x d, float32)\n\n");
            sb.append("| back-end | d | threads | GFLOP/s | % of peak | note |\n");
            sb.append("|---|---:|---|---:|---:|---|\n");
            for (GemmRow r : gemm) {
                sb.append("| ").append(r.backend).append(" | ").append(r.d).append(" | ").append(r.threads).append(" | ");
                if (r.gflops == null) {
                    sb.append(" | | ").append(r.status.replace("|", "/")).append(" |\n");
                } else {
                    sb.append(sig(r.gflops)).append(" | ").append(pct(r.fraction)).append(" | ")
                            .append(r.description == null ? "" : r.description.replace("|", "/")).append(" |\n");
                }
            }
            sb.append("\ncpu-vector with N threads runs independent products on N threads, each on its own operands, many per hand-off (the back-end's batch parallelism); "
                    + "openblas with N threads is one product on N OpenBLAS threads; opencl is one product per launch on the "
                    + "whole device, kernel time only.\n");
        }
        return sb.toString();
    }

    private static Double find(List<LayerRow> rows, String id, Workload w, String mode) {
        LayerRow r = row(rows, id, w, mode);
        return r == null ? null : r.samplesPerS;
    }

    private void chart(Path png, List<LayerRow> layer, Double peakAll) throws IOException {
        List<String> labels = new ArrayList<>();
        for (Workload w : plan.workloads) {
            labels.add(w.id());
        }
        List<Chart.Panel> panels = new ArrayList<>();
        String run = plan.profile + ", " + plan.threads + " threads";
        for (boolean gflops : new boolean[] {false, true}) {
            for (String mode : List.of(LayerBenchmark.FORWARD, LayerBenchmark.FORWARD_BACKWARD)) {
                Map<String, List<Double>> series = new LinkedHashMap<>();
                for (String id : plan.backends) {
                    List<Double> ys = new ArrayList<>();
                    for (Workload w : plan.workloads) {
                        LayerRow r = row(layer, id, w, mode);
                        ys.add(r == null ? null : gflops ? r.gflops : r.samplesPerS);
                    }
                    series.put(id, ys);
                }
                panels.add(gflops
                        ? new Chart.Panel("isqrt4j effective GFLOP/s (" + run + ") - " + mode, "GFLOP/s (straightforward count)",
                                false, series, "FMA peak, " + plan.threads + " threads", peakAll)
                        : new Chart.Panel("isqrt4j samples/s (" + run + ") - " + mode, "samples/s (log scale)",
                                true, series, null, null));
            }
        }
        Chart.write(png, labels, panels);
    }

    private static LayerRow row(List<LayerRow> rows, String id, Workload w, String mode) {
        for (LayerRow r : rows) {
            if (r.backend.equals(id) && r.workload == w && r.mode.equals(mode)) {
                return r;
            }
        }
        return null;
    }

    static String sig(Double v) {
        if (v == null || !Double.isFinite(v)) {
            return "";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String fmt(Object v) {
        return v instanceof Double ? sig((Double) v) : "n/a";
    }

    private static String pct(Double f) {
        return f == null ? "n/a" : String.format(Locale.ROOT, "%.1f %%", 100 * f);
    }

    private static String times(Double r) {
        return r == null ? "" : String.format(Locale.ROOT, "%.2fx", r);
    }
}
