package org.isqrt4j.opencl;

import static org.isqrt4j.opencl.DoubleReference.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The test oracle itself, checked against central finite differences of its own forward (float64, no OpenCL
 * needed): if the oracle's backward were wrong, every comparison with it would be meaningless.
 */
class DoubleReferenceTest {

    private static double[][] random(SplittableRandom rnd, int r, int c) {
        double[][] m = new double[r][c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                m[i][j] = rnd.nextDouble() - 0.5;
            }
        }
        return m;
    }

    /**
     * Central differences with h = 1e-5 on entries of size ~0.1..1 have truncation error ~h^2 * (third derivative)
     * ~1e-10 and rounding error ~1e-16 / h ~1e-11, so 1e-6 relative is a comfortable yet sharp bound (an error in
     * any formula term is of order 1e-1).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5})
    void sqrtBackwardMatchesFiniteDifferences(int k) {
        SplittableRandom rnd = new SplittableRandom(7 + k);
        int d = 4;
        for (boolean symmetric : new boolean[] {true, false}) {
            double[][] x = random(rnd, d, 9);
            double[][] sigma = covariance(x);
            if (!symmetric) {
                sigma = lin(1, sigma, 0.05, random(rnd, d, d));
            }
            double[][] g = random(rnd, d, d);
            double[][] analytic = sqrtBackward(sigma, k, g);
            double h = 1e-5;
            double num = 0;
            double den = 0;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double[][] p = lin(1, sigma, 0, sigma);
                    double[][] m = lin(1, sigma, 0, sigma);
                    p[i][j] += h;
                    m[i][j] -= h;
                    double fd = (dot(g, sqrt(p, k)) - dot(g, sqrt(m, k))) / (2 * h);
                    num += (fd - analytic[i][j]) * (fd - analytic[i][j]);
                    den += fd * fd;
                }
            }
            double rel = Math.sqrt(num / den);
            assertTrue(rel < 1e-6, "K=" + k + " symmetric=" + symmetric + ": relative error " + rel);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void layerBackwardMatchesFiniteDifferences(int k) {
        SplittableRandom rnd = new SplittableRandom(11 + k);
        int d = 3;
        int n = 5;
        double[][] x = random(rnd, d, n);
        double[][] g = random(rnd, d, d);
        double[][] analytic = covarianceBackward(x, sqrtBackward(covariance(x), k, g));
        double h = 1e-5;
        double num = 0;
        double den = 0;
        for (int i = 0; i < d; i++) {
            for (int p = 0; p < n; p++) {
                double[][] xp = lin(1, x, 0, x);
                double[][] xm = lin(1, x, 0, x);
                xp[i][p] += h;
                xm[i][p] -= h;
                double fd = (dot(g, sqrt(covariance(xp), k)) - dot(g, sqrt(covariance(xm), k))) / (2 * h);
                num += (fd - analytic[i][p]) * (fd - analytic[i][p]);
                den += fd * fd;
            }
        }
        double rel = Math.sqrt(num / den);
        assertTrue(rel < 1e-6, "K=" + k + ": relative error " + rel);
    }
}
