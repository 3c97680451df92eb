package org.isqrt4j.opencl;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.api.Validation;

/**
 * The root options other than the paper's (INV_SQRT, FROBENIUS, eps &gt; 0) on the OpenCL back-end: the coupled
 * iteration and its exact backward composed from the device's batched GEMM (every d x d product) and host steps
 * (the O(d^2) epilogues and the double-precision scalars). The saved iterates stay on the host.
 *
 * <p>With S = Sigma + eps I, nu = tr(S) or ||S||_F and A = S / nu: C = sqrt(nu) Y_K or Z_K / sqrt(nu). The backward
 * of a step (Y', Z') = (Y T, T Z), T = (3I - Z Y)/2, for any Sigma, with G_T = Y^T G_Y' + G_Z' Z^T:
 * dL/dY = G_Y' T^T - Z^T G_T / 2, dL/dZ = T^T G_Z' - G_T Y^T / 2; the last step starts from G_Y' = dL/dC (SQRT) or
 * G_Z' = dL/dC (INV_SQRT), the other zero; the first has Z = I. With dA that result, the normaliser terms are
 * dL/dS = (dA + (&lt;G,Y_K&gt;/2 - &lt;dA,A&gt;) N') / sqrt(nu) (SQRT) or (dA - (&lt;G,Z_K&gt;/2 + &lt;dA,A&gt;) N')
 * / nu^(3/2) (INV_SQRT), N' = I (TRACE) or A (FROBENIUS). Stateless.
 */
final class RootPath {
    private RootPath() {
    }

    /** Batched d x d product C_b = op(A_b) op(B_b) on the device. */
    interface Mul {
        float[] mul(float[] a, boolean ta, float[] b, boolean tb);
    }

    /** What the backward needs, on the host. */
    static final class Saved {
        final int batch;
        final int d;
        final SqrtOptions options;
        /** Per-sample nu; 0 marks a zero sample (SQRT with S = 0: zero output and gradient). */
        final double[] nu;
        /** y[0] = A, y[k] = Y_k (null where not formed). */
        final float[][] y;
        /** z[k] = Z_k (z[0] = I is null). */
        final float[][] z;
        /** t[k] = T_k, k = 1..K. */
        final float[][] t;
        /** Y_K (SQRT) or Z_K (INV_SQRT). */
        final float[] r;

        Saved(int batch, int d, SqrtOptions options, double[] nu, float[][] y, float[][] z, float[][] t, float[] r) {
            this.batch = batch;
            this.d = d;
            this.options = options;
            this.nu = nu;
            this.y = y;
            this.z = z;
            this.t = t;
            this.r = r;
        }

        boolean inverse() {
            return options.root() == SqrtOptions.Root.INV_SQRT;
        }

        /** @return the post-compensation factor of sample b: sqrt(nu) or 1 / sqrt(nu); 0 for a zero sample */
        double factor(int b) {
            return nu[b] == 0 ? 0 : inverse() ? 1 / Math.sqrt(nu[b]) : Math.sqrt(nu[b]);
        }
    }

