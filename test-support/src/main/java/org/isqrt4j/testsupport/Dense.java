package org.isqrt4j.testsupport;

/**
 * Small float64 dense-matrix helpers for building test data and expectations (row-major double[]). Plain loops,
 * independent of the back-ends under test and of ReferenceMath's internals; enough at the sizes the tests use.
 */
public final class Dense {
    private Dense() {
    }

    /**
     * @param a m x k
     * @param b k x n
     * @param m rows of a
     * @param k columns of a, rows of b
     * @param n columns of b
     * @return a b
     */
    public static double[] mul(double[] a, double[] b, int m, int k, int n) {
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

    /**
     * @param a d x d
     * @param b d x d
     * @param d size
     * @return a b
     */
    public static double[] mul(double[] a, double[] b, int d) {
        return mul(a, b, d, d, d);
    }

    /**
     * @param a m x n
     * @param m rows
     * @param n columns
     * @return a^T, n x m
     */
    public static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t[j * m + i] = a[i * n + j];
            }
        }
        return t;
    }

    /**
     * @param a d x d
     * @param d size
     * @return a^T
     */
    public static double[] transpose(double[] a, int d) {
        return transpose(a, d, d);
    }

    /**
     * @param a d x d
     * @param d size
     * @return (a + a^T) / 2
     */
    public static double[] sym(double[] a, int d) {
        double[] s = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                s[i * d + j] = (a[i * d + j] + a[j * d + i]) / 2;
            }
        }
        return s;
    }

    /**
     * @param v the diagonal
     * @return diag(v), v.length x v.length
     */
    public static double[] diag(double... v) {
        int d = v.length;
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++) {
            m[i * d + i] = v[i];
        }
        return m;
    }

    /**
     * @param a d x d
     * @param d size
     * @return tr(a)
     */
    public static double trace(double[] a, int d) {
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += a[i * d + i];
        }
        return t;
    }

    /**
     * @param q orthogonal d x d
     * @param a d x d
     * @param d size
     * @return q a q^T
     */
    public static double[] congruence(double[] q, double[] a, int d) {
        return mul(mul(q, a, d, d, d), transpose(q, d, d), d, d, d);
    }

    /**
     * @param q   orthogonal d x d, d = eig.length
     * @param eig the eigenvalues
     * @return q diag(eig) q^T, exactly symmetrised
     */
    public static double[] withEigenvalues(double[] q, double... eig) {
        int d = eig.length;
        return sym(mul(mul(q, diag(eig), d), transpose(q, d), d), d);
    }

    /**
     * @param a values
     * @param b values of the same length
     * @return the Frobenius inner product, sum of a_i b_i
     */
    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * @param a values
     * @param s factor
     * @param b values of the same length
     * @return a + s b as a new array
     */
    public static double[] axpy(double[] a, double s, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] + s * b[i];
        }
        return r;
    }

    /**
     * @param a values
     * @param s factor
     * @return s a as a new array
     */
    public static double[] scale(double[] a, double s) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = s * a[i];
        }
        return r;
    }

    /**
     * Rows of a (r x n) made orthonormal in place by modified Gram-Schmidt run twice ("twice is enough" for
     * orthogonality to working precision). Optionally every row is first made orthogonal to the ones vector, so
     * the rows have zero mean.
     *
     * @param a        r x n, overwritten
     * @param r        rows
     * @param n        columns
     * @param zeroMean whether to centre every row first
     */
    public static void orthonormalizeRows(double[] a, int r, int n, boolean zeroMean) {
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

    /**
     * @param a   float32 values
     * @param off first index
     * @param len how many
     * @return a float64 copy of a[off .. off + len)
     */
    public static double[] toDouble(float[] a, int off, int len) {
        double[] r = new double[len];
        for (int i = 0; i < len; i++) {
            r[i] = a[off + i];
        }
        return r;
    }

    /**
     * @param a float64 values
     * @return each value rounded to float32
     */
    public static float[] toFloat(double[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }
}
