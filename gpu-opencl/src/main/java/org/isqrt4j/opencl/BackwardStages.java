package org.isqrt4j.opencl;

import static org.isqrt4j.opencl.GemmRoutine.Transpose.NO;
import static org.isqrt4j.opencl.GemmRoutine.Transpose.YES;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.opencl.GemmRoutine.Output;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.cl_mem;

/**
 * The square-root stages of the backward on the device, in the order they run (docs/maths.md, Backward): the
 * packing backward (B1) and compensateBackward (B2), newtonSchulzBackward (the step recursion, (B6)-(B7) with
 * form G_T (B3)-(B5) for any Sigma or (B14) for the symmetric layer), normaliseBackward (B16), fused with the
 * symmetrisation of covarianceBackward (B17) for the layer. The post-compensation factor sqrt(tau) of (B2) is not
 * applied to G: the recursion runs on the raw dL/dC and normalise_backward folds 1/sqrt(tau) into (B16).
 */
final class BackwardStages {
    /** What normaliseBackward writes. */
    enum Result {
        /** dL/dSigma itself (the square root alone). */
        SIGMA(0),
        /** The covariance backward's S = (dL/dSigma + dL/dSigma^T) / n, so that dL/dX = S Xc (B17). */
        COVARIANCE_S(1),
        /** The same for an exactly symmetric dA (the symmetric layer backward): S = 2 dL/dSigma / n. */
        COVARIANCE_S_SYMMETRIC(2);

        final int code;

        Result(int code) {
            this.code = code;
        }
    }

    private final ClRuntime rt;
    private final GemmRoutine gemm;

    BackwardStages(ClRuntime rt, GemmRoutine gemm) {
        this.rt = rt;
        this.gemm = gemm;
    }

    /**
     * The packing backward (B1) and compensateBackward (B2): uploads dL/dC in its layout, unpacks it to the padded
     * G and writes u = &lt;G, C&gt; (the trace term's dot) into dots[2b].
     *
     * @param symmetricPart use the symmetric part (G + G^T)/2 of dL/dC (the layer at symmetric Sigma, (B12)-(B13))
     * @return G, padded
     */
    cl_mem compensateBackward(Temps temps, SquareShape sq, OutputLayout layout, float[] gradOut, int gOff,
                              boolean symmetricPart, cl_mem c, cl_mem dots) {
        int per = layout.elements(sq.d);
        cl_mem gin = temps.alloc((long) sq.batch * per);
        rt.write(gin, gradOut, gOff, sq.batch * per);
        cl_mem g = temps.alloc(sq.floats());
        rt.kernel("unpack_in").i(sq.d).i(sq.dp).i(sq.ld).i(layout == OutputLayout.TRIU ? 1 : 0)
                .i(symmetricPart ? 1 : 0).m(gin).m(g).run(sq.grid(), null);
        dot(sq, g, c, dots, 0);
        return g;
    }

    /**
     * newtonSchulzBackward: the steps K..1 from Ybar_K = G (raw, see the class comment), Zbar_K = 0 (B6).
     *
     * @param symmetricSigma whether Sigma (so every iterate) is exactly symmetric
     * @param symmetricG     whether G is exactly symmetric too (then every gradient iterate is, and the symmetric
     *                       form (B14) runs); needs symmetricSigma
     * @return dA_raw, a temporary of the call
     */
    cl_mem newtonSchulzBackward(Temps temps, SquareShape sq, int k, ForwardStages.Iterates it,
                                boolean symmetricSigma, boolean symmetricG, cl_mem g) {
        return symmetricG ? newtonSchulzBackwardSymmetric(temps, sq, k, it, g)
                : newtonSchulzBackwardGeneral(temps, sq, k, it, symmetricSigma, g);
    }

    /**
     * normaliseBackward (B16): v = &lt;dA_raw, A&gt; into dots[2b + 1], then the kernel normalise_backward with
     * r = 1/sqrt(tau): dL/dSigma = dA_raw r + (u r^2 / 2 - r v) I, written as {@code result} says.
     *
     * @param invN 1/n for the covariance forms, unused for {@link Result#SIGMA}
     */
    void normaliseBackward(SquareShape sq, cl_mem da, cl_mem a, cl_mem dots, cl_mem out, Result result, float invN) {
        dot(sq, da, a, dots, 1);
        rt.kernel("normalise_backward").i(sq.d).i(sq.dp).i(sq.ld).m(da).m(sq.scal).m(dots).m(out).i(result.code)
                .f(invN).run(sq.grid(), null);
    }

