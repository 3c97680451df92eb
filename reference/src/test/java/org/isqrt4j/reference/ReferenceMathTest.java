package org.isqrt4j.reference;

import static org.isqrt4j.testsupport.Dense.*;
import static org.isqrt4j.testsupport.ErrorNorms.norm;
import static org.isqrt4j.testsupport.ErrorNorms.relErr;
import static org.isqrt4j.testsupport.RandomData.gaussian;
import static org.isqrt4j.testsupport.RandomData.randomOrthogonal;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Unit tests of the float64 ground truth. Tolerances: paths that compute the same function in double agree to
 * a small multiple of the condition number times 2^-52; we allow 1e-10 relative (a wrong term is O(1)).
 * Central differences with step h ~ 1e-5 have truncation error O(h^2) ~ 1e-10 (O(h^4) for the 4th-order
 * stencil) and rounding O(eps/h) ~ 1e-11,
 * so 1e-6 relative to ||grad|| ||direction|| leaves a wide margin while a wrong gradient misses by O(1).
 */
class ReferenceMathTest {
    private static final double SAME = 1e-10;
    private static final double FD = 1e-6;

    // ------------------------------------------------------------------ scalar recurrence

    @Test
    void scalarRecurrenceMatchesHandExpansion() {
        for (double l : new double[] {0, 1e-3, 0.25, 0.5, 1}) {
            double t1 = (3 - l) / 2;
            assertEquals(l * t1, ReferenceMath.scalarNewtonSchulz(l, 1), 1e-16);
            // Step 2 from (y1, z1) = (l t1, t1): t2 = (3 - l t1^2) / 2, y2 = l t1 t2.
            double t2 = (3 - l * t1 * t1) / 2;
            assertEquals(l * t1 * t2, ReferenceMath.scalarNewtonSchulz(l, 2), 1e-15);
        }
        assertEquals(0.34375, ReferenceMath.scalarNewtonSchulz(0.25, 1), 0);
        for (int k = 1; k <= 30; k++) {
            assertEquals(1.0, ReferenceMath.scalarNewtonSchulz(1.0, k), 0, "1 is a fixed point");
            assertEquals(0.0, ReferenceMath.scalarNewtonSchulz(0.0, k), 0, "0 is a fixed point");
        }
        // docs/maths.md, after (M8): p_5(1/256) / sqrt(1/256) is about 0.45.
        assertEquals(0.45, ReferenceMath.scalarNewtonSchulz(1.0 / 256, 5) * 16, 0.01);
        // Convergence to sqrt for many iterations.
        assertEquals(Math.sqrt(0.02), ReferenceMath.scalarNewtonSchulz(0.02, 25), 1e-15);
    }

    @Test
    void dividedDifferencesAreStable() {
        for (int k : new int[] {1, 2, 5, 12}) {
            // Separated points: the naive quotient is accurate there.
            double a = 0.7;
            double b = 0.2;
            double naive = (ReferenceMath.scalarNewtonSchulz(a, k) - ReferenceMath.scalarNewtonSchulz(b, k)) / (a - b);
            assertEquals(naive, ReferenceMath.dividedDifference(a, b, k), 1e-12 * Math.abs(naive));
            assertEquals(ReferenceMath.dividedDifference(a, b, k), ReferenceMath.dividedDifference(b, a, k), 1e-13);
            // Equal points give the derivative; compare with a central difference.
            double h = 1e-6;
            double der = (ReferenceMath.scalarNewtonSchulz(0.3 + h, k) - ReferenceMath.scalarNewtonSchulz(0.3 - h, k)) / (2 * h);
            assertEquals(der, ReferenceMath.dividedDifference(0.3, 0.3, k), 1e-7 * Math.abs(der));
            // p_K'(0) = 1.5^K.
            assertEquals(Math.pow(1.5, k), ReferenceMath.dividedDifference(0, 0, k), 1e-12 * Math.pow(1.5, k));
            // Points 1 ulp-ish apart: continuous with the derivative (the naive quotient is pure noise here).
            double c = 0.3 * (1 + 1e-15);
            double dd0 = ReferenceMath.dividedDifference(0.3, 0.3, k);
            assertEquals(dd0, ReferenceMath.dividedDifference(0.3, c, k), 1e-12 * Math.abs(dd0));
        }
    }

