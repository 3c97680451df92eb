package org.isqrt4j.opencl;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.api.Validation;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.cl_mem;

/**
 * The entry points of {@link OpenClMatrixSqrtOp} for root options other than the paper's (INV_SQRT, FROBENIUS,
 * eps &gt; 0) and for the whitening: {@link RootPath}'s host algorithm with every d x d product on the device, and
 * the host-side saved state. Runs inside the op's calls (its lock, its profile).
 */
final class RootPathRunner {
    private final OpenClMatrixSqrtOp op;
    private final GemmRoutine gemm;
    private final ClRuntime rt;

    RootPathRunner(OpenClMatrixSqrtOp op, ClRuntime rt, GemmRoutine gemm) {
        this.op = op;
        this.rt = rt;
        this.gemm = gemm;
    }

    /**
     * Host-side saved state of the forwards with root options other than the paper's and of the whitening (see
     * {@link RootPath}), keyed by their handles; weak, so that an unreachable handle's state goes with it.
     */
    private final Map<OpenClHandle, RootState> rootStates = Collections.synchronizedMap(new WeakHashMap<>());

    /** The host iterates and, for the layer and the whitening, the caller's x. */
    private record RootState(RootPath.Saved saved, float[] x, int xOff) {
    }

    /** @return batched d x d products on the device, under the current call's temporaries */
    private RootPath.Mul deviceMul(Temps temps, int batch, int d) {
        return (a, ta, b, tb) -> deviceGemm(temps, batch, d, d, d, a, ta, b, tb);
    }

    /** C_b = op(A_b) op(B_b) for host row-major matrices, op(A) m x k and op(B) k x n, on the device. */
    private float[] deviceGemm(Temps temps, int batch, int m, int n, int k, float[] a, boolean ta, float[] b,
                               boolean tb) {
        int sa = SquareShape.kernelInt("m * k", (long) m * k);
        int sb = SquareShape.kernelInt("k * n", (long) k * n);
        int sc = SquareShape.kernelInt("m * n", (long) m * n);
        cl_mem ma = temps.alloc((long) batch * sa);
        cl_mem mb = temps.alloc((long) batch * sb);
        cl_mem mc = temps.alloc((long) batch * sc);
        rt.write(ma, a, 0, batch * sa);
        rt.write(mb, b, 0, batch * sb);
        gemm.run(GemmRoutine.args(batch, m, n, k).a(ma, ta ? m : k, sa, Transpose.of(ta))
                .b(mb, tb ? k : n, sb, Transpose.of(tb)).c(mc, n, sc));
        float[] c = new float[batch * sc];
        rt.read(mc, c, 0, batch * sc);
        return c;
    }

    private OpenClHandle hostHandle(ForwardHandle.Stage stage, int batch, int d, int n, SqrtOptions options,
                                    float[] out, int outOff, boolean sym, RootState rs) {
        OpenClHandle h = op.hostHandle(stage, batch, d, n, options, out, outOff, sym);
        rootStates.put(h, rs);
        return h;
    }

    private RootState rootState(OpenClHandle h) {
        RootState rs = rootStates.get(h);
        if (rs == null) {
            throw new IllegalStateException("handle " + h + " has no saved state");
        }
        return rs;
    }

