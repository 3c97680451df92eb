package org.isqrt4j.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.Test;

/** ReferenceMath's inverse root, Frobenius pre-normalisation, eps and whitening. */
class RootOptionsMathTest {
    private static final SqrtOptions INV = SqrtOptions.of(5, OutputLayout.FULL).withRoot(SqrtOptions.Root.INV_SQRT);

    @Test
    void zOnTheNullSpaceIs1Point5PowKAndStaysIn1To1Point5PowK() {
        for (int k = 1; k <= 12; k++) {
            assertEquals(Math.pow(1.5, k), ReferenceMath.scalarInverseNewtonSchulz(0, k), 1e-12 * Math.pow(1.5, k));
            for (double l = 0; l <= 1; l += 1.0 / 64) {
                double z = ReferenceMath.scalarInverseNewtonSchulz(l, k);
                assertTrue(z >= 1 - 1e-15 && z <= Math.pow(1.5, k) + 1e-12, "z_" + k + "(" + l + ") = " + z);
                // Y_K = A Z_K: p_K = lambda z_K.
                assertEquals(l * z, ReferenceMath.scalarNewtonSchulz(l, k), 1e-12);
            }
        }
        assertEquals(1 / Math.sqrt(0.3), ReferenceMath.scalarInverseNewtonSchulz(0.3, 30), 1e-12);
    }

    @Test
    void inverseDividedDifferenceMatchesDifferenceQuotientsAndDerivative() {
        for (int k = 1; k <= 8; k++) {
            double a = 0.3;
            double b = 0.7;
            double q = (ReferenceMath.scalarInverseNewtonSchulz(a, k) - ReferenceMath.scalarInverseNewtonSchulz(b, k)) / (a - b);
            assertEquals(q, ReferenceMath.dividedDifferenceInverse(a, b, k), 1e-12);
            double h = 1e-6;
            double der = (ReferenceMath.scalarInverseNewtonSchulz(a + h, k) - ReferenceMath.scalarInverseNewtonSchulz(a - h, k)) / (2 * h);
            assertEquals(der, ReferenceMath.dividedDifferenceInverse(a, a, k), 1e-6 * Math.max(1, Math.abs(der)));
        }
    }

    @Test
    void spectralAndIterativeAgreeForEveryOption() {
        Random r = new Random(5);
        int d = 6;
        double[] q = RandomData.randomOrthogonal(r, d);
        double[] sigma = Dense.withEigenvalues(q, 3, 1, 0.5, 0.2, 0.05, 0);
        for (SqrtOptions.Root root : SqrtOptions.Root.values()) {
            for (SqrtOptions.Normalisation nrm : SqrtOptions.Normalisation.values()) {
                for (double eps : new double[] {0, 0.1}) {
                    SqrtOptions o = INV.withRoot(root).withNormalisation(nrm).withEpsilon(eps);
                    double[] c1 = ReferenceMath.rootSpectral(sigma, d, o);
                    double[] c2 = ReferenceMath.rootIterative(sigma, d, o);
                    assertTrue(ErrorNorms.relErr(c1, c2) < 1e-12, o + ": " + ErrorNorms.relErr(c1, c2));
                    double[] g = RandomData.gaussian(r, d * d);
                    double[] g1 = ReferenceMath.rootBackwardSpectral(sigma, d, o, g);
                    double[] g2 = ReferenceMath.rootBackwardIterative(sigma, d, o, g);
                    assertTrue(ErrorNorms.relErr(g1, g2) < 1e-9, o + " backward: " + ErrorNorms.relErr(g1, g2));
                }
            }
        }
        // The paper's options: the same as the existing square root.
        assertTrue(ErrorNorms.relErr(ReferenceMath.rootSpectral(sigma, d, SqrtOptions.defaults()),
                ReferenceMath.sqrtSpectral(sigma, d, 5)) < 1e-14);
    }

    @Test
    void inverseRootConvergesAndScales() {
        Random r = new Random(6);
        int d = 5;
        double[] sigma = Dense.withEigenvalues(RandomData.randomOrthogonal(r, d), 4, 2, 1, 0.8, 0.5);
        SqrtOptions o = INV.withIterations(30);
        double[] exact = ReferenceMath.invSqrtExact(sigma, d);
        assertTrue(ErrorNorms.relErr(ReferenceMath.rootSpectral(sigma, d, o), exact) < 1e-12);
        assertTrue(ErrorNorms.relErr(ReferenceMath.rootSpectral(sigma, d, o.withNormalisation(SqrtOptions.Normalisation.FROBENIUS)), exact) < 1e-12);
        double[] s4 = new double[d * d];
        for (int i = 0; i < s4.length; i++) {
            s4[i] = 9 * sigma[i];
        }
        double[] c = ReferenceMath.rootSpectral(sigma, d, INV);
        double[] c9 = ReferenceMath.rootSpectral(s4, d, INV);
        for (int i = 0; i < c.length; i++) {
            assertEquals(c[i] / 3, c9[i], 1e-12);
        }
    }

    @Test
    void whiteningGivesIdentityCovarianceAndItsGradientMatchesFiniteDifferences() {
        Random r = new Random(7);
        int d = 4;
        int n = 40;
        double[] x = RandomData.gaussian(r, d * n);
        SqrtOptions o = INV.withIterations(30);
        double[] w = ReferenceMath.whitenForward(x, d, n, o);
        double[] cov = ReferenceMath.covariance(w, d, n);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                assertEquals(i == j ? 1 : 0, cov[i * d + j], 1e-10);
            }
        }
        SqrtOptions o5 = INV.withEpsilon(0.01).withNormalisation(SqrtOptions.Normalisation.FROBENIUS);
        double[] g = RandomData.gaussian(r, d * n);
        double[] gx = ReferenceMath.whitenBackward(x, d, n, o5, g);
        double[] e = RandomData.gaussian(r, d * n);
        double h = 1e-6;
        double[] xp = x.clone();
        double[] xm = x.clone();
        for (int i = 0; i < xp.length; i++) {
            xp[i] += h * e[i];
            xm[i] -= h * e[i];
        }
        double fd = (Dense.dot(g, ReferenceMath.whitenForward(xp, d, n, o5)) - Dense.dot(g, ReferenceMath.whitenForward(xm, d, n, o5))) / (2 * h);
        assertEquals(fd, Dense.dot(gx, e), 1e-6 * Math.max(1, Math.abs(fd)));
    }

    @Test
    void zeroSigmaHasNoInverseRoot() {
        assertThrows(IllegalArgumentException.class, () -> ReferenceMath.rootSpectral(new double[4], 2, INV));
        double[] c = ReferenceMath.rootSpectral(new double[4], 2, INV.withEpsilon(0.25));
        // (eps I)^(-1/2) through z_5(1/2) / sqrt(2 eps).
        assertEquals(ReferenceMath.scalarInverseNewtonSchulz(0.5, 5) / Math.sqrt(0.5), c[0], 1e-12);
    }
}
