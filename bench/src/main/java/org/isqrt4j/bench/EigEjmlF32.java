package org.isqrt4j.bench;

import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.factory.DecompositionFactory_FDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F32;

/** {@link EigEjmlLayer} in float32 (EJML fdense). */
final class EigEjmlF32 extends EigEjmlLayer {
    private final FMatrixRMaj[] xc;
    private final FMatrixRMaj[] v;
    private final float[][] f;
    private final float[][] fb;
    private final Scratch[] scratch;

    /** Per-worker scratch: EJML products need distinct outputs, the decomposition keeps its own buffers. */
    private static final class Scratch {
        final FMatrixRMaj sigma;
        final FMatrixRMaj a;
        final FMatrixRMaj b;
        final FMatrixRMaj gx;
        final EigenDecomposition_F32<FMatrixRMaj> eig;

        Scratch(int d, int n) {
            sigma = new FMatrixRMaj(d, d);
            a = new FMatrixRMaj(d, d);
            b = new FMatrixRMaj(d, d);
            gx = new FMatrixRMaj(d, n);
            eig = DecompositionFactory_FDRM.eig(d, true, true);
        }
    }

    EigEjmlF32(int threads, int batch, int d, int n) {
        super(threads, batch, d, n);
        xc = new FMatrixRMaj[batch];
        v = new FMatrixRMaj[batch];
        f = new float[batch][d];
        fb = new float[batch][d];
        for (int s = 0; s < batch; s++) {
            xc[s] = new FMatrixRMaj(d, n);
            v[s] = new FMatrixRMaj(d, d);
        }
        scratch = new Scratch[threads];
        for (int w = 0; w < threads; w++) {
            scratch[w] = new Scratch(d, n);
        }
    }

    @Override
    public String describe() {
        return "EJML " + org.ejml.EjmlVersion.VERSION + " float32 symmetric QR, batch-parallel x" + threads;
    }

    @Override
    double floor() {
        return 1e-6;
    }

    @Override
    void forwardSample(int worker, int s, float[] x, float[] out) {
        Scratch sc = scratch[worker];
        float[] xcs = xc[s].data;
        int xo = s * d * n;
        for (int i = 0; i < d; i++) {
            double mean = 0;
            for (int p = 0; p < n; p++) {
                mean += x[xo + i * n + p];
            }
            mean /= n;
            for (int p = 0; p < n; p++) {
                xcs[i * n + p] = (float) (x[xo + i * n + p] - mean);
            }
        }
        CommonOps_FDRM.multTransB(1.0f / n, xc[s], xc[s], sc.sigma);
        if (!sc.eig.decompose(sc.sigma)) {
            throw new IllegalStateException("EJML eigendecomposition failed on sample " + s);
        }
        float[] vs = v[s].data;
        float lmax = 0;
        float[] lam = new float[d];
        for (int j = 0; j < d; j++) {
            lam[j] = sc.eig.getEigenvalue(j).real;
            lmax = Math.max(lmax, lam[j]);
            float[] vec = sc.eig.getEigenVector(j).data;
            for (int i = 0; i < d; i++) {
                vs[i * d + j] = vec[i];
            }
        }
        float lo = (float) (lmax * floor());
        for (int j = 0; j < d; j++) {
            f[s][j] = (float) Math.sqrt(Math.max(lam[j], 0f));
            fb[s][j] = lmax > 0 ? (float) Math.sqrt(Math.max(lam[j], lo)) : 0f;
        }
        // C = (V diag f) V^T
        float[] w = sc.a.data;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                w[i * d + j] = vs[i * d + j] * f[s][j];
            }
        }
        CommonOps_FDRM.multTransB(sc.a, v[s], sc.b);
        float[] c = sc.b.data;
        int oo = s * d * d;
        for (int i = 0; i < d * d; i++) {
            out[oo + i] = c[i];
        }
    }

    @Override
    void backwardSample(int worker, int s, float[] gradOut, float[] gradX) {
        Scratch sc = scratch[worker];
        int go = s * d * d;
        float[] gs = sc.sigma.data;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                gs[i * d + j] = 0.5f * (gradOut[go + i * d + j] + gradOut[go + j * d + i]);
            }
        }
        // M = V^T Gs V, then M o Kf
        CommonOps_FDRM.multTransA(v[s], sc.sigma, sc.a);
        CommonOps_FDRM.mult(sc.a, v[s], sc.b);
        float[] m = sc.b.data;
        float[] fs = fb[s];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                float den = fs[i] + fs[j];
                m[i * d + j] = den > 0 ? m[i * d + j] / den : 0;
            }
        }
        // dL/dSigma = V M V^T (symmetric), dL/dX = 2 dL/dSigma Xc / n
        CommonOps_FDRM.mult(v[s], sc.b, sc.a);
        CommonOps_FDRM.multTransB(sc.a, v[s], sc.sigma);
        CommonOps_FDRM.mult(2.0f / n, sc.sigma, xc[s], sc.gx);
        float[] g = sc.gx.data;
        int xo = s * d * n;
        for (int i = 0; i < d * n; i++) {
            gradX[xo + i] = g[i];
        }
    }
}
