package org.isqrt4j.bench;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One row of the layer table: a contender on a workload and mode, measured, unavailable or failed.
 *
 * @param backend        contender id
 * @param workload       workload
 * @param batch          batch size of the run
 * @param mode           {@link LayerBenchmark#FORWARD} or {@link LayerBenchmark#FORWARD_BACKWARD}
 * @param status         "ok", "n/a: why" or "FAILED: why"
 * @param samplesPerS    samples per second (JMH's score x B)
 * @param samplesErr     JMH's error of it (99.9 %)
 * @param gflops         effective GFLOP/s ({@link Flops#perSample})
 * @param fraction       of the all-thread FMA peak (none on a GPU)
 * @param errorPct       relative error against the float64 reference, percent
 * @param allocPerBatch  heap bytes per batch (JMH's GC profiler, with --gc)
 * @param samplesCpu     samples per (process CPU second / threads), see {@link LayerBenchmark}
 * @param description    what ran (the contender's own description)
 * @param vsOpenBlas     samples/s over isqrt-openblas's, same workload and mode
 * @param vsEig          samples/s over eig-ejml's
 * @param vsOpenBlasCpu  samplesCpu over isqrt-openblas's
 */
record LayerRow(String backend, Workload workload, int batch, String mode, String status, OptionalDouble samplesPerS,
                OptionalDouble samplesErr, OptionalDouble gflops, OptionalDouble fraction, OptionalDouble errorPct,
                OptionalDouble allocPerBatch, OptionalDouble samplesCpu, Optional<String> description,
                OptionalDouble vsOpenBlas, OptionalDouble vsEig, OptionalDouble vsOpenBlasCpu) {

    private static final OptionalDouble NONE = OptionalDouble.empty();

    /** @return a row without measurement: status "n/a: ..." or "FAILED: ..."; the check's error if it passed */
    static LayerRow without(String backend, Workload w, int batch, String mode, String status, OptionalDouble errorPct,
                            Optional<String> description) {
        return new LayerRow(backend, w, batch, mode, status, NONE, NONE, NONE, NONE, errorPct, NONE, NONE, description,
                NONE, NONE, NONE);
    }

    /** @return a measured row, its fraction against {@code peak} (empty: none), ratios still empty ({@link #withRatios}) */
    static LayerRow measured(String backend, Workload w, int batch, String mode, double samplesPerS,
                             OptionalDouble samplesErr, OptionalDouble peak, double errorPct,
                             OptionalDouble allocPerBatch, OptionalDouble samplesCpu, Optional<String> description) {
        double gflops = samplesPerS * Flops.perSample(w.d(), w.n(), w.iterations(),
                mode.equals(LayerBenchmark.FORWARD_BACKWARD)) / 1e9;
        return new LayerRow(backend, w, batch, mode, "ok", OptionalDouble.of(samplesPerS), samplesErr,
                OptionalDouble.of(gflops), peak.isPresent() ? OptionalDouble.of(gflops / peak.getAsDouble()) : NONE,
                OptionalDouble.of(errorPct), allocPerBatch, samplesCpu, description, NONE, NONE, NONE);
    }

    /** @param rows all rows of the run  @return this row with its ratios to the baselines' rows in {@code rows} */
    LayerRow withRatios(List<LayerRow> rows) {
        return new LayerRow(backend, workload, batch, mode, status, samplesPerS, samplesErr, gflops, fraction, errorPct,
                allocPerBatch, samplesCpu, description, ratio(samplesPerS, rows, Backends.OPENBLAS, false),
                ratio(samplesPerS, rows, Backends.EIG, false), ratio(samplesCpu, rows, Backends.OPENBLAS, true));
    }

    /** @param id contender  @param w workload  @param m mode  @return whether this row is that cell */
    boolean sameCell(String id, Workload w, String m) {
        return backend.equals(id) && workload == w && mode.equals(m);
    }

    private OptionalDouble ratio(OptionalDouble mine, List<LayerRow> rows, String base, boolean cpu) {
        if (mine.isEmpty()) {
            return NONE;
        }
        for (LayerRow o : rows) {
            OptionalDouble theirs = cpu ? o.samplesCpu : o.samplesPerS;
            if (o.sameCell(base, workload, mode) && theirs.isPresent()) {
                return OptionalDouble.of(mine.getAsDouble() / theirs.getAsDouble());
            }
        }
        return NONE;
    }
}
