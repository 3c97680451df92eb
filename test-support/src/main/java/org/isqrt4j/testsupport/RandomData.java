package org.isqrt4j.testsupport;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * Random test data. A test that fixes its seed gets the same values on every JDK: the Gaussians of a {@link
 * SplittableRandom} are drawn by Box-Muller here (it has no nextGaussian on Java 17), those of a {@link Random} by
 * its own nextGaussian.
 */
public final class RandomData {
    private RandomData() {
    }

    /**
     * Box-Muller: one standard normal value from two uniform draws.
     *
     * @param rnd the source
     * @return the value
     */
    public static double nextGaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble(); // (0, 1]: log stays finite
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * @param rnd the source
     * @param n   how many
     * @return n standard normal values
     */
    public static double[] gaussian(SplittableRandom rnd, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = nextGaussian(rnd);
        }
        return g;
    }

    /**
     * @param rnd the source
     * @param n   how many
     * @return n standard normal values from {@link Random#nextGaussian()}
     */
    public static double[] gaussian(Random rnd, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = rnd.nextGaussian();
        }
        return g;
    }

    /**
     * @param rnd the source
     * @param n   how many
     * @return n standard normal values rounded to float32
     */
    public static float[] gaussianFloats(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) nextGaussian(rnd);
        }
        return a;
    }

    /**
     * @param rnd      the source
     * @param r        rows
     * @param n        columns
     * @param zeroMean whether the rows are also made orthogonal to the ones vector (needs r &lt;= n - 1)
     * @return r x n with orthonormal rows from Gaussian draws
     */
    public static double[] randomOrthonormalRows(SplittableRandom rnd, int r, int n, boolean zeroMean) {
        double[] a = gaussian(rnd, r * n);
        Dense.orthonormalizeRows(a, r, n, zeroMean);
        return a;
    }

    /**
     * @param rnd the source
     * @param d   size
     * @return a random d x d orthogonal matrix (Gram-Schmidt of Gaussian rows: Haar distributed)
     */
    public static double[] randomOrthogonal(SplittableRandom rnd, int d) {
        return randomOrthonormalRows(rnd, d, d, false);
    }

    /**
     * @param rnd the source
     * @param d   size
     * @return a random d x d orthogonal matrix from {@link Random#nextGaussian()} rows
     */
    public static double[] randomOrthogonal(Random rnd, int d) {
        double[] q = gaussian(rnd, d * d);
        Dense.orthonormalizeRows(q, d, d, false);
        return q;
    }
}
