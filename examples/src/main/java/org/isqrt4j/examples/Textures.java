package org.isqrt4j.examples;

import java.util.Random;

/**
 * Synthetic "textures" that only second-order statistics tell apart. Every position of a class-k sample is drawn
 * independently from N(0, R_k), where R_k is a correlation matrix (unit diagonal) made for class k. All classes
 * thus share the mean (0) and every channel's variance (1); they differ only in how channels co-vary. The average
 * over positions is N(0, R_k / n) for every class: symmetric around 0, so no linear function of it beats chance,
 * while the covariance of a sample estimates R_k.
 *
 * <p>Immutable and thread-safe; generation is deterministic for a given seed.
 */
public final class Textures {
    private final int channels;
    private final int positions;
    private final int classes;
    /** Per class, the lower Cholesky factor L_k of R_k = L_k L_k^T, channels x channels row-major. */
    private final double[][] factors;
    private final double[][] correlations;

    /**
     * Makes the class structures: R_k is S_k = B_0 B_0^T + s^2 B_k B_k^T + I rescaled to unit diagonal, with
     * B_0 (shared by all classes) and B_k channels x 2 Gaussian matrices and s the class strength. The shared part
     * makes all classes look alike; s sets how far apart they are (0: identical classes).
     *
     * @param channels  channels per position, at least 1
     * @param positions positions per sample, at least 1
     * @param classes   number of classes, at least 2
     * @param strength  s, the weight of the class-specific correlations, at least 0
     * @param seed      seed of the class structures (not of the samples)
     */
    public Textures(int channels, int positions, int classes, double strength, long seed) {
        if (channels < 1 || positions < 1 || classes < 2 || !(strength >= 0) || Double.isInfinite(strength)) {
            throw new IllegalArgumentException("need channels >= 1, positions >= 1, classes >= 2, finite strength >= 0;"
                    + " got " + channels + ", " + positions + ", " + classes + ", " + strength);
        }
        this.channels = channels;
        this.positions = positions;
        this.classes = classes;
        this.factors = new double[classes][];
        this.correlations = new double[classes][];
        Random rnd = new Random(seed);
        int rank = 2;
        double[] shared = gaussian(channels * rank, rnd);
        for (int k = 0; k < classes; k++) {
            double[] b = gaussian(channels * rank, rnd);
            double[] s = new double[channels * channels];
            for (int i = 0; i < channels; i++) {
                for (int j = 0; j < channels; j++) {
                    double v = i == j ? 1.0 : 0.0;
                    for (int r = 0; r < rank; r++) {
                        v += shared[i * rank + r] * shared[j * rank + r]
                                + strength * strength * b[i * rank + r] * b[j * rank + r];
                    }
                    s[i * channels + j] = v;
                }
            }
            double[] r = new double[channels * channels];
            for (int i = 0; i < channels; i++) {
                for (int j = 0; j < channels; j++) {
                    r[i * channels + j] = s[i * channels + j] / Math.sqrt(s[i * channels + i] * s[j * channels + j]);
                }
            }
            correlations[k] = r;
            factors[k] = cholesky(r, channels);
        }
    }

    /**
     * Returns the channels per position.
     *
     * @return channels per position
     */
    public int channels() {
        return channels;
    }

    /**
     * Returns the positions per sample.
     *
     * @return positions per sample
     */
    public int positions() {
        return positions;
    }

    /**
     * Returns the number of classes.
     *
     * @return number of classes
     */
    public int classes() {
        return classes;
    }

    /**
     * Returns a copy of that class's correlation matrix R_k, channels x channels row-major.
     *
     * @param k a class
     * @return a copy of that class's correlation matrix R_k, channels x channels row-major
     */
    public double[] correlation(int k) {
        return correlations[k].clone();
    }

    /**
     * Draws a balanced, shuffled data set: sample s has class s mod classes before shuffling.
     *
     * @param count number of samples
     * @param seed  seed of these samples
     * @return the samples, float32 in the layer's layout
     */
    public DataSet sample(int count, long seed) {
        Random rnd = new Random(seed);
        int[] labels = new int[count];
        for (int s = 0; s < count; s++) {
            labels[s] = s % classes;
        }
        shuffle(labels, rnd);
        float[] f = new float[count * channels * positions];
        double[] z = new double[channels];
        for (int s = 0; s < count; s++) {
            double[] l = factors[labels[s]];
            int base = s * channels * positions;
            for (int p = 0; p < positions; p++) {
                for (int c = 0; c < channels; c++) {
                    z[c] = rnd.nextGaussian();
                }
                for (int c = 0; c < channels; c++) {
                    double v = 0;
                    for (int j = 0; j <= c; j++) {
                        v += l[c * channels + j] * z[j];
                    }
                    f[base + c * positions + p] = (float) v;
                }
            }
        }
        return new DataSet(count, channels, positions, f, labels);
    }

    /**
     * Fisher-Yates shuffle.
     *
     * @param a   the array to permute in place
     * @param rnd the source of randomness
     */
    static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static double[] gaussian(int size, Random rnd) {
        double[] a = new double[size];
        for (int i = 0; i < size; i++) {
            a[i] = rnd.nextGaussian();
        }
        return a;
    }

    private static double[] cholesky(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = a[i * n + j];
                for (int k = 0; k < j; k++) {
                    v -= l[i * n + k] * l[j * n + k];
                }
                if (i == j) {
                    // S has all eigenvalues >= 1 (the + I), so R is safely positive definite and v > 0 here.
                    l[i * n + i] = Math.sqrt(v);
                } else {
                    l[i * n + j] = v / l[j * n + j];
                }
            }
        }
        return l;
    }
}