    /** dL/dC in the handle's layout to B full d x d matrices (a packed gradient fills the upper triangle). */
    private static float[] fullGradient(float[] g, int off, int batch, int d, OutputLayout layout) {
        int dd = d * d;
        float[] full = new float[batch * dd];
        if (layout == OutputLayout.FULL) {
            System.arraycopy(g, off, full, 0, batch * dd);
            return full;
        }
        int o = off;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    full[b * dd + i * d + j] = g[o++];
                }
            }
        }
        return full;
    }

    OpenClHandle sqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                         float[] out, int outOff) {
        boolean sym = OpenClMatrixSqrtOp.isSymmetric(batch, d, sigma, sigmaOff);
        float[] s = Arrays.copyOfRange(sigma, sigmaOff, sigmaOff + batch * d * d);
        return op.call(temps -> {
            RootPath.Saved sv = RootPath.forward(deviceMul(temps, batch, d), batch, d, options, s, "sigma");
            if (sym && sv.inverse()) {
                // A symmetric Sigma should be positive semi-definite: Z_K above every exact iterate is divergence.
                for (int b = 0; b < batch; b++) {
                    Validation.requireInverseConverged(sv.r, b * d * d, OutputLayout.FULL, d, 1.0, b,
                            options.iterations());
                }
            }
            RootPath.writeOutput(sv, options.layout(), out, outOff);
            return hostHandle(ForwardHandle.Stage.SQRT, batch, d, 0, options, out, outOff, sym,
                    new RootState(sv, null, 0));
        });
    }

    void sqrtBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        RootState rs = rootState(h);
        float[] g = fullGradient(gradOut, gOff, h.batch(), h.d(), h.options().layout());
        float[] gs = op.call(temps -> RootPath.backward(deviceMul(temps, h.batch(), h.d()), rs.saved(), g));
        System.arraycopy(gs, 0, gradSigma, gsOff, gs.length);
    }

    /**
     * Layer (C) or whitening (W = C Xc) forward with options: the device covariance, then {@link RootPath};
     * W's product runs on the device too.
     */
    OpenClHandle layerForward(ForwardHandle.Stage stage, int batch, int d, int n, SqrtOptions options,
                                          float[] x, int xOff, float[] out, int outOff) {
        int dd = d * d;
        float[] sigma = new float[batch * dd];
        op.doCovariance(batch, d, n, x, xOff, sigma, 0);
        return op.call(temps -> {
            RootPath.Saved sv = RootPath.forward(deviceMul(temps, batch, d), batch, d, options, sigma, "x");
            RootState rs = new RootState(sv, x, xOff);
            boolean inv = sv.inverse();
            if (stage == ForwardHandle.Stage.WHITEN) {
                int dn = d * n;
                for (int b = 0; b < batch; b++) {
                    Validation.requireInverseConverged(sv.r, b * dd, OutputLayout.FULL, d, 1.0, b,
                            options.iterations());
                }
                float[] w = deviceGemm(temps, batch, d, n, d, sv.r, false, RootPath.centred(x, xOff, batch, d, n),
                        false);
                for (int b = 0; b < batch; b++) {
                    double f = sv.factor(b);
                    for (int i = 0; i < dn; i++) {
                        float v = (float) (w[b * dn + i] * f);
                        if (!Float.isFinite(v)) {
                            throw Validation.notRepresentable("output", b, i, v, OpenClMatrixSqrtOp.TOO_LARGE);
                        }
                        out[outOff + b * dn + i] = v;
                    }
                }
                return hostHandle(stage, batch, d, n, options, out, outOff, true, rs);
            }
            RootPath.writeOutput(sv, options.layout(), out, outOff);
            int per = options.layout().elements(d);
            for (int b = 0; b < batch; b++) {
                if (sv.nu[b] == 0) {
                    continue;
                }
                if (inv) {
                    Validation.requireInverseConverged(out, outOff + b * per, options.layout(), d, sv.nu[b], b,
                            options.iterations());
                } else {
                    double tr = 0;
                    for (int i = 0; i < d; i++) {
                        tr += sigma[b * dd + i * d + i] + options.epsilon();
                    }
                    Validation.requireConverged(out, outOff + b * per, options.layout(), d, tr, b,
                            options.iterations());
                }
            }
            return hostHandle(stage, batch, d, n, options, out, outOff, true, rs);
        });
    }

    void layerBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        RootState rs = rootState(h);
        float[] g = fullGradient(gradOut, gOff, h.batch(), h.d(), h.options().layout());
        float[] gs = op.call(temps -> RootPath.backward(deviceMul(temps, h.batch(), h.d()), rs.saved(), g));
        op.doCovarianceBackward(h.batch(), h.d(), h.n(), rs.x(), rs.xOff(), gs, 0, gradX, gxOff);
    }

    /**
     * Whitening backward: dL/dC = G Xc^T (device), dL/dSigma by {@link RootPath#backward}, then
     * dL/dX = C^T (G - row means of G) + the device covariance backward of dL/dSigma.
     */
    void whitenBackward(OpenClHandle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        RootState rs = rootState(h);
        int batch = h.batch();
        int d = h.d();
        int n = h.n();
        int dn = d * n;
        float[] g = Arrays.copyOfRange(gradOut, gOff, gOff + batch * dn);
        float[] xc = RootPath.centred(rs.x(), rs.xOff(), batch, d, n);
        float[] direct = op.call(temps -> deviceGemm(temps, batch, d, d, n, g, false, xc, true));
        float[] gs = op.call(temps -> RootPath.backward(deviceMul(temps, batch, d), rs.saved(), direct));
        float[] cov = new float[batch * dn];
        op.doCovarianceBackward(batch, d, n, rs.x(), rs.xOff(), gs, 0, cov, 0);
        float[] gcent = RootPath.centred(g, 0, batch, d, n);
        float[] cg = op.call(temps -> deviceGemm(temps, batch, d, n, d, rs.saved().r, true, gcent, false));
        for (int b = 0; b < batch; b++) {
            double f = rs.saved().factor(b);
            for (int i = 0; i < dn; i++) {
                int p = b * dn + i;
                float v = (float) (cg[p] * f + cov[p]);
                if (!Float.isFinite(v)) {
                    throw Validation.notRepresentable("gradX", b, i, v, OpenClMatrixSqrtOp.TOO_LARGE);
                }
                gradX[gxOff + p] = v;
            }
        }
    }
}
