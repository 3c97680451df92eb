package org.isqrt4j.bench;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The report's command line: a profile's defaults ({@link #profile}), the report's own {@code --options}, and JMH's
 * options in JMH's syntax (one dash: {@code -f 2}, {@code -wi 3}, {@code -prof gc}, {@code -jvmArgsAppend=-Xmx2g}),
 * which JMH's own parser reads and every JMH run receives. {@code --forks/--warmup/--iterations/--time-ms} are the
 * report's names for JMH's {@code -f/-wi/-i/-w -r}; either spelling changes the same settings.
 */
final class Flags {
    static final String USAGE = String.join("\n",
            "usage: bench/run.sh [--profile quick|full|smoke] [options] [JMH options]",
            "  --profile P        quick (default), full or smoke",
            "  --threads N        pool size of the CPU contenders (default: available processors)",
            "  --out DIR          where latest.json, latest.md and latest.png go (default: bench/results)",
            "  --work DIR         scratch folder: trial records, reference cache, JMH log (default: bench/target/bench-work)",
            "  --workloads a,b    subset of imagenet, small, finegrained, wide, huge, tiny",
            "  --backends a,b     subset of cpu-vector, cpu-scalar, opencl, isqrt-openblas, eig-ejml, torch-autograd (and variants)",
            "  --variants         also run eig-ejml-f32/-f64 and isqrt-openblas-batch/-blas-threads, and compare them",
            "  --batch N|issue    override every workload's batch size (issue: the issue's B, also in quick)",
            "  --no-gemm          skip the GEMM table",
            "  --gemm-sizes a,b   the GEMM table's d values (default 64,128,256,512,1024; e.g. add 2048)",
            "  --gc               JMH's GC profiler on the layer runs: bytes allocated per batch and per sample (full: on)",
            "  --scaling          also run cpu-vector on 1 thread, in the same run: its thread scaling (full: on)",
            "  --no-whitening     skip the whitening table (IterNorm-shaped ZCA whitening vs an EJML eigendecomposition,",
            "                     and the layer with INV_SQRT vs SQRT; WhiteningBench, in-process, round robin; default on)",
            "  --choices [R] [w,..]  instead of the report: interleaved timing of the baselines' variants",
            "  --merge-device F [--into REPORT.json] [--out DIR] [--name N]  instead of a run: a device check's rows",
            "                     (gpu-opencl/device-check) beside a written report's CPU rows (DeviceMerge)",
            "  --forks N, --warmup N, --iterations N, --time-ms N   override the profile's JMH settings",
            "                     (the same as JMH's -f N, -wi N, -i N, -w Nms -r Nms)",
            "  --vector-bits B    force the Vector API width (128, 256, 512): reruns the report in a child JVM with",
            "                     the HotSpot flags for it (x86: 256 = -XX:UseAVX=2, 128 = that + -XX:MaxVectorSize=16)",
            "  JMH options        any option of JMH's command line, with one dash (-prof gc, -jvmArgsAppend=-Xmx2g,",
            "                     -to 20m, ...), for every JMH run; the report sets the benchmarks, mode and time unit");

    private Flags() {
    }

    /**
     * @param args the command line (without --choices / --merge-device, which other classes handle)
     * @return the plan, or empty when help was asked for
     * @throws IllegalArgumentException on an unknown option, a missing or bad value, or a bad JMH option
     */
    static Optional<Plan> parse(String[] args) {
        String profile = "quick";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--profile") && i + 1 < args.length) {
                profile = args[i + 1];
            } else if (args[i].startsWith("--profile=")) {
                profile = args[i].substring("--profile=".length());
            }
        }
        Draft p = profile(profile);
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return Optional.empty();
            }
            if (!a.startsWith("--") && a.startsWith("-") && a.length() > 1) {
                jmhArgs.add(a); // a JMH option, with its values up to the next option
                while (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                    jmhArgs.add(args[++i]);
                }
                continue;
            }
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (switchOption(p, a)) {
                continue;
            }
            if (v == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + a);
                }
                v = args[++i];
            }
            valueOption(p, a, v);
        }
        CommandLineOptions jmh = jmhOptions(jmhArgs);
        if (jmh.getForkCount().hasValue()) {
            p.forks = jmh.getForkCount().get();
        }
        if (jmh.getWarmupIterations().hasValue()) {
            p.warmup = p.gemmWarmup = jmh.getWarmupIterations().get();
        }
        if (jmh.getMeasurementIterations().hasValue()) {
            p.iterations = p.gemmIterations = jmh.getMeasurementIterations().get();
        }
        if (jmh.getWarmupTime().hasValue()) {
            p.warmupMs = p.gemmWarmupMs = millis("-w", jmh.getWarmupTime().get());
        }
        if (jmh.getMeasurementTime().hasValue()) {
            p.timeMs = p.gemmTimeMs = millis("-r", jmh.getMeasurementTime().get());
        }
        if (p.variants) {
            for (String id : Backends.VARIANTS) {
                if (!p.backends.contains(id)) {
                    p.backends.add(id);
                }
            }
        }
        return Optional.of(p.build(jmh));
    }

    private static boolean switchOption(Draft p, String a) {
        switch (a) {
            case "--variants":
                p.variants = true;
                return true;
            case "--no-gemm":
                p.gemm = false;
                return true;
            case "--gc":
                p.gc = true;
                return true;
            case "--scaling":
                p.scaling = true;
                return true;
            case "--no-whitening":
                p.whitening = false;
                return true;
            default:
                return false;
        }
    }

    private static void valueOption(Draft p, String a, String v) {
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
            case "--gemm-sizes":
                List<Integer> sizes = new ArrayList<>();
                for (String s : v.split(",")) {
                    sizes.add(positive(a, s.trim()));
                }
                p.gemmSizes = List.copyOf(sizes);
                break;
            case "--batch":
                p.batch.clear();
                if (!v.equals("issue")) {
                    int b = positive(a, v);
                    for (Workload w : Workload.values()) {
                        p.batch.put(w, b);
                    }
                }
                break;
            case "--forks":
                p.forks = nonNegative(a, v);
                break;
            case "--vector-bits":
                p.vectorBits = OptionalInt.of(positive(a, v));
                VectorWidth.flags(p.vectorBits.getAsInt());
                break;
            case "--warmup":
                p.warmup = p.gemmWarmup = nonNegative(a, v);
                break;
            case "--iterations":
                p.iterations = p.gemmIterations = positive(a, v);
                break;
            case "--time-ms":
                p.timeMs = p.gemmTimeMs = p.warmupMs = p.gemmWarmupMs = positive(a, v);
                break;
            default:
                throw new IllegalArgumentException("unknown option " + a);
        }
    }

    private static CommandLineOptions jmhOptions(List<String> jmhArgs) {
        try {
            return new CommandLineOptions(jmhArgs.toArray(new String[0]));
        } catch (CommandLineOptionException e) {
            throw new IllegalArgumentException("JMH option " + jmhArgs + ": " + e.getMessage(), e);
        }
    }

    private static int millis(String name, TimeValue t) {
        long ms = t.convertTo(TimeUnit.MILLISECONDS);
        if (ms < 1 || ms > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " needs a time of at least 1 ms, got " + t);
        }
        return (int) ms;
    }

    /** The profiles' defaults: smoke (CI), quick (default), full (published numbers). */
    private static Draft profile(String profile) {
        Draft p = new Draft();
        p.profile = profile;
        switch (profile) {
            case "smoke":
                p.workloads = List.of(Workload.TINY);
                p.warmup = 0;
                p.iterations = 1;
                p.timeMs = p.warmupMs = 100;
                p.gemmWarmup = 0;
                p.gemmTimeMs = p.gemmWarmupMs = 100;
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
                p.batch.put(Workload.IMAGENET, 8);
                p.batch.put(Workload.SMALL, 32);
                break;
            case "full":
                p.workloads = List.of(Workload.IMAGENET, Workload.SMALL, Workload.FINEGRAINED, Workload.WIDE);
                p.forks = 2;
                p.warmup = 3;
                p.iterations = 5;
                p.timeMs = p.warmupMs = 2000;
                p.gemmWarmup = 3;
                p.gemmIterations = 5;
                p.gemmTimeMs = p.gemmWarmupMs = 1000;
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

    private static int positive(String name, String v) {
        int x = integer(name, v);
        if (x < 1) {
            throw new IllegalArgumentException(name + " needs a positive integer, got " + x);
        }
        return x;
    }

    private static int nonNegative(String name, String v) {
        int x = integer(name, v);
        if (x < 0) {
            throw new IllegalArgumentException(name + " needs a non-negative integer, got " + x);
        }
        return x;
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs an integer, got '" + v + "'");
        }
    }

    /** The plan while the command line is read; {@link #build} freezes it. */
    private static final class Draft {
        String profile;
        List<Workload> workloads = List.of(Workload.IMAGENET, Workload.SMALL, Workload.FINEGRAINED);
        final Map<Workload, Integer> batch = new LinkedHashMap<>();
        int forks;
        int warmup = 1;
        int iterations = 2;
        int warmupMs = 400;
        int timeMs = 400;
        int gemmWarmup = 1;
        int gemmIterations = 1;
        int gemmWarmupMs = 250;
        int gemmTimeMs = 250;
        List<Integer> gemmSizes = List.of(64, 128, 256, 512, 1024);
        int threads = Runtime.getRuntime().availableProcessors();
        List<String> backends = new ArrayList<>(Backends.DEFAULT_LAYER);
        boolean variants;
        boolean gemm = true;
        boolean gc;
        boolean scaling;
        boolean whitening = true;
        int whiteningReps = 3;
        boolean whiteningSmall;
        OptionalInt vectorBits = OptionalInt.empty();
        boolean jitWarmUp = true;
        Path out = Paths.get("bench", "results");
        Path work = Paths.get("bench", "target", "bench-work");

        Plan build(CommandLineOptions jmh) {
            return new Plan(profile, workloads, batch, new Plan.JmhSettings(forks, warmup, iterations, warmupMs, timeMs),
                    new Plan.JmhSettings(forks, gemmWarmup, gemmIterations, gemmWarmupMs, gemmTimeMs), gemmSizes,
                    threads, backends, variants, gemm, gc, scaling, whitening, whiteningReps, whiteningSmall,
                    vectorBits, jitWarmUp, out, work, jmh);
        }
    }
}