    /**
     * Runs the iteration on B d x d matrices.
     *
     * @param sigma B*d*d floats from offset 0 (not modified)
     * @param what  "sigma" or "x", for the zero-inverse message
     */
    static Saved forward(Mul mm, int batch, int d, SqrtOptions o, float[] sigma, String what) {
        int dd = d * d;
        int k = o.iterations();
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        double eps = o.epsilon();
        double[] nu = new double[batch];
        float[] a = new float[batch * dd];
        for (int b = 0; b < batch; b++) {
            int base = b * dd;
            double tr = 0;
            double f2 = 0;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double v = sigma[base + i * d + j] + (i == j ? eps : 0);
                    f2 += v * v;
                    if (i == j) {
                        tr += v;
                    }
                }
            }
            nu[b] = o.normalisation() == SqrtOptions.Normalisation.TRACE ? tr : Math.sqrt(f2);
            if (!(nu[b] > 0)) {
                if (inv) {
                    throw Validation.zeroInverse(what, b, o);
                }
                nu[b] = 0;
                continue;
            }
            double rn = 1 / nu[b];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    a[base + i * d + j] = (float) ((sigma[base + i * d + j] + (i == j ? eps : 0)) * rn);
                }
            }
        }
        float[][] y = new float[k + 1][];
        float[][] z = new float[k + 1][];
        float[][] t = new float[k + 1][];
        y[0] = a;
        for (int s = 1; s <= k; s++) {
            float[] zy = s == 1 ? y[0] : mm.mul(z[s - 1], false, y[s - 1], false);
            float[] ts = new float[batch * dd];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = zy[i] * -0.5f;
            }
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    ts[b * dd + i * d + i] += 1.5f;
                }
            }
            t[s] = ts;
            if (s < k || !inv) {
                y[s] = mm.mul(y[s - 1], false, ts, false);
            }
            if (s < k || inv) {
                z[s] = s == 1 ? ts : mm.mul(ts, false, z[s - 1], false);
            }
        }
        return new Saved(batch, d, o, nu, y, z, t, inv ? z[k] : y[k]);
    }

    /** C = factor R into out in the layout, rejecting values beyond the float range (divergence). */
    static void writeOutput(Saved s, OutputLayout layout, float[] out, int outOff) {
        int d = s.d;
        int dd = d * d;
        int per = layout.elements(d);
        for (int b = 0; b < s.batch; b++) {
            double f = s.factor(b);
            int o = outOff + b * per;
            for (int i = 0; i < d; i++) {
                for (int j = layout == OutputLayout.TRIU ? i : 0; j < d; j++) {
                    float v = (float) (s.r[b * dd + i * d + j] * f);
                    if (!Float.isFinite(v)) {
                        throw Validation.notRepresentable("output", b, o - outOff - b * per, v,
                                "the Newton-Schulz iteration diverged or the input is too large");
                    }
                    out[o++] = v;
                }
            }
        }
    }

    /**
     * Exact gradient dL/dSigma (B*d*d, full) of {@link #forward} followed by the post-compensation, for any
     * dL/dC given as B full d x d matrices.
     */
    static float[] backward(Mul mm, Saved s, float[] gradC) {
        int batch = s.batch;
        int d = s.d;
        int dd = d * d;
        int k = s.options.iterations();
        boolean inv = s.inverse();
        // Each sample's G is scaled by a power of two into [1, 2) (exact): the backward is linear in it.
        float[] g = new float[batch * dd];
        int[] ge = new int[batch];
        for (int b = 0; b < batch; b++) {
            float m = 0;
            for (int i = 0; i < dd; i++) {
                m = Math.max(m, Math.abs(gradC[b * dd + i]));
            }
            ge[b] = m > 0 ? -Math.getExponent(m) : 0;
            double f = Math.scalb(1.0, ge[b]);
            for (int i = 0; i < dd; i++) {
                g[b * dd + i] = (float) (gradC[b * dd + i] * f);
            }
        }
        float[] gy = inv ? null : g;
        float[] gz = inv ? g : null;
        for (int j = k; j >= 1; j--) {
            float[] y = s.y[j - 1];
            float[] z = s.z[j - 1];
            float[] t = s.t[j];
            float[] gt = add(gy == null ? null : mm.mul(y, true, gy, false),
                    gz == null ? null : z == null ? gz : mm.mul(gz, false, z, true), 1f);
            float[] zgt = z == null ? gt : mm.mul(z, true, gt, false);
            float[] ny = add(gy == null ? null : mm.mul(gy, false, t, true), zgt, -0.5f);
            float[] nz = null;
            if (j > 1) {
                nz = add(gz == null ? null : mm.mul(t, true, gz, false), mm.mul(gt, false, y, true), -0.5f);
            }
            gy = ny;
            gz = nz;
        }
        float[] da = gy;
        float[] a = s.y[0];
        boolean frob = s.options.normalisation() == SqrtOptions.Normalisation.FROBENIUS;
        float[] out = new float[batch * dd];
        for (int b = 0; b < batch; b++) {
            double nu = s.nu[b];
            if (nu == 0) {
                continue;
            }
            int base = b * dd;
            double gdot = 0;
            double daA = 0;
            for (int i = 0; i < dd; i++) {
                gdot += (double) g[base + i] * s.r[base + i];
                daA += (double) da[base + i] * a[base + i];
            }
            double c = inv ? -(gdot / 2 + daA) : gdot / 2 - daA;
            double q = Math.scalb(inv ? nu * Math.sqrt(nu) : Math.sqrt(nu), ge[b]);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    int p = base + i * d + j;
                    double v = da[p];
                    if (frob) {
                        v += c * a[p];
                    } else if (i == j) {
                        v += c;
                    }
                    float f = (float) (v / q);
                    if (!Float.isFinite(f)) {
                        throw Validation.notRepresentable("gradSigma", b, i * d + j, f, "input too large");
                    }
                    out[p] = f;
                }
            }
        }
        return out;
    }

    /** @return p + w q element-wise (a null operand is zero; both null is not allowed) */
    private static float[] add(float[] p, float[] q, float w) {
        if (p == null) {
            float[] r = q.clone();
            if (w != 1f) {
                for (int i = 0; i < r.length; i++) {
                    r[i] *= w;
                }
            }
            return r;
        }
        if (q == null) {
            return p;
        }
        float[] r = new float[p.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.fma(q[i], w, p[i]);
        }
        return r;
    }

    /** @return X - mean per row, in double, rounded once: B*d*n floats */
    static float[] centred(float[] x, int off, int batch, int d, int n) {
        float[] xc = new float[batch * d * n];
        for (int r = 0; r < batch * d; r++) {
            int base = off + r * n;
            double s = 0;
            for (int p = 0; p < n; p++) {
                s += x[base + p];
            }
            double mu = s / n;
            for (int p = 0; p < n; p++) {
                xc[r * n + p] = (float) (x[base + p] - mu);
            }
        }
        return xc;
    }
}
