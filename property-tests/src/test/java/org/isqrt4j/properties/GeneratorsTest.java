package org.isqrt4j.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.FiniteDifferences;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The suite's own machinery does what the contract properties rely on. */
@DisplayName("Contract suite self-test: generators, data, finite differences, guards")
class GeneratorsTest {

    private static List<Case> draw(org.quicktheories.core.Gen<Case> gen, int count) {
        List<Case> cases = new ArrayList<>();
        qt().withFixedSeed(7).withExamples(count).forAll(gen).checkAssert(cases::add);
        return cases;
    }

    @Test
    @DisplayName("shape distribution: awkward sizes favoured, big d a fixed small share, n < d common")
    void shapeDistribution() {
        List<Case> cases = draw(Gens.layerCases(Knobs.cpu()), 3000);
        long awkward = cases.stream().filter(c -> Gens.SMALL_AWKWARD.contains(c.d()) || Gens.BIG_AWKWARD.contains(c.d())).count();
        long big = cases.stream().filter(c -> c.d() >= 63).count();
        long upTo40 = cases.stream().filter(c -> c.d() <= 40).count();
        long rankDeficient = cases.stream().filter(c -> c.n() < c.d()).count();
        assertTrue(awkward > 0.35 * cases.size(), "awkward " + awkward);
        assertTrue(big > 0.04 * cases.size() && big < 0.14 * cases.size(), "big " + big);
        assertTrue(upTo40 > 0.8 * cases.size(), "d<=40 " + upTo40);
        assertTrue(rankDeficient > 0.25 * cases.size(), "n<d " + rankDeficient);
        for (Case c : cases) {
            assertTrue(c.d() >= 1 && c.d() <= 160 && c.n() >= 1 && c.n() <= 3 * c.d(), c.toString());
            assertTrue(c.batch() >= 1 && c.batch() <= 5 && c.k() >= 1 && c.k() <= 8, c.toString());
            assertTrue(Math.abs(c.scaleExp()) <= 3, c.toString());
        }
        for (int size : List.of(1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129)) {
            assertTrue(cases.stream().anyMatch(c -> c.d() == size), "d=" + size + " never drawn");
        }
        for (Spectrum s : Spectrum.values()) {
            assertTrue(cases.stream().anyMatch(c -> c.spectrum() == s), s + " never drawn");
        }
    }

    @Test
    @DisplayName("a printed case parses back to itself")
    void caseRoundTrip() {
        for (Case c : draw(Gens.layerCases(Knobs.cpu()), 200)) {
            assertEquals(c, Case.parse(c.toString()));
        }
        for (Case c : draw(Gens.sqrtCases(Knobs.cpu()), 200)) {
            assertEquals(c, Case.parse(c.toString()));
        }
    }

