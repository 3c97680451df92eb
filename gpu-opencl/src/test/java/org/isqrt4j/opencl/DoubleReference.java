package org.isqrt4j.opencl;

/**
 * A plain float64 implementation of the layer for the tests, from docs/maths.md (B3)-(B5), without any of the
 * back-end's shortcuts: no padding, no symmetric-product tricks, the backward in its general (transposed) form
 * dY = G_Y' T^T - Z^T G_T / 2, dZ = T^T G_Z' - G_T Y^T / 2 with G_T = Y^T G_Y' + G_Z' Z^T, so it is exact for
 * non-symmetric Sigma and G too. Checked against central finite differences in {@link DoubleReferenceTest}.
 */
final class DoubleReference {
    private DoubleReference() {
    }

    static double[][] mul(double[][] a, double[][] b) {
        int m = a.length;
        int k = b.length;
        int n = b[0].length;
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double v = a[i][p];
                for (int j = 0; j < n; j++) {
                    c[i][j] += v * b[p][j];
                }
            }
        }
        return c;
    }

    static double[][] tr(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    /** @return alpha a + beta b */
    static double[][] lin(double alpha, double[][] a, double beta, double[][] b) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = alpha * a[i][j] + beta * b[i][j];
            }
        }
        return c;
    }

    static double[][] scale(double alpha, double[][] a) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = alpha * a[i][j];
            }
        }
        return c;
    }

    static double[][] eye(int d, double v) {
        double[][] e = new double[d][d];
        for (int i = 0; i < d; i++) {
            e[i][i] = v;
        }
        return e;
    }

    static double dot(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                s += a[i][j] * b[i][j];
            }
        }
        return s;
    }

    static double trace(double[][] a) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i][i];
        }
        return s;
    }

    /** Sample b of a B x r x c float array as a matrix. */
    static double[][] sample(float[] arr, int b, int r, int c) {
        double[][] m = new double[r][c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                m[i][j] = arr[(b * r + i) * c + j];
            }
        }
        return m;
    }

    static double[][] centred(double[][] x) {
        int d = x.length;
        int n = x[0].length;
        double[][] xc = new double[d][n];
        for (int i = 0; i < d; i++) {
            double mean = 0;
            for (int p = 0; p < n; p++) {
                mean += x[i][p];
            }
            mean /= n;
            for (int p = 0; p < n; p++) {
                xc[i][p] = x[i][p] - mean;
            }
        }
        return xc;
    }

    static double[][] covariance(double[][] x) {
        double[][] xc = centred(x);
        return scale(1.0 / x[0].length, mul(xc, tr(xc)));
    }

    /** C = sqrt(tau) NS_K(Sigma / tau), zero when tau is 0. */
    static double[][] sqrt(double[][] sigma, int k) {
        int d = sigma.length;
        double tau = trace(sigma);
        if (tau <= 0) {
            return new double[d][d];
        }
        double[][] y = scale(1 / tau, sigma);
        double[][] z = eye(d, 1);
        for (int s = 0; s < k; s++) {
            double[][] t = lin(1, eye(d, 1.5), -0.5, mul(z, y));
            double[][] yn = mul(y, t);
            z = mul(t, z);
            y = yn;
        }
        return scale(Math.sqrt(tau), y);
    }

    /** dL/dSigma for dL/dC = g (any matrix), by reverse-mode through the stored iterates. */
    static double[][] sqrtBackward(double[][] sigma, int k, double[][] g) {
        int d = sigma.length;
        double tau = trace(sigma);
        if (tau <= 0) {
            return new double[d][d];
        }
        double[][] a = scale(1 / tau, sigma);
        double[][][] ys = new double[k + 1][][];
        double[][][] zs = new double[k + 1][][];
        double[][][] ts = new double[k + 1][][];
        ys[0] = a;
        zs[0] = eye(d, 1);
        for (int s = 1; s <= k; s++) {
            ts[s] = lin(1, eye(d, 1.5), -0.5, mul(zs[s - 1], ys[s - 1]));
            ys[s] = mul(ys[s - 1], ts[s]);
            zs[s] = mul(ts[s], zs[s - 1]);
        }
        double st = Math.sqrt(tau);
        double sScalar = dot(g, ys[k]) / (2 * st);
        double[][] gy = scale(st, g);
        double[][] gz = new double[d][d];
        for (int s = k; s >= 1; s--) {
            double[][] y = ys[s - 1];
            double[][] z = zs[s - 1];
            double[][] t = ts[s];
            // Y' = Y T, Z' = T Z, T = (3I - Z Y)/2.
            double[][] gt = lin(1, mul(tr(y), gy), 1, mul(gz, tr(z)));
            double[][] dy = lin(1, mul(gy, tr(t)), -0.5, mul(tr(z), gt));
            double[][] dz = lin(1, mul(tr(t), gz), -0.5, mul(gt, tr(y)));
            gy = dy;
            gz = dz; // Z_0 = I is a constant: its gradient is dropped after step 1.
        }
        double[][] da = gy;
        double coef = sScalar - dot(da, sigma) / (tau * tau);
        return lin(1 / tau, da, 1, eye(d, coef));
    }

    /** dL/dX = (G_S + G_S^T) Xc / n. */
    static double[][] covarianceBackward(double[][] x, double[][] gs) {
        double[][] xc = centred(x);
        return scale(1.0 / x[0].length, mul(lin(1, gs, 1, tr(gs)), xc));
    }

    /** Upper triangle packed row by row. */
    static double[] triu(double[][] c) {
        int d = c.length;
        double[] out = new double[d * (d + 1) / 2];
        int k = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                out[k++] = c[i][j];
            }
        }
        return out;
    }

    /** dL/dC as a full matrix from a TRIU gradient: the upper triangle, zero below. */
    static double[][] untriu(float[] g, int off, int d) {
        double[][] m = new double[d][d];
        int k = off;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                m[i][j] = g[k++];
            }
        }
        return m;
    }
}
