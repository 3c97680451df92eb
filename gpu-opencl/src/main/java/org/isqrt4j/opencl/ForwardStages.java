package org.isqrt4j.opencl;

import static org.isqrt4j.opencl.GemmRoutine.Transpose.NO;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.opencl.GemmRoutine.Output;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.cl_mem;

/**
 * The square-root stages of the forward on the device, after covariance: normalise (docs/maths.md (M3); kernels
 * trace_scalars and normalise), newtonSchulz (M4) as batched GEMMs with fused epilogues (or one
 * newton_schulz_step_small launch per step for small symmetric d), compensate (M5) folded into the last product's
 * epilogue, and the TRIU packing (M6). The iterates stay on the device for the backward.
 */
final class ForwardStages {
    private final ClRuntime rt;
    private final GemmRoutine gemm;

    ForwardStages(ClRuntime rt, GemmRoutine gemm) {
        this.rt = rt;
        this.gemm = gemm;
    }

    /**
     * What the forward leaves on the device for its backward.
     *
     * @param y A (= Y_0) at index 0, then Y_1 .. Y_{K-1}
     * @param t T_k at index k = 1..K (index 0 unused)
     * @param z Z_k at index k = 1..K-1 (Z_1 is T_1's buffer; index 0 unused: Z_0 = I)
     * @param c C = sqrt(tau) Y_K, padded
     */
    record Iterates(cl_mem[] y, cl_mem[] t, cl_mem[] z, cl_mem c) {
    }

    /**
     * normalise (M3): tau = tr(Sigma) and the derived scalars into sq.scal, A = Sigma / tau in place, and T_1 =
     * (3I - A)/2 = Z_1 of the first step (M4) without a product.
     *
     * @param sigma Sigma, padded; becomes A
     * @return T_1, a buffer of the handle's state
     */
    cl_mem normalise(OpenClHandle.State st, SquareShape sq, cl_mem sigma) {
        rt.kernel("trace_scalars").i(sq.batch).i(sq.d).i(sq.dp).i(sq.ld).m(sigma).m(sq.scal)
                .run(new long[] {sq.batch}, null);
        cl_mem t1 = st.alloc(sq.floats());
        rt.kernel("normalise").i(sq.d).i(sq.dp).i(sq.ld).m(sigma).m(sq.scal).m(sigma).m(t1).run(sq.grid(), null);
        return t1;
    }

    /**
     * newtonSchulz (M4) and compensate (M5): the K coupled steps from A and T_1, with C = sqrt(tau) Y_K from the
     * last product's epilogue (scalar slot 1). Forward products: step 1 one (Y_1 = A T_1), middle steps three
     * (T = (3I - Z Y)/2 with its identity term in the epilogue, Y' = Y T, Z' = T Z), the last two (no Z).
     *
     * @param a   A, from {@link #normalise}
     * @param t1  T_1, from {@link #normalise}
     * @param sym whether Sigma is exactly symmetric: every product is then of commuting symmetric matrices,
     *            computed on its upper triangle, and Z^T = Z is read the fast (transposed) way
     */
    Iterates newtonSchulz(OpenClHandle.State st, SquareShape sq, int k, cl_mem a, cl_mem t1, boolean sym) {
        cl_mem[] y = new cl_mem[k];
        cl_mem[] t = new cl_mem[k + 1];
        cl_mem[] z = new cl_mem[k];
        y[0] = a;
        t[1] = t1;
        if (k > 1) {
            z[1] = t1;
        }
        Transpose left = Transpose.of(sym);
        Output out = sym ? Output.SYMMETRIC : Output.GENERAL;
        cl_mem c = null;
        boolean fused = sym && rt.fusedSteps && sq.dp <= rt.nsMaxD;
        for (int s = 1; s <= k; s++) {
            if (s >= 2 && fused) {
                // The whole step in one launch per batch: T_s, then Y_s and Z_s (or C at the last step).
                t[s] = st.alloc(sq.floats());
                cl_mem yOut = st.alloc(sq.floats());
                cl_mem zOut = s == k ? yOut : st.alloc(sq.floats());
                rt.kernel("newton_schulz_step_small").i(sq.dp).i(sq.ld).i(sq.d).i(s == k ? 1 : 0).m(y[s - 1])
                        .m(z[s - 1]).m(t[s]).m(yOut).m(zOut).m(sq.scal)
                        .run(new long[] {(long) rt.nsWg * sq.batch}, new long[] {rt.nsWg});
                if (s == k) {
                    c = yOut;
                } else {
                    y[s] = yOut;
                    z[s] = zOut;
                }
                continue;
            }
            if (s >= 2) {
                // T_s = (3I - Z Y) / 2; for symmetric iterates Z^T = Z, read the fast (transposed) way.
                t[s] = st.alloc(sq.floats());
                gemm.run(sq.mul(z[s - 1], left, y[s - 1], NO, t[s]).alpha(-0.5f).identity(1.5f, sq.d).output(out));
            }
            if (s == k) {
                c = st.alloc(sq.floats());
                gemm.run(sq.mul(y[s - 1], left, t[s], NO, c).scale(sq.scal, 1).output(out));
            } else {
                y[s] = st.alloc(sq.floats());
                gemm.run(sq.mul(y[s - 1], left, t[s], NO, y[s]).output(out));
                if (s >= 2) {
                    z[s] = st.alloc(sq.floats());
                    gemm.run(sq.mul(t[s], left, z[s - 1], NO, z[s]).output(out));
                }
            }
        }
        return new Iterates(y, t, z, c);
    }

    /**
     * Uploads B full d x d host matrices (Sigma, or a dL/dSigma) and writes them padded into {@code dst}
     * (kernel unpack_in).
     */
    void upload(Temps temps, SquareShape sq, float[] a, int off, cl_mem dst) {
        int total = sq.batch * sq.d * sq.d;
        cl_mem in = temps.alloc(total);
        rt.write(in, a, off, total);
        rt.kernel("unpack_in").i(sq.d).i(sq.dp).i(sq.ld).i(0).i(0).m(in).m(dst).run(sq.grid(), null);
    }

    /** TRIU packing (M6) or the FULL copy of C, downloaded into out. */
    void pack(Temps temps, SquareShape sq, cl_mem c, OutputLayout layout, float[] out, int outOff) {
        int per = layout.elements(sq.d);
        cl_mem ob = temps.alloc((long) sq.batch * per);
        rt.kernel("pack_out").i(sq.d).i(sq.dp).i(sq.ld).i(layout == OutputLayout.TRIU ? 1 : 0).m(c).m(ob)
                .run(new long[] {sq.d, sq.d, sq.batch}, null);
        rt.read(ob, out, outOff, sq.batch * per);
    }
}