    /**
     * Backward steps for any dL/dC, form G_T (B3)-(B5) with every T_k saved by the forward; per step, with Y, Z, T
     * of that step (iterates multiplied from the right appear transposed, so the formulas hold for non-symmetric
     * Sigma too): G_T = Y^T Ybar' + Zbar' Z^T (B3), Ybar = Ybar' T^T - Z^T G_T / 2 (B4),
     * Zbar = T^T Zbar' - G_T Y^T / 2 (B5); last step Zbar' = 0 (B6); first step Z = I (B7):
     * dA = Ybar' T^T - A^T Ybar' / 2 - Zbar' / 2. Products: 4 + 6 (K - 2) + 2 = 6K - 6 for K >= 2 (form T^T,
     * (B10)-(B11), needs 8K - 10).
     */
    private cl_mem newtonSchulzBackwardGeneral(Temps temps, SquareShape sq, int k, ForwardStages.Iterates it,
                                               boolean symmetricSigma, cl_mem g) {
        // For symmetric iterates the stored matrix is its own transpose, which the kernel reads fastest as is.
        Transpose tb = Transpose.of(!symmetricSigma);
        long size = sq.floats();
        cl_mem gy = g;
        cl_mem gz = null;
        cl_mem w1 = null;
        cl_mem w2 = null;
        cl_mem gt = null;
        for (int s = k; s >= 2; s--) {
            cl_mem tS = it.t()[s];
            cl_mem yS = it.y()[s - 1];
            cl_mem zS = it.z()[s - 1];
            if (w1 == null) {
                w1 = temps.alloc(size);
                w2 = temps.alloc(size);
                gt = temps.alloc(size);
            }
            // (B3) G_T = Y^T Ybar' + Zbar' Z^T
            gemm.run(sq.mul(yS, YES, gy, NO, gt));
            if (gz != null) {
                gemm.run(sq.mul(gz, NO, zS, tb, gt).plus(1f, gt));
            }
            // (B4) Ybar = Ybar' T^T - Z^T G_T / 2
            gemm.run(sq.mul(gy, NO, tS, tb, w1));
            gemm.run(sq.mul(zS, YES, gt, NO, w1).alpha(-0.5f).plus(1f, w1));
            // (B5) Zbar = T^T Zbar' - G_T Y^T / 2
            if (gz != null) {
                gemm.run(sq.mul(tS, YES, gz, NO, w2));
            }
            gemm.run(sq.mul(gt, NO, yS, tb, w2).alpha(-0.5f).plus(1f, gz == null ? null : w2));
            cl_mem oldGy = gy;
            cl_mem oldGz = gz;
            gy = w1;
            gz = w2;
            w1 = oldGy;
            w2 = oldGz == null ? temps.alloc(size) : oldGz;
        }
        // (B7)
        cl_mem da = w1 == null ? temps.alloc(size) : w1;
        gemm.run(sq.mul(gy, NO, it.t()[1], tb, da).plus(-0.5f, gz));
        gemm.run(sq.mul(it.y()[0], YES, gy, NO, da).alpha(-0.5f).plus(1f, da));
        return da;
    }

    /**
     * Backward steps for symmetric Sigma and symmetric dL/dC, where every gradient iterate is symmetric too
     * (B12)-(B14): G T + T G = P + P^T with P = G T, and Z G_Z Z, Y G_Y Y are symmetric products computed on their
     * upper triangle. Per step Ybar = P + P^T - 1.5 G_Y - (Z G_Z) Z / 2 and Zbar = P' + P'^T - 1.5 G_Z -
     * (Y G_Y) Y / 2; first step dA = 1.5 G_Y - (P + P^T) / 2 - G_Z / 2 with P = A G_Y. Products (half-size ones
     * counted as one half): 2.5 + 5 (K - 2) + 1 for K >= 2, against 4 + 6 (K - 2) + 2 in the general form.
     */
    private cl_mem newtonSchulzBackwardSymmetric(Temps temps, SquareShape sq, int k, ForwardStages.Iterates it,
                                                 cl_mem g) {
        long size = sq.floats();
        cl_mem gy = g;
        cl_mem gz = null;
        cl_mem p = temps.alloc(size);
        cl_mem q = null;
        cl_mem w1 = null;
        cl_mem w2 = null;
        for (int s = k; s >= 2; s--) {
            cl_mem tS = it.t()[s];
            cl_mem yS = it.y()[s - 1];
            cl_mem zS = it.z()[s - 1];
            if (w1 == null) {
                q = temps.alloc(size);
                w1 = temps.alloc(size);
                w2 = temps.alloc(size);
            }
            gemm.run(sq.mul(gy, YES, tS, NO, p));
            combine(sq, p, gy, null, w1, 1f, -1.5f, 0f);
            if (gz != null) {
                gemm.run(sq.mul(zS, YES, gz, NO, q));
                gemm.run(sq.mul(q, NO, zS, NO, w1).alpha(-0.5f).plus(1f, w1).output(Output.SYMMETRIC));
                gemm.run(sq.mul(gz, YES, tS, NO, p));
                combine(sq, p, gz, null, w2, 1f, -1.5f, 0f);
            }
            gemm.run(sq.mul(yS, YES, gy, NO, q));
            gemm.run(sq.mul(q, NO, yS, NO, w2).alpha(-0.5f).plus(1f, gz == null ? null : w2)
                    .output(Output.SYMMETRIC));
            cl_mem oldGy = gy;
            cl_mem oldGz = gz;
            gy = w1;
            gz = w2;
            w1 = oldGy;
            w2 = oldGz == null ? temps.alloc(size) : oldGz;
        }
        cl_mem da = w1 == null ? temps.alloc(size) : w1;
        gemm.run(sq.mul(it.y()[0], YES, gy, NO, p));
        combine(sq, p, gy, gz, da, -0.5f, 1.5f, gz == null ? 0f : -0.5f);
        return da;
    }

    /** out = a (p + p^T) + bx x + cy y, y not read when cy = 0 (kernel newton_schulz_backward_combine). */
    private void combine(SquareShape sq, cl_mem p, cl_mem x, cl_mem y, cl_mem out, float a, float bx, float cy) {
        rt.kernel("newton_schulz_backward_combine").i(sq.dp).i(sq.ld).m(p).m(x).m(y == null ? x : y).m(out).f(a)
                .f(bx).f(cy).run(new long[] {sq.dp / 8, sq.dp / 8, sq.batch}, null);
    }

    /** dots[2b + slot] = &lt;a_b, b_b&gt; (kernel dot_batched). */
    private void dot(SquareShape sq, cl_mem a, cl_mem b, cl_mem dots, int slot) {
        rt.kernel("dot_batched").i(sq.dp).i(sq.ld).m(a).m(b).m(dots).i(slot)
                .run(new long[] {(long) rt.redWg * sq.batch}, new long[] {rt.redWg});
    }
}
