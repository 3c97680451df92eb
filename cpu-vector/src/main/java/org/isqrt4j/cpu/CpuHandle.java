package org.isqrt4j.cpu;

import org.isqrt4j.api.AbstractForwardHandle;
import org.isqrt4j.api.SqrtOptions;

/**
 * What a {@link CpuMatrixSqrtOp} forward saves for its backward. Per sample: the 2K d x d iterates listed in
 * the package's {@code Engine} (Y_0 = A, ..., Y_{K-1}, then Y_K for the square root or T_K for the layer, and
 * Z_1, ..., Z_{K-1}; none for a zero-trace sample), the trace in double, and whether A was exactly symmetric.
 * The layer's handle adds per sample the channel means (double) and the power-of-two exponent used to scale X,
 * and keeps a reference to the caller's x, from which the backward recomputes the centred X. All of it lives in
 * one pooled bundle; closing hands the bundle back to the op, and the next forward of the same shape reuses it
 * without allocating.
 *
 * <p>Not thread-safe (see {@link org.isqrt4j.api.ForwardHandle}).
 */
public final class CpuHandle extends AbstractForwardHandle {
    final CpuMatrixSqrtOp op;
    final SavedState state;
    /** Per sample 2K*d*d floats, or null for a zero-trace sample. */
    final float[][] saved;
    /** SQRT: tr(Sigma). LAYER: tr(Xs Xs^T) of the scaled centred X (the 1/n is applied separately). */
    final double[] trace;
    /** Whether sample b's A is exactly symmetric (always true for the layer). */
    final boolean[] symmetric;
    /** LAYER only: B*d channel means; null for SQRT. */
    final double[] means;
    /** LAYER only: X was scaled by 2^exponent[b] before the products; null for SQRT. */
    final int[] exponent;
    /** LAYER only: the caller's input. */
    final float[] x;
    final int xOff;

    CpuHandle(CpuMatrixSqrtOp op, Stage stage, int batch, int d, int n, SqrtOptions options, float[] output,
              int outputOffset, float[] x, int xOff, SavedState state) {
        super(op, stage, batch, d, n, options, output, outputOffset);
        this.op = op;
        this.state = state;
        this.saved = state.saved;
        this.trace = state.trace;
        this.symmetric = state.symmetric;
        this.means = state.means;
        this.exponent = state.exponent;
        this.x = x;
        this.xOff = xOff;
    }

    @Override
    protected void release() {
        op.recycle(state);
    }
}
