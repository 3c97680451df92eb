package org.isqrt4j.properties;

import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.RandomData;

/**
 * Builds a case's float32 data from its seed. Spectra are planted exactly: X = U diag(s) R with U orthonormal
 * columns and R orthonormal zero-mean rows, so the centred covariance is exactly U diag(s^2 / n) U^T in float64
 * before the rounding to float32; Sigma = V diag(l) V^T directly for the square-root properties.
 * Everything the expectations need is recomputed from the rounded float32 values, never from the planted ones.
 */
final class Samples {
    private Samples() {
    }

    /** @return the case's data stream: every property draws from one generator seeded by the case */
    static SplittableRandom random(Case c) {
        return new SplittableRandom(c.seed());
    }

    /**
     * Values of the case's spectrum, largest 1 (before scaling).
     *
     * @param forX singular values of X (WELL in [1,3]) rather than eigenvalues of Sigma (WELL in [1,10])
     */
    static double[] spectrum(Spectrum kind, int r, SplittableRandom rnd, boolean forX) {
        double[] s = new double[r];
        switch (kind) {
            case WELL:
            case RANK_DEFICIENT: {
                double top = forX ? 3 : 10;
                for (int i = 0; i < r; i++) {
                    s[i] = (1 + (top - 1) * rnd.nextDouble()) / top;
                }
                if (kind == Spectrum.RANK_DEFICIENT && r >= 2) {
                    int zeros = 1 + rnd.nextInt(r - 1);
                    for (int z = 0; z < zeros; z++) {
                        s[z] = 0; // which ones does not matter: the basis is random
                    }
                    s[r - 1] = Math.max(s[r - 1], 0.5); // keep the largest value near 1
                }
                break;
            }
            case CLUSTERED: {
                int centres = 1 + rnd.nextInt(3);
                double[] c = new double[centres];
                c[0] = 1;
                for (int i = 1; i < centres; i++) {
                    c[i] = 0.05 + 0.95 * rnd.nextDouble();
                }
                double[] jitters = {0, 1e-7, 1e-4};
                double jitter = jitters[rnd.nextInt(jitters.length)];
                for (int i = 0; i < r; i++) {
                    s[i] = c[i % centres] * (1 + jitter * RandomData.nextGaussian(rnd));
                }
                break;
            }
            case SPREAD: {
                for (int i = 0; i < r; i++) {
                    double t = r == 1 ? 0 : i == 0 ? 0 : i == r - 1 ? 1 : rnd.nextDouble();
                    s[i] = Math.pow(10, -6 * t);
                }
                break;
            }
            default:
                throw new AssertionError(kind);
        }
        return s;
    }

    /** @return a per-sample scale: the case's scale with a jitter of +-0.5 decades, so samples differ in size */
    static double sampleScale(Case c, SplittableRandom rnd) {
        return Math.pow(10, c.scaleExp() + rnd.nextDouble() - 0.5);
    }

    /** @return B*d*n float32 input X of a layer case */
    static float[] x(Case c, SplittableRandom rnd) {
        int d = c.d();
        int n = c.n();
        float[] out = new float[c.batch() * d * n];
        for (int b = 0; b < c.batch(); b++) {
            double[] xs = xSample(c, rnd);
            for (int i = 0; i < d * n; i++) {
                out[b * d * n + i] = (float) xs[i];
            }
        }
        return out;
    }

