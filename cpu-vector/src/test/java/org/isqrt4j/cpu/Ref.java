package org.isqrt4j.cpu;

/**
 * A plain double-precision re-implementation of the layer for the tests: the textbook formulas, no shortcuts,
 * general (non-symmetric) matrices, so that it checks the back-end's symmetric tricks rather than sharing them.
 */
final class Ref {
    private Ref() {
    }

    static double[] mul(double[] a, double[] b, int d) {
        double[] c = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int p = 0; p < d; p++) {
                double av = a[i * d + p];
                for (int j = 0; j < d; j++) {
                    c[i * d + j] += av * b[p * d + j];
                }
            }
        }
        return c;
    }

    static double[] eye(int d) {
        double[] e = new double[d * d];
        for (int i = 0; i < d; i++) {
            e[i * d + i] = 1;
        }
        return e;
    }

    /** Sigma = (1/n) Xc Xc^T for one sample. */
    static double[] covariance(double[] x, int d, int n) {
        double[] xc = new double[d * n];
        for (int c = 0; c < d; c++) {
            double s = 0;
            for (int p = 0; p < n; p++) {
                s += x[c * n + p];
            }
            for (int p = 0; p < n; p++) {
                xc[c * n + p] = x[c * n + p] - s / n;
            }
        }
        double[] sig = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int p = 0; p < n; p++) {
                    s += xc[i * n + p] * xc[j * n + p];
                }
                sig[i * d + j] = s / n;
            }
        }
        return sig;
    }

    /** C = sqrt(tr S) Y_K(S / tr S) with Y0 = A, Z0 = I, T = (3I - ZY)/2, Y = YT, Z = TZ; zeros for trace 0. */
    static double[] sqrt(double[] sig, int d, int k) {
        double tau = 0;
        for (int i = 0; i < d; i++) {
            tau += sig[i * d + i];
        }
        if (tau == 0) {
            return new double[d * d];
        }
        double[] y = new double[d * d];
        for (int i = 0; i < d * d; i++) {
            y[i] = sig[i] / tau;
        }
        double[] z = eye(d);
        for (int it = 0; it < k; it++) {
            double[] t = mul(z, y, d);
            for (int i = 0; i < d * d; i++) {
                t[i] = -0.5 * t[i];
            }
            for (int i = 0; i < d; i++) {
                t[i * d + i] += 1.5;
            }
            double[] y2 = mul(y, t, d);
            z = mul(t, z, d);
            y = y2;
        }
        double s = Math.sqrt(tau);
        for (int i = 0; i < d * d; i++) {
            y[i] *= s;
        }
        return y;
    }

    static double[] layer(double[] x, int d, int n, int k) {
        return sqrt(covariance(x, d, n), d, k);
    }

    static double inner(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double[] toDouble(float[] a, int off, int len) {
        double[] r = new double[len];
        for (int i = 0; i < len; i++) {
            r[i] = a[off + i];
        }
        return r;
    }

    /** ||got - want||_F / ||want||_F (absolute when want is 0). */
    static double relErr(float[] got, int off, double[] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            double e = got[off + i] - want[i];
            num += e * e;
            den += want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** Central differences of L = <G, F(v)> with respect to every entry of v. */
    static double[] gradient(java.util.function.Function<double[], double[]> f, double[] v, double[] g, double h) {
        double[] grad = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double keep = v[i];
            double step = h * Math.max(1, Math.abs(keep));
            v[i] = keep + step;
            double up = inner(g, f.apply(v));
            v[i] = keep - step;
            double down = inner(g, f.apply(v));
            v[i] = keep;
            grad[i] = (up - down) / (2 * step);
        }
        return grad;
    }
}
