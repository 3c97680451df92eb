package org.isqrt4j.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * What one report run does: the profile's workloads and JMH settings after the command line's overrides
 * ({@link Flags}), immutable. JMH options given on the command line in JMH's own syntax travel in {@link #jmh()}
 * and reach every JMH run as the parent of the report's own options (see {@link JmhRuns}).
 *
 * @param profile        smoke, quick or full
 * @param workloads      the layer table's workloads, in order
 * @param batch          batch sizes that differ from the workloads' own (an empty map: the B everywhere)
 * @param layer          JMH settings of the layer (and thread-scaling) runs
 * @param gemm           JMH settings of the GEMM and peak runs
 * @param gemmSizes      GEMM table sizes
 * @param threads        pool size of the CPU contenders
 * @param backends       contenders of the layer table, in order
 * @param variants       the baselines' variants are in {@code backends} and get their own table
 * @param gemmTable      run the GEMM table
 * @param gc             JMH's GC profiler on the layer runs
 * @param scaling        the thread-scaling table
 * @param whitening      the whitening table
 * @param whiteningReps  its timed rounds
 * @param whiteningSmall its small shapes (smoke)
 * @param vectorBits     {@code --vector-bits}, empty for the JVM's own width
 * @param jitWarmUp      in-process runs warm each contender's JIT first (see {@link Report#JIT_WARM_UP_MAX_MS})
 * @param out            where latest.json, latest.md and latest.png go
 * @param work           scratch folder: trial records, reference cache, JMH log
 * @param jmh            the JMH options passed through from the command line (JMH's own parser)
 */
record Plan(String profile, List<Workload> workloads, Map<Workload, Integer> batch, JmhSettings layer,
            JmhSettings gemm, List<Integer> gemmSizes, int threads, List<String> backends, boolean variants,
            boolean gemmTable, boolean gc, boolean scaling, boolean whitening, int whiteningReps,
            boolean whiteningSmall, OptionalInt vectorBits, boolean jitWarmUp, Path out, Path work,
            CommandLineOptions jmh) {

    /**
     * Iteration counts and times of a group of JMH runs.
     *
     * @param forks      JMH forks (0: in-process)
     * @param warmup     warm-up iterations
     * @param iterations measurement iterations
     * @param warmupMs   warm-up iteration time
     * @param timeMs     measurement iteration time
     */
    record JmhSettings(int forks, int warmup, int iterations, int warmupMs, int timeMs) {
    }

    Plan {
        workloads = List.copyOf(workloads);
        batch = Map.copyOf(batch);
        gemmSizes = List.copyOf(gemmSizes);
        backends = List.copyOf(backends);
    }

    /** @param w a workload  @return its batch size in this run */
    int batchOf(Workload w) {
        return batch.getOrDefault(w, w.batch());
    }

    /** @return the thread counts of the peak and GEMM runs: 1, and the run's count if it differs */
    List<Integer> peakThreads() {
        return threads == 1 ? List.of(1) : List.of(1, threads);
    }
}