    /** One sample X = U diag(s) R + m 1^T in float64. */
    static double[] xSample(Case c, SplittableRandom rnd) {
        int d = c.d();
        int n = c.n();
        double scale = sampleScale(c, rnd);
        int r = Math.min(d, n - 1); // zero-mean rows of length n span at most n - 1 dimensions
        double[] x = new double[d * n];
        if (r > 0) {
            double[] sv = spectrum(c.spectrum(), r, rnd, true);
            double[] w = RandomData.randomOrthonormalRows(rnd, r, d, false); // U^T, r x d
            double[] rows = RandomData.randomOrthonormalRows(rnd, r, n, true); // R, r x n, each row sums to 0
            double sq = scale * Math.sqrt(n);
            for (int j = 0; j < r; j++) {
                double sj = sq * sv[j];
                if (sj == 0) {
                    continue;
                }
                for (int i = 0; i < d; i++) {
                    double f = w[j * d + i] * sj;
                    for (int p = 0; p < n; p++) {
                        x[i * n + p] += f * rows[j * n + p];
                    }
                }
            }
        }
        if (c.offset() > 0) {
            double rms = Math.sqrt(Dense.dot(x, x) / x.length);
            double unit = rms > 0 ? rms : scale;
            for (int i = 0; i < d; i++) {
                double m = c.offset() * unit * RandomData.nextGaussian(rnd);
                for (int p = 0; p < n; p++) {
                    x[i * n + p] += m;
                }
            }
        }
        return x;
    }

    /** @return B*d*d float32 Sigma = V diag(l) V^T of a square-root case, exactly symmetric */
    static float[] sigma(Case c, SplittableRandom rnd) {
        int d = c.d();
        float[] out = new float[c.batch() * d * d];
        for (int b = 0; b < c.batch(); b++) {
            double scale = sampleScale(c, rnd);
            double[] l = spectrum(c.spectrum(), d, rnd, false);
            double[] v = RandomData.randomOrthogonal(rnd, d); // rows are the eigenvectors
            int base = b * d * d;
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    double s = 0;
                    for (int p = 0; p < d; p++) {
                        s += v[p * d + i] * l[p] * v[p * d + j];
                    }
                    float f = (float) (s * scale * scale);
                    out[base + i * d + j] = f;
                    out[base + j * d + i] = f;
                }
            }
        }
        return out;
    }

    /**
     * @return B*elements incoming gradient dL/dC: Gaussian times a per-case scale in 1e-1..1e1; symmetric when the
     * case asks for it and the layout is FULL (a packed gradient has no lower triangle to mirror)
     */
    static float[] gradOut(Case c, SplittableRandom rnd) {
        int d = c.d();
        int per = c.outPerSample();
        float[] g = new float[c.batch() * per];
        double gs = Math.pow(10, 2 * rnd.nextDouble() - 1);
        boolean sym = c.symmetricG() && c.layout() == OutputLayout.FULL;
        for (int b = 0; b < c.batch(); b++) {
            int base = b * per;
            if (sym) {
                for (int i = 0; i < d; i++) {
                    for (int j = i; j < d; j++) {
                        float v = (float) (gs * RandomData.nextGaussian(rnd));
                        g[base + i * d + j] = v;
                        g[base + j * d + i] = v;
                    }
                }
            } else {
                for (int i = 0; i < per; i++) {
                    g[base + i] = (float) (gs * RandomData.nextGaussian(rnd));
                }
            }
        }
        return g;
    }

    /** @return B*d*d Gaussian float32 matrix, never symmetric in general (for covariance-backward gradients) */
    static float[] gaussianFloats(SplittableRandom rnd, int len) {
        float[] g = new float[len];
        double gs = Math.pow(10, 2 * rnd.nextDouble() - 1);
        for (int i = 0; i < len; i++) {
            g[i] = (float) (gs * RandomData.nextGaussian(rnd));
        }
        return g;
    }

    /** @return sample b's incoming gradient as the full d x d matrix it stands for (upper-only for TRIU) */
    static double[] fullGradient(Case c, float[] g, int b) {
        int per = c.outPerSample();
        double[] gs = Dense.toDouble(g, b * per, per);
        return c.layout() == OutputLayout.FULL ? gs : ReferenceMath.unpackTriu(gs, c.d());
    }

    /** @return the layout's view of a full d x d result (itself, or its packed upper triangle) */
    static double[] inLayout(Case c, double[] full) {
        return c.layout() == OutputLayout.FULL ? full : ReferenceMath.packTriu(full, c.d());
    }
}
