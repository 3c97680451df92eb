package org.isqrt4j.opencl;

import static org.isqrt4j.opencl.SquareShape.ceilDiv;
import static org.isqrt4j.opencl.SquareShape.kernelInt;
import static org.isqrt4j.opencl.SquareShape.leading;
import static org.isqrt4j.opencl.SquareShape.padded;
import static org.isqrt4j.opencl.SquareShape.squareSize;

import org.isqrt4j.opencl.GemmRoutine.Output;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.cl_mem;

/**
 * The covariance stage on the device (kernels in covariance.cl): covariance, docs/maths.md (M1)-(M2), centring
 * then one batched Gram product, and covarianceBackward (B17), dL/dX = (Sigmabar + Sigmabar^T) Xc / n.
 */
final class CovarianceStage {
    private final ClRuntime rt;
    private final GemmRoutine gemm;

    CovarianceStage(ClRuntime rt, GemmRoutine gemm) {
        this.rt = rt;
        this.gemm = gemm;
    }

    /**
     * (M1): uploads X (d x n per sample) and centres it (row_mean, covariance_centre).
     *
     * @param xcOut where to write Xc (d x n per sample, X's layout) for the backward, or null
     * @return Xc^T, n x ld per sample, zero in the padding columns (a temporary of the call)
     */
    cl_mem centre(Temps temps, int batch, int d, int n, float[] x, int xOff, cl_mem xcOut) {
        int dp = padded(d);
        int ld = leading(dp);
        int total = batch * d * n;
        cl_mem xb = temps.alloc(total);
        rt.write(xb, x, xOff, total);
        cl_mem mean = temps.alloc((long) batch * d);
        rt.kernel("row_mean").i(batch * d).i(n).m(xb).m(mean).run(new long[] {(long) batch * d}, null);
        cl_mem xcT = temps.alloc((long) batch * n * ld);
        rt.kernel("covariance_centre").i(d).i(n).i(dp).i(ld).m(xb).m(mean).m(xcOut == null ? xcT : xcOut).m(xcT)
                .i(xcOut == null ? 0 : 1).run(new long[] {dp / 8, ceilDiv(n, 8), batch}, null);
        return xcT;
    }

    /**
     * (M1)-(M2): Sigma = Xc Xc^T / n, padded and exactly symmetric, into {@code sigma}.
     *
     * @param xcOut where to write Xc too (see {@link #centre}), or null
     */
    void covariance(Temps temps, int batch, int d, int n, float[] x, int xOff, cl_mem xcOut, cl_mem sigma) {
        cl_mem xcT = centre(temps, batch, d, n, x, xOff, xcOut);
        int ld = leading(padded(d));
        int stride = kernelInt("n * ld", (long) n * ld);
        gemm.run(GemmRoutine.args(batch, padded(d), padded(d), n).a(xcT, ld, stride, Transpose.YES)
                .b(xcT, ld, stride, Transpose.NO).c(sigma, ld, squareSize(d)).alpha(1f / n)
                .output(Output.SYMMETRIC));
    }

    /**
     * covarianceBackward (B17) for any Sigmabar: S = (G + G^T) / n (kernel covariance_backward), then
     * {@link #gradX}.
     *
     * @param g  Sigmabar, padded
     * @param xc Xc from {@link #centre}
     */
    void covarianceBackward(Temps temps, SquareShape sq, int n, cl_mem g, cl_mem xc, float[] gradX, int gxOff) {
        cl_mem s = temps.alloc(sq.floats());
        rt.kernel("covariance_backward").i(sq.dp).i(sq.ld).m(g).m(s).f(1f / n).run(sq.grid(), null);
        gradX(temps, sq, n, s, xc, gradX, gxOff);
    }

    /**
     * The product of (B17): dL/dX = S Xc with S symmetric (so read transposed, the fast way), downloaded into gradX.
     */
    void gradX(Temps temps, SquareShape sq, int n, cl_mem s, cl_mem xc, float[] gradX, int gxOff) {
        int dn = sq.d * n;
        cl_mem gx = temps.alloc((long) sq.batch * dn);
        gemm.run(GemmRoutine.args(sq.batch, sq.d, n, sq.d).a(s, sq.ld, sq.dd, Transpose.YES)
                .b(xc, n, dn, Transpose.NO).c(gx, n, dn));
        rt.read(gx, gradX, gxOff, sq.batch * dn);
    }
}
