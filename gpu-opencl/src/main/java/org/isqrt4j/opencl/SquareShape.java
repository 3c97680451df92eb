package org.isqrt4j.opencl;

import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.cl_mem;

/**
 * The device layout of one batch of d x d matrices, shared by a whole forward or backward: padded to dp = d rounded
 * up to 16 rows and columns, leading dimension ld, batch stride dd = dp * ld (see common.cl), and the batch's
 * per-sample scalars. Also the size helpers the stages use.
 */
final class SquareShape {
    final int batch;
    final int d;
    final int dp;
    final int ld;
    final int dd;
    /** Per-sample scalars (tau, sqrt(tau), 1/tau, 1/sqrt(tau)); null where a stage needs none. */
    final cl_mem scal;

    SquareShape(int batch, int d, cl_mem scal) {
        this.batch = batch;
        this.d = d;
        this.dp = padded(d);
        this.ld = leading(dp);
        this.dd = squareSize(d);
        this.scal = scal;
    }

    /**
     * The arguments of out = op(a) op(b) on the batch's padded matrices; add epilogue terms, then run them. The
     * identity term's limit is d (only the leading d x d block has a diagonal).
     */
    GemmRoutine.Args mul(cl_mem a, Transpose ta, cl_mem b, Transpose tb, cl_mem out) {
        return GemmRoutine.args(batch, dp, dp, dp).a(a, ld, dd, ta).b(b, ld, dd, tb).c(out, ld, dd).identity(0f, d);
    }

    /** @return floats of the whole batch */
    long floats() {
        return (long) batch * dd;
    }

    /** @return the NDRange of an elementwise kernel over the padded matrices, (dp, dp, B) */
    long[] grid() {
        return new long[] {dp, dp, batch};
    }

    /** @param d channels  @return d rounded up to 16, the columns of the CPU kernel's tile: the padded extent */
    static int padded(int d) {
        return (d + 15) & ~15;
    }

    /**
     * @param dp padded extent
     * @return the leading dimension: dp, or dp + 16 where dp floats are a multiple of 256 bytes, whose rows would
     *         alias in the same cache sets (measured on PoCL: 3-6x GEMM throughput at d = 256 and 1024)
     */
    static int leading(int dp) {
        return dp % 64 == 0 ? dp + 16 : dp;
    }

    /** @param d channels  @return floats per padded d x d sample, dp * ld */
    static int squareSize(int d) {
        long dp = padded(d);
        return kernelInt("padded d * d", dp * leading((int) dp));
    }

    static long ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** @param what name for the message  @param v a per-sample size or stride  @return v as the int the kernels take */
    static int kernelInt(String what, long v) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " = " + v + " floats per sample is too large for the OpenCL back-end");
        }
        return (int) v;
    }
}
