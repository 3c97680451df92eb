package org.isqrt4j.bench;

import java.util.List;
import java.util.Optional;

/**
 * Everything one report run measured, immutable; the renderers ({@link MarkdownReport}, {@link JsonReport},
 * {@link Chart}) turn it into text, JSON and a chart.
 *
 * @param env              the machine and the run
 * @param peak             the FMA peak calibration
 * @param layer            the layer table, ratios filled in
 * @param scaling          the thread-scaling table (empty unless --scaling)
 * @param whitening        the whitening table (empty with --no-whitening or when it failed)
 * @param whiteningBackend the back-end of the whitening table
 * @param gemm             the GEMM table (empty with --no-gemm)
 * @param elapsedS         seconds the run took
 */
record Results(Environment env, Peak peak, List<LayerRow> layer, List<ScalingRow> scaling,
               List<WhiteningBench.Row> whitening, String whiteningBackend, List<GemmRow> gemm, double elapsedS) {
    Results {
        layer = List.copyOf(layer);
        scaling = List.copyOf(scaling);
        whitening = List.copyOf(whitening);
        gemm = List.copyOf(gemm);
    }

    /** @param id contender  @param w workload  @param mode mode  @return the layer row of that cell */
    Optional<LayerRow> find(String id, Workload w, String mode) {
        return layer.stream().filter(r -> r.sameCell(id, w, mode)).findFirst();
    }
}
