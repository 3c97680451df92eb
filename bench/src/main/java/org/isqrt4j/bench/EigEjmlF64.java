package org.isqrt4j.bench;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/** {@link EigEjmlLayer} in float64 (EJML ddense). */
final class EigEjmlF64 extends EigEjmlLayer {
    private final DMatrixRMaj[] xc;
    private final DMatrixRMaj[] v;
    private final double[][] f;
    private final double[][] fb;
    private final Scratch[] scratch;

    /** Per-worker scratch: EJML products need distinct outputs, the decomposition keeps its own buffers. */
    private static final class Scratch {
        final DMatrixRMaj sigma;
        final DMatrixRMaj a;
        final DMatrixRMaj b;
        final DMatrixRMaj gx;
        final EigenDecomposition_F64<DMatrixRMaj> eig;

        Scratch(int d, int n) {
            sigma = new DMatrixRMaj(d, d);
            a = new DMatrixRMaj(d, d);
            b = new DMatrixRMaj(d, d);
            gx = new DMatrixRMaj(d, n);
            eig = DecompositionFactory_DDRM.eig(d, true, true);
        }
    }

    EigEjmlF64(int threads, int batch, int d, int n) {
        super(threads, batch, d, n);
        xc = new DMatrixRMaj[batch];
        v = new DMatrixRMaj[batch];
        f = new double[batch][d];
        fb = new double[batch][d];
        for (int s = 0; s < batch; s++) {
            xc[s] = new DMatrixRMaj(d, n);
            v[s] = new DMatrixRMaj(d, d);
        }
        scratch = new Scratch[threads];
        for (int w = 0; w < threads; w++) {
            scratch[w] = new Scratch(d, n);
        }
    }

    @Override
    public String describe() {
        return "EJML " + org.ejml.EjmlVersion.VERSION + " float64 symmetric QR, batch-parallel x" + threads;
    }

    @Override
    double floor() {
        return 1e-12;
    }

    @Override
    void forwardSample(int worker, int s, float[] x, float[] out) {
        Scratch sc = scratch[worker];
        double[] xcs = xc[s].data;
        int xo = s * d * n;
        for (int i = 0; i < d; i++) {
            double mean = 0;
            for (int p = 0; p < n; p++) {
                mean += x[xo + i * n + p];
            }
            mean /= n;
            for (int p = 0; p < n; p++) {
                xcs[i * n + p] = x[xo + i * n + p] - mean;
            }
        }
        CommonOps_DDRM.multTransB(1.0 / n, xc[s], xc[s], sc.sigma);
        if (!sc.eig.decompose(sc.sigma)) {
            throw new IllegalStateException("EJML eigendecomposition failed on sample " + s);
        }
        double[] vs = v[s].data;
        double lmax = 0;
        double[] lam = new double[d];
        for (int j = 0; j < d; j++) {
            lam[j] = sc.eig.getEigenvalue(j).real;
            lmax = Math.max(lmax, lam[j]);
            double[] vec = sc.eig.getEigenVector(j).data;
            for (int i = 0; i < d; i++) {
                vs[i * d + j] = vec[i];
            }
        }
        double lo = lmax * floor();
        for (int j = 0; j < d; j++) {
            f[s][j] = Math.sqrt(Math.max(lam[j], 0));
            fb[s][j] = lmax > 0 ? Math.sqrt(Math.max(lam[j], lo)) : 0;
        }
        // C = (V diag f) V^T
        double[] w = sc.a.data;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                w[i * d + j] = vs[i * d + j] * f[s][j];
            }
        }
        CommonOps_DDRM.multTransB(sc.a, v[s], sc.b);
        double[] c = sc.b.data;
        int oo = s * d * d;
        for (int i = 0; i < d * d; i++) {
            out[oo + i] = (float) c[i];
        }
    }

    @Override
    void backwardSample(int worker, int s, float[] gradOut, float[] gradX) {
        Scratch sc = scratch[worker];
        int go = s * d * d;
        double[] gs = sc.sigma.data;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                gs[i * d + j] = 0.5 * ((double) gradOut[go + i * d + j] + gradOut[go + j * d + i]);
            }
        }
        // M = V^T Gs V, then M o Kf
        CommonOps_DDRM.multTransA(v[s], sc.sigma, sc.a);
        CommonOps_DDRM.mult(sc.a, v[s], sc.b);
        double[] m = sc.b.data;
        double[] fs = fb[s];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double den = fs[i] + fs[j];
                m[i * d + j] = den > 0 ? m[i * d + j] / den : 0;
            }
        }
        // dL/dSigma = V M V^T (symmetric), dL/dX = 2 dL/dSigma Xc / n
        CommonOps_DDRM.mult(v[s], sc.b, sc.a);
        CommonOps_DDRM.multTransB(sc.a, v[s], sc.sigma);
        CommonOps_DDRM.mult(2.0 / n, sc.sigma, xc[s], sc.gx);
        double[] g = sc.gx.data;
        int xo = s * d * n;
        for (int i = 0; i < d * n; i++) {
            gradX[xo + i] = (float) g[i];
        }
    }
}