    // ------------------------------------------------------------------ covariance

    @Test
    void covarianceByHand() {
        double[] x = {1, 2, 3, 2, 4, 9};
        double[] s = ReferenceMath.covariance(x, 2, 3);
        assertArrayEquals(new double[] {2.0 / 3, 7.0 / 3, 7.0 / 3, 26.0 / 3}, s, 1e-15);
        assertArrayEquals(new double[] {1, 2, 3, 2, 4, 9}, x, 0, "input unchanged");
    }

    @Test
    void covarianceBackwardMatchesFiniteDifferences() {
        Random r = new Random(11);
        int d = 4;
        int n = 7;
        double[] x = gaussian(r, d * n);
        double[] g = gaussian(r, d * d);
        double[] gx = ReferenceMath.covarianceBackward(x, d, n, g);
        for (int t = 0; t < 3; t++) {
            double[] e = gaussian(r, d * n);
            double h = 1e-5;
            double fd = (dot(g, ReferenceMath.covariance(axpy(x, h, e), d, n))
                    - dot(g, ReferenceMath.covariance(axpy(x, -h, e), d, n))) / (2 * h);
            assertEquals(fd, dot(gx, e), FD * norm(gx) * norm(e));
        }
    }

    @Test
    void constantRowsGiveExactlyZeroCovariance() {
        int d = 3;
        int n = 9;
        double[] x = new double[d * n];
        for (int i = 0; i < d; i++) {
            for (int p = 0; p < n; p++) {
                x[i * n + p] = (double) (0.1f * (i + 1)); // float values, as the op feeds them
            }
        }
        assertArrayEquals(new double[d * d], ReferenceMath.covariance(x, d, n), 0);
        assertArrayEquals(new double[d * d], ReferenceMath.layerForward(x, d, n, 5), 0);
        assertArrayEquals(new double[d * n], ReferenceMath.layerBackward(x, d, n, 5, gaussian(new Random(2), d * d)), 0);
    }

    // ------------------------------------------------------------------ forward: hand cases

    @Test
    void oneByOneIsTheSquareRootForEveryK() {
        for (int k : new int[] {1, 3, 5, 20}) {
            assertArrayEquals(new double[] {2}, ReferenceMath.sqrtSpectral(new double[] {4}, 1, k), 1e-15);
            assertArrayEquals(new double[] {2}, ReferenceMath.sqrtIterative(new double[] {4}, 1, k), 1e-15);
            // d(sqrt s)/ds = 1 / (2 sqrt s): 3 / 4.
            assertArrayEquals(new double[] {0.75}, ReferenceMath.sqrtBackwardSpectral(new double[] {4}, 1, k, new double[] {3}), 1e-15);
            assertArrayEquals(new double[] {0.75}, ReferenceMath.sqrtBackwardIterative(new double[] {4}, 1, k, new double[] {3}), 1e-15);
        }
        assertArrayEquals(new double[] {3}, ReferenceMath.sqrtExact(new double[] {9}, 1), 1e-15);
    }

    @Test
    void layerWithOneChannelIsTheStandardDeviation() {
        double[] x = {1, 2, 3, 6}; // mean 3, centred (-2, -1, 0, 3), variance 14/4
        double sd = Math.sqrt(3.5);
        assertArrayEquals(new double[] {sd}, ReferenceMath.layerForward(x, 1, 4, 5), 1e-15);
        double[] g = ReferenceMath.layerBackward(x, 1, 4, 5, new double[] {1});
        assertArrayEquals(new double[] {-2 / (4 * sd), -1 / (4 * sd), 0, 3 / (4 * sd)}, g, 1e-15);
    }

