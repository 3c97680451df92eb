package org.isqrt4j.cpu;

import org.isqrt4j.api.OutputLayout;

/**
 * The per-sample algorithm on top of a {@link Kernels}: the coupled Newton-Schulz forward, its exact backward
 * (general and symmetric forms) and the glue that is not a kernel (diagonal updates, traces, the symmetry test,
 * gradient and output layouts). Every product and every O(d^2) pass worth vectorising goes through the given
 * kernels, so the same code runs on {@link ScalarKernels}, {@code VectorKernels} or {@link ParallelKernels}, and
 * results differ only where the kernels would, which is nowhere. Stateless.
 *
 * <h2>Saved state</h2>
 * For K iterations a sample's state is exactly 2K d x d floats, in this order:
 * Y_0 = A, Y_1, ..., Y_{K-1}, then slot K, then Z_1, ..., Z_{K-1} (K-1 matrices; Z_0 = I is implicit).
 * Slot s starts at s*d*d: Y_k in slot k (k &lt; K), Z_k in slot K+k. Slot K holds Y_K for the square root alone
 * ({@link #newtonSchulz} without a separate Y_K buffer) and T_K = (3I - Z_{K-1} Y_{K-1})/2 for the layer: its symmetric
 * backward needs Y_K only for the trace term &lt;G, Y_K&gt; = &lt;G Y_{K-1}, T_K&gt; (symmetric, commuting
 * factors), whose G Y_{K-1} it computes anyway, and with T_K at hand its last step needs no N = Y Z product.
 */
final class Engine {
    private Engine() {
    }

    /** @return floats of one sample's saved state, 2K d*d */
    static int savedFloats(int d, int iterations) {
        long v = 2L * iterations * d * d;
        if (v > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("d=" + d + " and K=" + iterations + " need " + v
                    + " floats of saved state per sample, more than an array holds");
        }
        return (int) v;
    }

    // ------------------------------------------------------------------ products

    /** d x d: C = alpha A B (+ beta D); with sym the upper triangle is computed and mirrored. */
    static void mul(Kernels kn, int d, float alpha, float[] a, int aOff, float[] b, int bOff,
                    float beta, float[] dm, int dOff, float[] c, int cOff, boolean sym) {
        kn.gemm(d, d, d, alpha, a, aOff, d, b, bOff, d, beta, dm, dOff, d, c, cOff, d, sym);
        if (sym) {
            kn.mirror(c, cOff, d);
        }
    }



    static void addDiagonal(float[] a, int off, int d, float v) {
        for (int i = 0; i < d; i++) {
            a[off + i * d + i] += v;
        }
    }


