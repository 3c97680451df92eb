package org.isqrt4j.reference;

import java.util.Random;

/** Small double-matrix helpers for the tests, written independently of ReferenceMath's internals. */
final class Mats {
    private Mats() {
    }

    static double[] gaussian(Random r, int len) {
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
            a[i] = r.nextGaussian();
        }
        return a;
    }

    static double[] mul(double[] a, double[] b, int d) {
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double v = a[i * d + k];
                for (int j = 0; j < d; j++) {
                    c[i * d + j] += v * b[k * d + j];
                }
            }
        }
        return c;
    }

    static double[] transpose(double[] a, int d) {
        double[] t = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                t[j * d + i] = a[i * d + j];
            }
        }
        return t;
    }

    static double[] sym(double[] a, int d) {
        double[] s = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                s[i * d + j] = (a[i * d + j] + a[j * d + i]) / 2;
            }
        }
        return s;
    }

    static double[] diag(double... v) {
        int d = v.length;
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++) {
            m[i * d + i] = v[i];
        }
        return m;
    }

    /** A random orthogonal matrix by Gram-Schmidt (twice, for orthogonality to rounding) on Gaussian rows. */
    static double[] orthogonal(Random r, int d) {
        double[] q = gaussian(r, d * d);
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < i; j++) {
                    double p = 0;
                    for (int c = 0; c < d; c++) {
                        p += q[i * d + c] * q[j * d + c];
                    }
                    for (int c = 0; c < d; c++) {
                        q[i * d + c] -= p * q[j * d + c];
                    }
                }
                double nrm = 0;
                for (int c = 0; c < d; c++) {
                    nrm += q[i * d + c] * q[i * d + c];
                }
                nrm = Math.sqrt(nrm);
                for (int c = 0; c < d; c++) {
                    q[i * d + c] /= nrm;
                }
            }
        }
        return q;
    }

    /** Q diag(eig) Q^T, exactly symmetrised. */
    static double[] withEigenvalues(double[] q, double... eig) {
        int d = eig.length;
        return sym(mul(mul(q, diag(eig), d), transpose(q, d), d), d);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** ||a - b||_F / max(||b||_F, tiny). */
    static double relErr(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths " + a.length + " vs " + b.length);
        }
        double e = 0;
        for (int i = 0; i < a.length; i++) {
            e += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(e) / Math.max(norm(b), 1e-300);
    }

    static double[] axpy(double[] x, double h, double[] dir) {
        double[] r = x.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += h * dir[i];
        }
        return r;
    }

    static double trace(double[] a, int d) {
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += a[i * d + i];
        }
        return t;
    }
}