    private static double[] eigenvalues(double[] sym, int d) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, false, true);
        if (!eig.decompose(new DMatrixRMaj(d, d, true, sym))) {
            throw new AssertionError("eig failed");
        }
        double[] l = new double[d];
        for (int i = 0; i < d; i++) {
            l[i] = eig.getEigenvalue(i).real;
        }
        Arrays.sort(l);
        return l;
    }

    @Test
    @DisplayName("Sigma spectra are the planted ones")
    void sigmaSpectra() {
        for (Spectrum s : Spectrum.values()) {
            Case c = new Case(1, 24, 0, 5, OutputLayout.FULL, s, 0.7, 0, false, 11 + s.ordinal());
            float[] sigma = Samples.sigma(c, Samples.random(c));
            double[] l = eigenvalues(Dense.toDouble(sigma, 0, 24 * 24), 24);
            double max = l[23];
            switch (s) {
                case WELL:
                    assertTrue(l[0] / max > 0.09, s + " " + l[0] / max);
                    break;
                case SPREAD:
                    assertTrue(l[0] / max > 0.5e-6 && l[0] / max < 2e-6, s + " " + l[0] / max);
                    break;
                case RANK_DEFICIENT:
                    assertTrue(Math.abs(l[0]) / max < 1e-6, s + " " + l[0] / max);
                    break;
                case CLUSTERED:
                    long clusters = Arrays.stream(l).map(v -> Math.round(Math.log(v / max) * 100)).distinct().count();
                    assertTrue(clusters <= 3, s + " clusters " + clusters);
                    break;
                default:
                    throw new AssertionError(s);
            }
            for (int i = 0; i < 24; i++) {
                for (int j = 0; j < 24; j++) {
                    assertEquals(sigma[i * 24 + j], sigma[j * 24 + i], "Sigma not exactly symmetric");
                }
            }
        }
    }

    @Test
    @DisplayName("X has the planted covariance rank and spread")
    void xSpectra() {
        Case spread = new Case(1, 20, 60, 5, OutputLayout.FULL, Spectrum.SPREAD, 0, 1, false, 3);
        double[] l = eigenvalues(ReferenceMath.covariance(Dense.toDouble(Samples.x(spread, Samples.random(spread)), 0, 1200), 20, 60), 20);
        // Singular values spread to 1e6: eigenvalues of Sigma to 1e12, below what float32 input resolves.
        assertTrue(l[19] > 0 && l[0] / l[19] < 1e-9, "spread " + l[0] / l[19]);
        Case thin = new Case(1, 20, 6, 5, OutputLayout.FULL, Spectrum.WELL, 0, 10, false, 4);
        l = eigenvalues(ReferenceMath.covariance(Dense.toDouble(Samples.x(thin, Samples.random(thin)), 0, 120), 20, 6), 20);
        // n = 6 positions: rank 5 after centring, with well-conditioned non-zero part despite the offset 10.
        assertTrue(Math.abs(l[14]) / l[19] < 1e-6 && l[15] / l[19] > 0.05, Arrays.toString(l));
    }

    @Test
    @DisplayName("gradients are symmetric exactly when asked for a FULL layout")
    void gradientSymmetry() {
        Case sym = new Case(2, 9, 0, 3, OutputLayout.FULL, Spectrum.WELL, 0, 0, true, 5);
        float[] g = Samples.gradOut(sym, Samples.random(sym));
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 9; j++) {
                assertEquals(g[81 + i * 9 + j], g[81 + j * 9 + i]);
            }
        }
        Case non = new Case(2, 9, 0, 3, OutputLayout.FULL, Spectrum.WELL, 0, 0, false, 5);
        float[] h = Samples.gradOut(non, Samples.random(non));
        assertTrue(h[1] != h[9], "non-symmetric gradient came out symmetric");
    }

    @Test
    @DisplayName("random orthogonal matrices are orthogonal")
    void orthogonal() {
        double[] q = RandomData.randomOrthogonal(new SplittableRandom(1), 40);
        double[] qqt = Dense.mul(q, Dense.transpose(q, 40, 40), 40, 40, 40);
        for (int i = 0; i < 40; i++) {
            for (int j = 0; j < 40; j++) {
                assertEquals(i == j ? 1 : 0, qqt[i * 40 + j], 1e-13);
            }
        }
    }

    @Test
    @DisplayName("finite differences are accurate and their error estimate covers their error")
    void finiteDifferences() {
        // F(P) = sum p_i^3 + prod-like coupling: dF[E] = sum 3 p_i^2 e_i + ...
        SplittableRandom r = new SplittableRandom(2);
        double[] p = RandomData.gaussian(r, 30);
        double[] e = RandomData.gaussian(r, 30);
        java.util.function.ToDoubleFunction<double[]> f = v -> {
            double s = 0;
            for (int i = 0; i < v.length; i++) {
                s += v[i] * v[i] * v[i] + Math.sin(v[i] * v[(i + 1) % v.length]);
            }
            return s;
        };
        double exact = 0;
        for (int i = 0; i < 30; i++) {
            int j = (i + 1) % 30;
            exact += 3 * p[i] * p[i] * e[i] + Math.cos(p[i] * p[j]) * (e[i] * p[j] + p[i] * e[j]);
        }
        FiniteDifferences.Result fd = FiniteDifferences.directional(f, p, e, 100);
        assertTrue(Math.abs(fd.value - exact) <= fd.error, "fd " + fd.value + " exact " + exact + " err " + fd.error);
        assertTrue(fd.error < 1e-8 * ErrorNorms.norm(e) * 30, "fd error estimate " + fd.error);
    }

    @Test
    @DisplayName("slots catch writes outside the region, unwritten cells and modified inputs")
    void slots() {
        SplittableRandom r = new SplittableRandom(3);
        Slot out = Slot.output("out", 10, r);
        while (out.array.length == 10) { // no guard cell drawn: draw again
            out = Slot.output("out", 10, r);
        }
        Slot o = out;
        Arrays.fill(o.array, o.off, o.off + 10, 1f);
        o.verify("ok");
        o.array[o.off + 10 < o.array.length ? o.off + 10 : o.off - 1] = 0f;
        assertThrows(AssertionError.class, () -> o.verify("outside"));
        Slot partial = Slot.output("out", 10, r);
        Arrays.fill(partial.array, partial.off, partial.off + 9, 1f);
        assertThrows(AssertionError.class, () -> partial.verify("unwritten"));
        Slot in = Slot.input("x", new float[] {1, 2, 3}, r);
        in.verify("ok");
        in.array[in.off] = 5;
        assertThrows(AssertionError.class, () -> in.verify("modified"));
    }
}
