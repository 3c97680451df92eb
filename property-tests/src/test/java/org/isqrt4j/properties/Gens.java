package org.isqrt4j.properties;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.isqrt4j.api.OutputLayout;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * QuickTheories generators of {@link Case}s. The shape parameters are drawn through QuickTheories (so a failure
 * shrinks towards small d, n, B, K); the matrix data comes from {@link Case#seed()}.
 */
final class Gens {
    /** Sizes around SIMD widths (4, 8, 16 floats), block edges and powers of two, where tails and edges break. */
    static final List<Integer> SMALL_AWKWARD = List.of(1, 2, 3, 7, 15, 16, 17, 31, 33);
    /** The same idea at the sizes of real layers' channel blocks. */
    static final List<Integer> BIG_AWKWARD = List.of(63, 64, 65, 127, 129);

    private Gens() {
    }

    /**
     * d in 1..maxD: 40% the small awkward sizes, 46% 1..40, 6% 41..62, and {@code bigPercent} split between the
     * big awkward sizes and 63..maxD. Big d costs O(d^3) per example, so its share is what keeps the suite fast.
     */
    static Gen<Integer> dims(Knobs k) {
        int maxD = k.maxD();
        List<Pair<Integer, Gen<Integer>>> parts = new ArrayList<>();
        List<Integer> small = filter(SMALL_AWKWARD, maxD);
        parts.add(Pair.of(40, Generate.pick(small)));
        parts.add(Pair.of(46, Generate.range(1, Math.min(40, maxD))));
        if (maxD >= 41) {
            parts.add(Pair.of(6, Generate.range(41, Math.min(62, maxD))));
        }
        if (maxD >= 63 && k.bigPercent() > 0) {
            List<Integer> big = filter(BIG_AWKWARD, maxD);
            int half = Math.max(1, k.bigPercent() / 2);
            parts.add(Pair.of(half, Generate.pick(big)));
            if (k.bigPercent() - half > 0) {
                parts.add(Pair.of(k.bigPercent() - half, Generate.range(63, maxD)));
            }
        }
        return Generate.frequency(parts);
    }

    /** n in 1..3d: 35% below d (rank-deficient Sigma), 10% tiny (1..3), 55% d..3d. */
    static Gen<Integer> positions(int d) {
        return Generate.frequency(List.of(
                Pair.of(35, Generate.range(1, Math.max(1, d - 1))),
                Pair.of(10, Generate.range(1, Math.min(3, 3 * d))),
                Pair.of(55, Generate.range(d, 3 * d))));
    }

    /** Square-root-alone cases: d, B 1..5, K 1..8, both layouts, every spectrum, scale 1e-3..1e3. */
    static Gen<Case> sqrtCases(Knobs k) {
        return cases(k, false, 1, 8, null);
    }

    /** Whole-layer cases: as {@link #sqrtCases} plus n in 1..3d and a per-channel mean offset. */
    static Gen<Case> layerCases(Knobs k) {
        return cases(k, true, 1, 8, null);
    }

    /** Square-root cases with K 20..30 on well-conditioned Sigma, where the iteration has converged. */
    static Gen<Case> convergedSqrtCases(Knobs k) {
        return cases(k, false, 20, 30, Spectrum.WELL);
    }

    /** Cheap shapes (d &lt;= 17, n &lt;= 20) for the argument-validation properties, where size does not matter. */
    static Gen<Case> smallLayerCases(Knobs k) {
        return cases(k.withMaxD(Math.min(17, k.maxD())), true, 1, 8, null)
                .map(c -> c.n() > 20 ? new Case(c.batch(), c.d(), 20, c.k(), c.layout(), c.spectrum(),
                        c.scaleExp(), c.offset(), c.symmetricG(), c.seed()) : c);
    }

    private static Gen<Case> cases(Knobs knobs, boolean layer, int kMin, int kMax, Spectrum fixed) {
        Gen<Integer> dGen = dims(knobs);
        Gen<Integer> batchGen = Generate.range(1, 5);
        Gen<Integer> kGen = Generate.range(kMin, kMax);
        Gen<OutputLayout> layoutGen = Generate.enumValues(OutputLayout.class);
        Gen<Spectrum> spectrumGen = fixed == null ? Generate.enumValues(Spectrum.class) : Generate.constant(fixed);
        // log10 scale in hundredths: -3.00..3.00, shrinking towards 1.
        Gen<Integer> scaleGen = Generate.range(-300, 300, 0);
        Gen<Integer> offsetGen = Generate.frequency(List.of(
                Pair.of(50, Generate.constant(0)), Pair.of(35, Generate.constant(1)), Pair.of(15, Generate.constant(10))));
        Gen<Boolean> symGen = Generate.booleans();
        Gen<Long> seedGen = Generate.longRange(0, Long.MAX_VALUE);
        Gen<Case> gen = rs -> {
            int d = dGen.generate(rs);
            int n = layer ? positions(d).generate(rs) : 0;
            int batch = batchGen.generate(rs);
            int kk = kGen.generate(rs);
            OutputLayout layout = layoutGen.generate(rs);
            Spectrum spectrum = spectrumGen.generate(rs);
            double scaleExp = scaleGen.generate(rs) / 100.0;
            int offset = layer ? offsetGen.generate(rs) : 0;
            boolean sym = symGen.generate(rs);
            long seed = seedGen.generate(rs);
            return new Case(batch, d, n, kk, layout, spectrum, scaleExp, offset, sym, seed);
        };
        return gen.describedAs(Case::toString);
    }

    private static List<Integer> filter(List<Integer> sizes, int maxD) {
        List<Integer> l = sizes.stream().filter(s -> s <= maxD).collect(Collectors.toList());
        return l.isEmpty() ? Arrays.asList(Math.min(maxD, sizes.get(0))) : l;
    }
}
