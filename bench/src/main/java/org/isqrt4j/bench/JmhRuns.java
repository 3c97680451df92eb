package org.isqrt4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The report's JMH runs through JMH's Runner API: one benchmark class with its parameters and iteration settings,
 * throughput in operations per second, every run's log appended to one file. The JMH options of the command line
 * ({@link Plan#jmh()}) are the parent of each run's options: what the report does not set (profilers, JVM
 * options, timeouts, ...) comes from there, and its JVM options are appended to the report's own.
 */
final class JmhRuns {
    private final Plan plan;
    private final Path log;

    /** @param plan the run's plan  @param log the JMH log, appended to */
    JmhRuns(Plan plan, Path log) {
        this.plan = plan;
        this.log = log;
    }

    /** @return the JMH log */
    Path log() {
        return log;
    }

    /**
     * @param bench    the benchmark class
     * @param params   JMH parameters, name to values
     * @param settings iteration counts and times
     * @param forks    forks of this run
     * @return JMH's results; a benchmark that failed has none
     * @throws RunnerException if JMH cannot run at all
     */
    Collection<RunResult> run(Class<?> bench, Map<String, String[]> params, Plan.JmhSettings settings, int forks)
            throws RunnerException {
        Options options = options(bench, params, settings, forks);
        // JMH's output option truncates the file: keep one log per run by appending the previous content.
        byte[] before = readOr(log);
        Collection<RunResult> r = new Runner(options).run();
        byte[] now = readOr(log);
        try {
            byte[] all = Arrays.copyOf(before, before.length + now.length);
            System.arraycopy(now, 0, all, before.length, now.length);
            Files.write(log, all);
        } catch (IOException e) {
            // the log is a convenience
        }
        return r;
    }

    /** The options of one run: the report's settings over the command line's JMH options. */
    Options options(Class<?> bench, Map<String, String[]> params, Plan.JmhSettings settings, int forks) {
        List<String> jvmArgs = new ArrayList<>(List.of("--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true",
                "-D" + Checks.WORK_PROPERTY + "=" + plan.work().toAbsolutePath()));
        if (plan.jmh().getJvmArgsAppend().hasValue()) {
            jvmArgs.addAll(plan.jmh().getJvmArgsAppend().get());
        }
        ChainedOptionsBuilder ob = new OptionsBuilder()
                .parent(plan.jmh())
                .include("^" + Pattern.quote(bench.getName() + ".") + ".*")
                .mode(Mode.Throughput)
                .timeUnit(TimeUnit.SECONDS)
                .forks(forks)
                .warmupIterations(settings.warmup())
                .warmupTime(TimeValue.milliseconds(settings.warmupMs()))
                .measurementIterations(settings.iterations())
                .measurementTime(TimeValue.milliseconds(settings.timeMs()))
                .timeout(plan.jmh().getTimeout().orElse(TimeValue.minutes(10)))
                .shouldFailOnError(false)
                .verbosity(plan.jmh().verbosity().orElse(VerboseMode.NORMAL))
                .output(log.toString())
                .jvmArgsAppend(jvmArgs.toArray(new String[0]));
        for (Map.Entry<String, String[]> e : params.entrySet()) {
            ob.param(e.getKey(), e.getValue());
        }
        if (plan.gc() && bench == LayerBenchmark.class) {
            ob.addProfiler(GCProfiler.class);
        }
        return ob.build();
    }

    /** @param r a result  @return bytes per operation from JMH's GC profiler (its key lost the '·' in 1.37) */
    static OptionalDouble allocNorm(RunResult r) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().replace("\u00b7", "").equals("gc.alloc.rate.norm")) {
                double v = e.getValue().getScore();
                return Double.isFinite(v) ? OptionalDouble.of(v) : OptionalDouble.empty();
            }
        }
        return OptionalDouble.empty();
    }

    /** @param xs integers  @return them as JMH parameter values */
    static String[] strings(List<Integer> xs) {
        return xs.stream().map(String::valueOf).toArray(String[]::new);
    }

    private static byte[] readOr(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0];
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
