package org.isqrt4j.properties;

import java.util.SplittableRandom;

/**
 * Small float64 dense-matrix helpers for building test data and expectations (row-major double[]).
 * Independent of the back-ends under test; plain loops are enough at the sizes the suite uses.
 */
final class Dense {
    private Dense() {
    }

    /** @return a (m x k) times b (k x n) */
    static double[] mul(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double aip = a[i * k + p];
                if (aip == 0) {
                    continue;
                }
                int bo = p * n;
                int co = i * n;
                for (int j = 0; j < n; j++) {
                    c[co + j] += aip * b[bo + j];
                }
            }
        }
        return c;
    }

    /** @return the transpose of a (m x n) */
    static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t[j * m + i] = a[i * n + j];
            }
        }
        return t;
    }

    /** @return Q a Q^T for square a and orthogonal q, both d x d */
    static double[] congruence(double[] q, double[] a, int d) {
        return mul(mul(q, a, d, d, d), transpose(q, d, d), d, d, d);
    }

    /** @return sum of a_i b_i */
    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** @return the Frobenius (Euclidean) norm; plain sum of squares is safe for the magnitudes the suite produces */
    static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** @return the Frobenius norm of a - b */
    static double normDiff(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double t = a[i] - b[i];
            s += t * t;
        }
        return Math.sqrt(s);
    }

    /** @return a + s * b as a new array */
    static double[] axpy(double[] a, double s, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] + s * b[i];
        }
        return r;
    }

    /** @return s * a as a new array */
    static double[] scale(double[] a, double s) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = s * a[i];
        }
        return r;
    }

    /** @return a new array of n standard normal values */
    static double[] gaussian(SplittableRandom rnd, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = nextGaussian(rnd);
        }
        return g;
    }

    /** Box-Muller; SplittableRandom has no nextGaussian on Java 17. */
    static double nextGaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble(); // (0, 1]: log stays finite
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * Rows of a (r x n) made orthonormal in place by modified Gram-Schmidt run twice ("twice is enough"
     * for orthogonality to working precision). Optionally every row is first made orthogonal to the ones
     * vector, so the rows have zero mean.
     */
    static void orthonormalizeRows(double[] a, int r, int n, boolean zeroMean) {
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < r; i++) {
                int io = i * n;
                if (zeroMean) {
                    double mean = 0;
                    for (int j = 0; j < n; j++) {
                        mean += a[io + j];
                    }
                    mean /= n;
                    for (int j = 0; j < n; j++) {
                        a[io + j] -= mean;
                    }
                }
                for (int p = 0; p < i; p++) {
                    int po = p * n;
                    double s = 0;
                    for (int j = 0; j < n; j++) {
                        s += a[po + j] * a[io + j];
                    }
                    for (int j = 0; j < n; j++) {
                        a[io + j] -= s * a[po + j];
                    }
                }
                double nrm = 0;
                for (int j = 0; j < n; j++) {
                    nrm += a[io + j] * a[io + j];
                }
                nrm = Math.sqrt(nrm);
                if (!(nrm > 0)) {
                    throw new IllegalStateException("degenerate random rows (r=" + r + ", n=" + n + ")");
                }
                for (int j = 0; j < n; j++) {
                    a[io + j] /= nrm;
                }
            }
        }
    }

    /** @return r x n with orthonormal rows from Gaussian draws; zero-mean rows need r &lt;= n - 1 */
    static double[] randomOrthonormalRows(SplittableRandom rnd, int r, int n, boolean zeroMean) {
        double[] a = gaussian(rnd, r * n);
        orthonormalizeRows(a, r, n, zeroMean);
        return a;
    }

    /** @return a random d x d orthogonal matrix (Gram-Schmidt of Gaussian rows: Haar distributed) */
    static double[] randomOrthogonal(SplittableRandom rnd, int d) {
        return randomOrthonormalRows(rnd, d, d, false);
    }

    /** @return float64 copy of len floats from off */
    static double[] toDouble(float[] a, int off, int len) {
        double[] r = new double[len];
        for (int i = 0; i < len; i++) {
            r[i] = a[off + i];
        }
        return r;
    }

    /** @return each value rounded to float32 */
    static float[] toFloat(double[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }

    /** @return the upper triangle of full (d x d), diagonal included, row by row (torch.triu_indices order) */
    static double[] packUpper(double[] full, int d) {
        double[] p = new double[d * (d + 1) / 2];
        int q = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                p[q++] = full[i * d + j];
            }
        }
        return p;
    }

    /** @return d x d holding packed in the upper triangle and zeros below: the backward of {@link #packUpper} */
    static double[] unpackUpper(double[] packed, int d) {
        double[] full = new double[d * d];
        int q = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                full[i * d + j] = packed[q++];
            }
        }
        return full;
    }
}