    @Test
    void diagonalAndRotatedTwoByTwoByHand() {
        // diag(1, 3), K = 1: tau = 4, A = diag(1/4, 3/4), p_1(a) = a (3 - a) / 2, C = 2 p_1(A).
        double[] expectDiag = {0.6875, 0, 0, 1.6875};
        assertArrayEquals(expectDiag, ReferenceMath.sqrtSpectral(diag(1, 3), 2, 1), 1e-15);
        assertArrayEquals(expectDiag, ReferenceMath.sqrtIterative(diag(1, 3), 2, 1), 1e-15);
        // The same rotated by 45 degrees: [[2, -1], [-1, 2]] -> [[1.1875, -0.5], [-0.5, 1.1875]].
        double[] sigma = {2, -1, -1, 2};
        double[] expect = {1.1875, -0.5, -0.5, 1.1875};
        assertArrayEquals(expect, ReferenceMath.sqrtSpectral(sigma, 2, 1), 1e-14);
        assertArrayEquals(expect, ReferenceMath.sqrtIterative(sigma, 2, 1), 1e-14);
        // True root of [[2, -1], [-1, 2]]: R diag(1, sqrt 3) R^T.
        double a = (1 + Math.sqrt(3)) / 2;
        double b = (1 - Math.sqrt(3)) / 2;
        assertArrayEquals(new double[] {a, b, b, a}, ReferenceMath.sqrtExact(sigma, 2), 1e-14);
    }

