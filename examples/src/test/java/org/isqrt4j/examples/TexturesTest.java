package org.isqrt4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The data set has the property the example relies on: same first-order statistics, different correlations. */
class TexturesTest {
    private static final int C = 16;
    private static final int N = 49;
    private static final int K = 4;

    @Test
    void classesShareMeanAndVarianceButNotCorrelation() {
        Textures t = new Textures(C, N, K, 0.25, 42L);
        int count = 2000;
        DataSet data = t.sample(count, 1L);
        double[][] mean = new double[K][C];
        double[][] second = new double[K][C * C];
        int[] perClass = new int[K];
        float[] f = data.features();
        for (int s = 0; s < count; s++) {
            int k = data.labels()[s];
            perClass[k]++;
            for (int p = 0; p < N; p++) {
                for (int i = 0; i < C; i++) {
                    double xi = f[(s * C + i) * N + p];
                    mean[k][i] += xi;
                    for (int j = 0; j < C; j++) {
                        second[k][i * C + j] += xi * f[(s * C + j) * N + p];
                    }
                }
            }
        }
        for (int k = 0; k < K; k++) {
            assertEquals(count / K, perClass[k], "balanced classes");
            int m = perClass[k] * N;
            // m = 24500 draws per class: the standard error of a mean of unit-variance values is 0.0064, of a
            // variance 0.009; 0.04 is over 4 standard errors.
            for (int i = 0; i < C; i++) {
                assertEquals(0.0, mean[k][i] / m, 0.04, "class " + k + " channel " + i + " mean");
                assertEquals(1.0, second[k][i * C + i] / m, 0.04, "class " + k + " channel " + i + " variance");
            }
            double[] r = t.correlation(k);
            for (int i = 0; i < C * C; i++) {
                assertEquals(r[i], second[k][i] / m, 0.05, "class " + k + " sample correlation " + i);
            }
        }
        // The classes must differ in correlation: pairwise Frobenius distance well above the 0.05 per-entry
        // accuracy to which the sample correlations were just checked against R_k.
        for (int a = 0; a < K; a++) {
            for (int b = a + 1; b < K; b++) {
                double[] ra = t.correlation(a);
                double[] rb = t.correlation(b);
                double sq = 0;
                for (int i = 0; i < C * C; i++) {
                    sq += (ra[i] - rb[i]) * (ra[i] - rb[i]);
                }
                assertTrue(Math.sqrt(sq) > 0.4, "classes " + a + " and " + b + " differ by only " + Math.sqrt(sq));
            }
        }
    }

    @Test
    void sameSeedSameSamples() {
        Textures t = new Textures(C, N, K, 0.25, 42L);
        DataSet a = t.sample(10, 5L);
        DataSet b = new Textures(C, N, K, 0.25, 42L).sample(10, 5L);
        assertArrayEquals(a.features(), b.features());
        assertArrayEquals(a.labels(), b.labels());
        assertTrue(a.features()[0] != t.sample(10, 6L).features()[0], "another seed gives other samples");
    }
}