    /** @return whether the d x d matrix equals its transpose exactly */
    static boolean isSymmetric(float[] a, int off, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                if (a[off + i * d + j] != a[off + j * d + i]) {
                    return false;
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ reductions in double

    static double trace(float[] a, int off, int d) {
        double s = 0;
        for (int i = 0; i < d; i++) {
            s += a[off + i * d + i];
        }
        return s;
    }


    // ------------------------------------------------------------------ stage newtonSchulz (docs/maths.md (M4))

    /**
     * Stage newtonSchulz, docs/maths.md (M4): runs the K iterations on a sample's saved state, whose slot 0
     * already holds A.
     * T = (3I - Z Y)/2 is the product's epilogue (alpha = -1/2, then +3/2 on the diagonal); step 1 takes T
     * from A without a product and Z_1 = T; the last step computes no Z. With sym (A exactly symmetric) every
     * product is of commuting symmetric matrices, so only upper triangles are computed.
     *
     * @param t  d x d scratch
     * @param yk null to leave Y_K in slot K; else Y_K is written here (d x d) and slot K keeps T_K (see the class
     *           comment); the products are the same either way, so Y_K has the same bits
     */
    static void newtonSchulz(Kernels kn, int d, int iters, float[] st, boolean sym, float[] t, float[] yk) {
        int dd = d * d;
        int last = iters * dd;
        // The last step's T goes straight into slot K when it is kept there.
        float[] tl = yk == null ? t : st;
        int tlo = yk == null ? 0 : last;
        // T_1 = (3I - A)/2 is Z_1, so it is formed in Z_1's slot (or, for K = 1, where the last T goes).
        float[] t1 = iters == 1 ? tl : st;
        int t1o = iters == 1 ? tlo : (iters + 1) * dd;
        for (int i = 0; i < dd; i++) {
            t1[t1o + i] = st[i] * -0.5f;
        }
        addDiagonal(t1, t1o, d, 1.5f);
        if (iters == 1) {
            mul(kn, d, 1f, st, 0, t1, t1o, 0f, null, 0, yk == null ? st : yk, yk == null ? dd : 0, sym);
            return;
        }
        mul(kn, d, 1f, st, 0, t1, t1o, 0f, null, 0, st, dd, sym);
        for (int k = 2; k <= iters; k++) {
            int y = (k - 1) * dd;
            int z = (iters + k - 1) * dd;
            float[] tk = k < iters ? t : tl;
            int tko = k < iters ? 0 : tlo;
            mul(kn, d, -0.5f, st, z, st, y, 0f, null, 0, tk, tko, sym);
            addDiagonal(tk, tko, d, 1.5f);
            if (k < iters) {
                mul(kn, d, 1f, st, y, tk, tko, 0f, null, 0, st, k * dd, sym);
                mul(kn, d, 1f, tk, tko, st, z, 0f, null, 0, st, (iters + k) * dd, sym);
            } else {
                mul(kn, d, 1f, st, y, tk, tko, 0f, null, 0, yk == null ? st : yk, yk == null ? last : 0, sym);
            }
        }
    }

    // ------------------------------------------------------------ stage newtonSchulzBackward (docs/maths.md (B3)-(B14))

    /**
     * Stage newtonSchulzBackward: the exact backward of {@link #newtonSchulz} for any incoming gradient and any A,
     * in form G_T (docs/maths.md (B3)-(B5)). For a step Y' = Y T, Z' = T Z, T = (3I - Z Y)/2 the chain rule gives
     * <pre>
     *   G_T   = Y^T G_Y' + G_Z' Z^T
     *   dL/dY = G_Y' T^T - Z^T G_T / 2
     *   dL/dZ = T^T G_Z' - G_T Y^T / 2
     * </pre>
     * with T^T = (3I - Y^T Z^T)/2 recomputed from the saved Y, Z (one product; Y and Z are polynomials in A, so
     * they commute, (M7)). The last step has G_Z' = 0 (B6) and the first (Z = I, (B7)) gives
     * dL/dA = 1.5 G_Y' - (G_Y' A^T + A^T G_Y' + G_Z')/2. 7 products per middle step (form N, (B8)-(B9), took 9),
     * 5 for the last, 2 for the first; with sym the transposes vanish and T is computed as a triangle.
     *
     * @param g  dL/dY_K, d x d; must be {@code ws.m0}; overwritten
     * @return the workspace buffer holding dL/dA
     */
    static float[] newtonSchulzBackward(Kernels kn, int d, int iters, float[] st, boolean sym, Workspace ws,
                                        float[] g) {
        return newtonSchulzBackwardSteps(kn, d, iters, st, sym, ws, g, true, ws.m1, false);
    }

    /**
     * {@link #newtonSchulzBackward} for symmetric A and a symmetric incoming gradient, where every gradient stays
     * symmetric (docs/maths.md (B12)-(B14)):
     * N G_Y' = (G_Y' N)^T, so G_Y' N + N G_Y' is one product plus its transpose, and Z G_Z' Z, Y G_Y' Y are
     * symmetric (one full product, then a triangle). Per middle step 4 full products and 3 triangles instead of
     * 9 full products. The "M + M^T" combinations are formed on the upper triangle only, the following triangle
     * product adds onto that upper triangle, and one mirror per gradient makes it whole again for the next
     * step's products. Used by the layer, whose dL/dX only sees sym(dL/dSigma), and sym(dL/dSigma) is what the
     * backward of sym(dL/dC) gives (the map commutes with transposition).
     *
     * <p>The state is the layer's (slot K holds T_K): the last step's G_Y' N is 3 G_Y' - 2 G_Y' T_K, one product
     * with its epilogue, and &lt;G, Y_K&gt; = &lt;G Y_{K-1}, T_K&gt; comes from the G Y_{K-1} that step computes
     * (G A for K = 1); it is left in {@code ws.traceTerm}.
     *
     * @param g  symmetric dL/dY_K; must be {@code ws.m0}; overwritten
     * @return the workspace buffer holding dL/dA (symmetric): only its upper triangle, diagonal included,
     *         is valid
     */
    static float[] newtonSchulzBackwardSymmetric(Kernels kn, int d, int iters, float[] st, Workspace ws,
                                                 float[] g) {
        float[] gy = g;
        float[] gz = ws.m1;
        float[] ny = ws.m2;
        float[] nz = ws.m3;
        float[] nm = ws.m4;
        float[] w = ws.m5;
        float[] p = ws.m6;
        int tk = iters * dd(d);
        boolean hasGz = false;
        for (int k = iters; k >= 2; k--) {
            int yo = (k - 1) * dd(d);
            int zo = (iters + k - 1) * dd(d);
            if (k == iters) {
                mul(kn, d, -2f, gy, 0, st, tk, 3f, gy, 0, p, 0, false);
            } else {
                mul(kn, d, 1f, st, yo, st, zo, 0f, null, 0, nm, 0, true);
                mul(kn, d, 1f, gy, 0, nm, 0, 0f, null, 0, p, 0, false);
            }
            kn.symCombineUpper(gy, p, ny, d);
            if (hasGz) {
                mul(kn, d, 1f, gz, 0, st, zo, 0f, null, 0, w, 0, false);
                mul(kn, d, -0.5f, st, zo, w, 0, 1f, ny, 0, ny, 0, true);
            } else {
                kn.mirror(ny, 0, d);
            }
            mul(kn, d, 1f, gy, 0, st, yo, 0f, null, 0, w, 0, false);
            if (k == iters) {
                ws.traceTerm = kn.dot(w, 0, st, tk, dd(d));
            }
            if (hasGz) {
                mul(kn, d, 1f, gz, 0, nm, 0, 0f, null, 0, p, 0, false);
                kn.symCombineUpper(gz, p, nz, d);
                mul(kn, d, -0.5f, st, yo, w, 0, 1f, nz, 0, nz, 0, true);
            } else {
                mul(kn, d, -0.5f, st, yo, w, 0, 0f, null, 0, nz, 0, true);
            }
            float[] s = gy;
            gy = ny;
            ny = s;
            s = gz;
            gz = nz;
            nz = s;
            hasGz = true;
        }
        mul(kn, d, 1f, gy, 0, st, 0, 0f, null, 0, p, 0, false);
        if (iters == 1) {
            ws.traceTerm = kn.dot(p, 0, st, tk, dd(d));
        }
        kn.symCombineUpper(gy, p, ny, d);
        if (hasGz) {
            for (int i = 0; i < d; i++) {
                for (int j = i * d + i, e = i * d + d; j < e; j++) {
                    ny[j] = Math.fma(gz[j], -0.5f, ny[j]);
                }
            }
        }
        return ny;
    }

    private static int dd(int d) {
        return d * d;
    }

    // ------------------------------------------------------------------ inverse root

    /**
     * The iteration of {@link #newtonSchulz} for the inverse root: the same K - 1 first steps, then a last step that
     * forms Z_K = T_K Z_{K-1} (T_K = (3I - Z_{K-1} Y_{K-1})/2) instead of Y_K, into slot K; for K = 1,
     * Z_1 = T_1 = (3I - A)/2. Slot 0 must hold A; the other slots are as in the class comment.
     *
     * @param t d x d scratch
     */
    static void newtonSchulzInverse(Kernels kn, int d, int iters, float[] st, boolean sym, float[] t) {
        int dd = d * d;
        if (iters == 1) {
            for (int i = 0; i < dd; i++) {
                st[dd + i] = st[i] * -0.5f;
            }
            addDiagonal(st, dd, d, 1.5f);
            return;
        }
        int z1 = (iters + 1) * dd;
        for (int i = 0; i < dd; i++) {
            st[z1 + i] = st[i] * -0.5f;
        }
        addDiagonal(st, z1, d, 1.5f);
        mul(kn, d, 1f, st, 0, st, z1, 0f, null, 0, st, dd, sym);
        for (int k = 2; k <= iters; k++) {
            int y = (k - 1) * dd;
            int z = (iters + k - 1) * dd;
            mul(kn, d, -0.5f, st, z, st, y, 0f, null, 0, t, 0, sym);
            addDiagonal(t, 0, d, 1.5f);
            if (k < iters) {
                mul(kn, d, 1f, st, y, t, 0, 0f, null, 0, st, k * dd, sym);
                mul(kn, d, 1f, t, 0, st, z, 0f, null, 0, st, (iters + k) * dd, sym);
            } else {
                mul(kn, d, 1f, t, 0, st, z, 0f, null, 0, st, iters * dd, sym);
            }
        }
    }

    /**
     * Exact backward of {@link #newtonSchulzInverse} for any incoming gradient G = dL/dZ_K and any A: the step
     * formulas of {@link #newtonSchulzBackward}, started from G_Y' = 0, G_Z' = G at the last step, so that step is
     * G_T = G Z^T, dL/dY = -Z^T G_T / 2 and dL/dZ = T^T G - G_T Y^T / 2; the first step (Z = I) gives
     * dL/dA = 1.5 G_Y' - (G_Y' A^T + A^T G_Y' + G_Z')/2 (for K = 1 just -G/2).
     *
     * @param g dL/dZ_K, d x d; must be {@code ws.m0}; overwritten
     * @return the workspace buffer holding dL/dA
     */
    static float[] newtonSchulzInverseBackward(Kernels kn, int d, int iters, float[] st, boolean sym,
                                               Workspace ws, float[] g) {
        return newtonSchulzBackwardSteps(kn, d, iters, st, sym, ws, ws.m1, false, g, true);
    }

    /**
     * The step formulas shared by {@link #newtonSchulzBackward} and {@link #newtonSchulzInverseBackward}: steps
     * K..2, then the first, from dL/dY_K = gy (when hasGy) and dL/dZ_K = gz (when hasGz); a gradient that is absent
     * is exactly zero, and the products it would enter are skipped.
     */
    private static float[] newtonSchulzBackwardSteps(Kernels kn, int d, int iters, float[] st, boolean sym,
                                                     Workspace ws, float[] gy, boolean hasGy, float[] gz,
                                                     boolean hasGz) {
        int dd = d * d;
        float[] ny = ws.m2;
        float[] nz = ws.m3;
        float[] tt = ws.m4;
        float[] gt = ws.m5;
        float[] yt = ws.m6;
        float[] zt = ws.m7;
        for (int k = iters; k >= 2; k--) {
            float[] ya = st;
            float[] za = st;
            int yo = (k - 1) * dd;
            int zo = (iters + k - 1) * dd;
            if (!sym) {
                kn.transpose(st, yo, d, d, yt, 0);
                kn.transpose(st, zo, d, d, zt, 0);
                ya = yt;
                za = zt;
                yo = 0;
                zo = 0;
            }
            // T^T = (3I - Y^T Z^T)/2 (Y, Z commute, (M7)): the one product that form N spends on N = Y^T Z^T.
            mul(kn, d, -0.5f, ya, yo, za, zo, 0f, null, 0, tt, 0, sym);
            addDiagonal(tt, 0, d, 1.5f);
            // (B3) G_T = Y^T Y'bar + Z'bar Z^T
            if (hasGz) {
                mul(kn, d, 1f, gz, 0, za, zo, 0f, null, 0, gt, 0, false);
            }
            if (hasGy) {
                mul(kn, d, 1f, ya, yo, gy, 0, hasGz ? 1f : 0f, hasGz ? gt : null, 0, gt, 0, false);
            }
            // (B4) Ybar = Y'bar T^T - Z^T G_T / 2
            if (hasGy) {
                mul(kn, d, 1f, gy, 0, tt, 0, 0f, null, 0, ny, 0, false);
            }
            mul(kn, d, -0.5f, za, zo, gt, 0, hasGy ? 1f : 0f, hasGy ? ny : null, 0, ny, 0, false);
            // (B5) Zbar = T^T Z'bar - G_T Y^T / 2
            if (hasGz) {
                mul(kn, d, 1f, tt, 0, gz, 0, 0f, null, 0, nz, 0, false);
            }
            mul(kn, d, -0.5f, gt, 0, ya, yo, hasGz ? 1f : 0f, hasGz ? nz : null, 0, nz, 0, false);
            float[] s = gy;
            gy = ny;
            ny = s;
            s = gz;
            gz = nz;
            nz = s;
            hasGy = true;
            hasGz = true;
        }
        if (!hasGy) {
            for (int i = 0; i < dd; i++) {
                ny[i] = gz[i] * -0.5f;
            }
            return ny;
        }
        float[] aa = st;
        if (!sym) {
            kn.transpose(st, 0, d, d, yt, 0);
            aa = yt;
        }
        mul(kn, d, -0.5f, gy, 0, aa, 0, 1.5f, gy, 0, ny, 0, false);
        mul(kn, d, -0.5f, aa, 0, gy, 0, 1f, ny, 0, ny, 0, false);
        if (hasGz) {
            for (int i = 0; i < dd; i++) {
                ny[i] = Math.fma(gz[i], -0.5f, ny[i]);
            }
        }
        return ny;
    }

    // ------------------------------------------------------------------ stage compensate and the packing

    /**
     * Stage compensate, docs/maths.md (M5), with the TRIU packing (M6): out = scale * Y (sqrt(tau) Y_K, or Z_K /
     * sqrt(nu) for the inverse root), full or packed upper triangle, each product in double, rounded once.
     */
    static void compensate(Kernels kn, float[] y, int yOff, int d, double scale, OutputLayout layout, float[] out,
                            int outOff) {
        if (layout == OutputLayout.FULL) {
            kn.mulInto(y, yOff, scale, out, outOff, d * d);
        } else {
            int o = outOff;
            for (int i = 0; i < d; i++) {
                kn.mulInto(y, yOff + i * d + i, scale, out, o, d - i);
                o += d - i;
            }
        }
    }

    /**
     * The packing backward, docs/maths.md (B1): one sample's dL/dC into a full d x d matrix; a packed gradient fills
     * the upper triangle only.
     */
    static void readGradient(float[] src, int off, int d, OutputLayout layout, float[] g) {
        int dd = d * d;
        if (layout == OutputLayout.FULL) {
            System.arraycopy(src, off, g, 0, dd);
        } else {
            java.util.Arrays.fill(g, 0, dd, 0f);
            int o = off;
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    g[i * d + j] = src[o++];
                }
            }
        }
    }
}