    @Test
    void diagonalMatrixAppliesTheScalarRecurrenceToEachEntry() {
        double[] s = {0.5, 2, 3.5, 0, 4};
        double tau = 10;
        for (int k : new int[] {1, 4, 9}) {
            double[] c = ReferenceMath.sqrtSpectral(diag(s), 5, k);
            double[] ci = ReferenceMath.sqrtIterative(diag(s), 5, k);
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 5; j++) {
                    double e = i == j ? Math.sqrt(tau) * ReferenceMath.scalarNewtonSchulz(s[i] / tau, k) : 0;
                    assertEquals(e, c[i * 5 + j], 1e-14);
                    assertEquals(e, ci[i * 5 + j], 1e-14);
                }
            }
        }
    }

    /**
     * K = 1 has a closed form, F(S) = (3 S / sqrt(tau) - S^2 / tau^1.5) / 2, whose gradient for any S and G is
     * (3 G / sqrt(tau) - 1.5 &lt;G,S&gt; I / tau^1.5 - (G S^T + S^T G) / tau^1.5 + 1.5 &lt;G,S^2&gt; I / tau^2.5) / 2.
     */
    @Test
    void firstOrderClosedFormGradient() {
        Random r = new Random(3);
        int d = 5;
        for (boolean symmetric : new boolean[] {true, false}) {
            double[] s = ReferenceMath.covariance(gaussian(r, d * 9), d, 9);
            if (!symmetric) {
                s = axpy(s, 0.1, gaussian(r, d * d));
            }
            double tau = trace(s, d);
            double[] g = gaussian(r, d * d);
            double[] s2 = mul(s, s, d);
            double[] st = transpose(s, d);
            double[] gst = mul(g, st, d);
            double[] stg = mul(st, g, d);
            double diag = -1.5 * dot(g, s) / Math.pow(tau, 1.5) + 1.5 * dot(g, s2) / Math.pow(tau, 2.5);
            double[] expect = new double[d * d];
            double[] expectF = new double[d * d];
            for (int i = 0; i < d * d; i++) {
                expect[i] = (3 * g[i] / Math.sqrt(tau) - (gst[i] + stg[i]) / Math.pow(tau, 1.5)) / 2;
                expectF[i] = (3 * s[i] / Math.sqrt(tau) - s2[i] / Math.pow(tau, 1.5)) / 2;
            }
            for (int i = 0; i < d; i++) {
                expect[i * d + i] += diag / 2;
            }
            assertTrue(relErr(ReferenceMath.sqrtIterative(s, d, 1), expectF) < SAME);
            assertTrue(relErr(ReferenceMath.sqrtBackwardIterative(s, d, 1, g), expect) < SAME, "iterative " + symmetric);
            if (symmetric) {
                assertTrue(relErr(ReferenceMath.sqrtSpectral(s, d, 1), expectF) < SAME);
                assertTrue(relErr(ReferenceMath.sqrtBackwardSpectral(s, d, 1, g), expect) < SAME, "spectral");
            }
        }
    }

    // ------------------------------------------------------------------ forward: properties

    @ParameterizedTest
    @CsvSource({"3, 10", "8, 3", "16, 40", "6, 6"})
    void sqrtExactSquaredIsSigma(int d, int n) {
        double[] s = ReferenceMath.covariance(gaussian(new Random(d * 31L + n), d * n), d, n);
        double[] r = ReferenceMath.sqrtExact(s, d);
        assertTrue(relErr(mul(r, r, d), s) < 1e-12, "relErr " + relErr(mul(r, r, d), s));
        assertTrue(relErr(r, transpose(r, d)) == 0, "symmetric");
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 5", "2, 5, 1", "5, 20, 5", "8, 3, 5", "16, 50, 10", "12, 12, 3"})
    void spectralEqualsIterativeForSymmetricInput(int d, int n, int k) {
        double[] s = ReferenceMath.covariance(gaussian(new Random(d + 97L * n + k), d * n), d, n);
        double[] before = s.clone();
        double[] a = ReferenceMath.sqrtSpectral(s, d, k);
        double[] b = ReferenceMath.sqrtIterative(s, d, k);
        assertTrue(relErr(b, a) < SAME, "relErr " + relErr(b, a));
        assertArrayEquals(before, s, 0, "input unchanged");
    }

    @Test
    void manyIterationsConvergeToTheTrueRootOnWellConditionedInput() {
        Random r = new Random(5);
        int d = 8;
        double[] s = withEigenvalues(randomOrthogonal(r, d), 1, 1.5, 2, 3, 4.5, 6, 8, 10);
        double[] exact = ReferenceMath.sqrtExact(s, d);
        // Eigenvalues of A lie in [1/36, 10/36]: p_K is within rounding of sqrt from K = 20 on.
        for (int k : new int[] {20, 30}) {
            assertTrue(relErr(ReferenceMath.sqrtSpectral(s, d, k), exact) < 1e-13);
            assertTrue(relErr(ReferenceMath.sqrtIterative(s, d, k), exact) < 1e-12);
        }
        // ...and K = 5 is visibly not the root (docs/maths.md), so the comparison above is not vacuous.
        assertTrue(relErr(ReferenceMath.sqrtSpectral(s, d, 5), exact) > 1e-3);
    }

    @Test
    void scalingAndRotation() {
        Random r = new Random(8);
        int d = 6;
        double[] s = ReferenceMath.covariance(gaussian(r, d * 10), d, 10);
        double[] c = ReferenceMath.sqrtSpectral(s, d, 5);
        double[] scaled = ReferenceMath.sqrtSpectral(axpy(new double[d * d], 9, s), d, 5);
        assertTrue(relErr(scaled, axpy(new double[d * d], 3, c)) < SAME);
        double[] q = randomOrthogonal(r, d);
        double[] rotated = ReferenceMath.sqrtSpectral(sym(mul(mul(q, s, d), transpose(q, d), d), d), d, 5);
        assertTrue(relErr(rotated, mul(mul(q, c, d), transpose(q, d), d)) < SAME);
    }

    // ------------------------------------------------------------------ backward agreement

    @ParameterizedTest
    @CsvSource({"1, 4, 1", "2, 5, 2", "5, 20, 5", "8, 3, 5", "16, 50, 8", "7, 7, 15"})
    void spectralBackwardEqualsIterativeBackward(int d, int n, int k) {
        Random r = new Random(d * 13L + n * 7L + k);
        double[] s = ReferenceMath.covariance(gaussian(r, d * n), d, n);
        for (double[] g : new double[][] {gaussian(r, d * d), sym(gaussian(r, d * d), d)}) {
            double[] gBefore = g.clone();
            double[] a = ReferenceMath.sqrtBackwardSpectral(s, d, k, g);
            double[] b = ReferenceMath.sqrtBackwardIterative(s, d, k, g);
            assertTrue(relErr(b, a) < SAME, "relErr " + relErr(b, a));
            assertArrayEquals(gBefore, g, 0, "gC unchanged");
        }
    }

    @Test
    void repeatedAndClusteredEigenvalues() {
        Random r = new Random(21);
        int d = 6;
        double[] q = randomOrthogonal(r, d);
        double[][] cases = {
            diag(1, 1, 1, 1, 1, 1),
            withEigenvalues(q, 1, 1, 1, 2, 2, 3),
            withEigenvalues(q, 1, 1 + 1e-13, 1 + 2e-13, 2, 2 + 1e-12, 3),
            withEigenvalues(q, 0, 0, 0, 1e-14, 1, 1),
        };
        for (int k : new int[] {1, 5, 12}) {
            for (double[] s : cases) {
                double[] g = gaussian(r, d * d);
                double[] a = ReferenceMath.sqrtBackwardSpectral(s, d, k, g);
                double[] b = ReferenceMath.sqrtBackwardIterative(s, d, k, g);
                assertTrue(relErr(b, a) < SAME, "K=" + k + " relErr " + relErr(b, a));
                assertTrue(relErr(ReferenceMath.sqrtIterative(s, d, k), ReferenceMath.sqrtSpectral(s, d, k)) < SAME);
                checkSqrtFiniteDifferences(r, s, d, k, g, a, true);
            }
        }
        // Identity: A = I/d, C = sqrt(d) p_K(1/d) I.
        double[] c = ReferenceMath.sqrtSpectral(cases[0], d, 5);
        assertEquals(Math.sqrt(d) * ReferenceMath.scalarNewtonSchulz(1.0 / d, 5), c[0], 1e-15);
        assertEquals(0, c[1], 1e-15);
    }

    // ------------------------------------------------------------------ finite differences

    @ParameterizedTest
    @CsvSource({"3, 10, 5", "6, 4, 5", "5, 30, 2", "9, 20, 10"})
    void sqrtGradientsMatchFiniteDifferences(int d, int n, int k) {
        Random r = new Random(d * 1000L + n * 10L + k);
        double[] s = ReferenceMath.covariance(gaussian(r, d * n), d, n);
        double[] g = gaussian(r, d * d); // not symmetric
        double[] spectral = ReferenceMath.sqrtBackwardSpectral(s, d, k, g);
        double[] iterative = ReferenceMath.sqrtBackwardIterative(s, d, k, g);
        checkSqrtFiniteDifferences(r, s, d, k, g, spectral, true);
        checkSqrtFiniteDifferences(r, s, d, k, g, iterative, true);
        checkSqrtFiniteDifferences(r, s, d, k, g, spectral, false);
        checkSqrtFiniteDifferences(r, s, d, k, g, iterative, false);
    }

    @Test
    void iterativeGradientIsExactForNonSymmetricSigma() {
        Random r = new Random(4);
        int d = 5;
        double[] s = axpy(ReferenceMath.covariance(gaussian(r, d * 12), d, 12), 0.05, gaussian(r, d * d));
        double[] g = gaussian(r, d * d);
        checkSqrtFiniteDifferences(r, s, d, 5, g, ReferenceMath.sqrtBackwardIterative(s, d, 5, g), false);
    }

    /**
     * Directional derivative of &lt;G, F(Sigma + hE)&gt; by central differences against &lt;grad, E&gt;.
     * The iterative forward is the polynomial map on all matrices, so any (non-symmetric) direction applies;
     * the spectral forward reads the symmetric part of its input, so it gets symmetric directions.
     */
    private static void checkSqrtFiniteDifferences(Random r, double[] s, int d, int k, double[] g, double[] grad,
                                                   boolean spectralForward) {
        // p_K is linear near 0 only for lambda << 1.5^-2K (its curvature there grows like 1.5^3K), so on
        // (near-)singular input the step must shrink with K; the 4th-order stencil keeps truncation negligible.
        double h = 1e-5 * Math.max(trace(s, d), 1e-3) / d * Math.min(1, 100 / Math.pow(1.5, 2 * k));
        for (int t = 0; t < 2; t++) {
            double[] e = gaussian(r, d * d);
            if (spectralForward) {
                e = sym(e, d);
            }
            double[] f = new double[4];
            double[] steps = {-2 * h, -h, h, 2 * h};
            for (int q = 0; q < 4; q++) {
                double[] sp = axpy(s, steps[q], e);
                f[q] = dot(g, spectralForward ? ReferenceMath.sqrtSpectral(sp, d, k) : ReferenceMath.sqrtIterative(sp, d, k));
            }
            double fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
            double an = dot(grad, e);
            assertEquals(fd, an, FD * norm(grad) * norm(e), "K=" + k + " spectralForward=" + spectralForward);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 5, 5", "4, 12, 5", "8, 3, 5", "6, 20, 1", "5, 9, 12"})
    void layerGradientMatchesFiniteDifferences(int d, int n, int k) {
        Random r = new Random(d * 77L + n + k);
        double[] x = gaussian(r, d * n);
        double[] xBefore = x.clone();
        double[] g = gaussian(r, d * d);
        double[] gx = ReferenceMath.layerBackward(x, d, n, k, g);
        assertArrayEquals(xBefore, x, 0, "x unchanged");
        // The layer's gradient is the composition of the two stages.
        double[] composed = ReferenceMath.covarianceBackward(x, d, n,
                ReferenceMath.sqrtBackwardIterative(ReferenceMath.covariance(x, d, n), d, k, g));
        assertTrue(relErr(gx, composed) < SAME);
        for (int t = 0; t < 3; t++) {
            double[] e = gaussian(r, d * n);
            double h = 1e-5;
            double fd = (dot(g, ReferenceMath.layerForward(axpy(x, h, e), d, n, k))
                    - dot(g, ReferenceMath.layerForward(axpy(x, -h, e), d, n, k))) / (2 * h);
            assertEquals(fd, dot(gx, e), FD * norm(gx) * norm(e));
        }
    }

    // ------------------------------------------------------------------ rank deficiency and zero trace

    @Test
    void rankDeficientInputStaysFiniteAndBounded() {
        Random r = new Random(17);
        int d = 10;
        int n = 3; // rank <= 2 after centring
        double[] x = gaussian(r, d * n);
        double[] s = ReferenceMath.covariance(x, d, n);
        double[] g = gaussian(r, d * d);
        for (int k : new int[] {5, 15}) {
            double[] c = ReferenceMath.sqrtSpectral(s, d, k);
            assertTrue(relErr(ReferenceMath.sqrtIterative(s, d, k), c) < SAME);
            double[] a = ReferenceMath.sqrtBackwardSpectral(s, d, k, g);
            double[] b = ReferenceMath.sqrtBackwardIterative(s, d, k, g);
            assertTrue(relErr(b, a) < SAME);
            // p_K'(0) = 1.5^K bounds the gain on the null space.
            double bound = Math.pow(1.5, k) * norm(g) * Math.sqrt(d) / Math.sqrt(trace(s, d)) * 4;
            assertTrue(norm(a) < bound, norm(a) + " vs " + bound);
            for (double v : a) {
                assertTrue(Double.isFinite(v));
            }
        }
        double[] exact = ReferenceMath.sqrtExact(s, d);
        assertTrue(relErr(mul(exact, exact, d), s) < 1e-12);
    }

    @Test
    void zeroTraceGivesZeros() {
        int d = 4;
        double[] z = new double[d * d];
        double[] g = gaussian(new Random(1), d * d);
        assertArrayEquals(z, ReferenceMath.sqrtSpectral(z, d, 5), 0);
        assertArrayEquals(z, ReferenceMath.sqrtIterative(z, d, 5), 0);
        assertArrayEquals(z, ReferenceMath.sqrtBackwardSpectral(z, d, 5, g), 0);
        assertArrayEquals(z, ReferenceMath.sqrtBackwardIterative(z, d, 5, g), 0);
        assertArrayEquals(z, ReferenceMath.sqrtExact(z, d), 0);
        assertArrayEquals(new double[d * 6], ReferenceMath.layerBackward(new double[d * 6], d, 6, 5, g), 0);
    }

    // ------------------------------------------------------------------ packing and arguments

    @Test
    void packingOrderIsTorchTriuIndices() {
        double[] m = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        assertArrayEquals(new double[] {0, 1, 2, 4, 5, 8}, ReferenceMath.packTriu(m, 3), 0);
        assertArrayEquals(new double[] {1, 2, 3, 0, 4, 5, 0, 0, 6}, ReferenceMath.unpackTriu(new double[] {1, 2, 3, 4, 5, 6}, 3), 0);
        double[] p = gaussian(new Random(2), 10 * 11 / 2);
        assertArrayEquals(p, ReferenceMath.packTriu(ReferenceMath.unpackTriu(p, 10), 10), 0);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.sqrtSpectral(new double[4], 2, 0));
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.scalarNewtonSchulz(0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.sqrtIterative(new double[3], 2, 5));
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.covariance(new double[6], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.covariance(new double[0], 0, 2));
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.sqrtSpectral(diag(-1, 0), 2, 5));
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.sqrtBackwardSpectral(diag(1, 1), 2, 5, null));
    }
}
