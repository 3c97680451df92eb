package org.isqrt4j.cpu;

import java.lang.ref.SoftReference;
import java.util.Arrays;

/**
 * Everything one {@link CpuHandle} holds, bundled so that a closed handle's memory goes back to its op as one
 * piece and the next forward of the same shape takes it without allocating: the per-sample iterate arrays
 * (2K d*d floats each, allocated on first use and kept), the per-sample scalars and, for the layer, the channel
 * means. The op pools bundles behind soft references (see {@link CpuMatrixSqrtOp}); the reference object is
 * made once per bundle and reused, so pooling allocates nothing either. Confined to one handle at a time.
 */
final class SavedState {
    final boolean layer;
    final int batch;
    final int d;
    final int savedLen;
    /** The arrays this bundle owns, one per sample once used; kept across handles. */
    final float[][] storage;
    /** The handle's view: storage[b], or null for a zero-trace sample. */
    final float[][] saved;
    final double[] trace;
    final boolean[] symmetric;
    /** LAYER only: batch*d channel means; null otherwise. */
    final double[] means;
    /** LAYER only: per-sample power-of-two exponent; null otherwise. */
    final int[] exponent;
    /** This bundle's entry in the op's pool. */
    final SoftReference<SavedState> ref;

    SavedState(boolean layer, int batch, int d, int savedLen) {
        this.layer = layer;
        this.batch = batch;
        this.d = d;
        this.savedLen = savedLen;
        this.storage = new float[batch][];
        this.saved = new float[batch][];
        this.trace = new double[batch];
        this.symmetric = new boolean[batch];
        this.means = layer ? new double[batch * d] : null;
        this.exponent = layer ? new int[batch] : null;
        this.ref = new SoftReference<>(this);
    }

    /** @return whether a forward of this shape can use the bundle */
    boolean fits(boolean layer, int batch, int d, int savedLen) {
        return this.layer == layer && this.batch == batch && this.d == d && this.savedLen == savedLen;
    }

    /** Forgets the previous handle's view (the arrays themselves are kept; every element read is rewritten). */
    void reset() {
        Arrays.fill(saved, null);
    }

    /**
     * @param pool where a missing array comes from
     * @return sample b's iterate array, now also its view
     */
    float[] take(int b, ArrayPool pool) {
        float[] s = storage[b];
        if (s == null) {
            s = pool.obtain(savedLen);
            storage[b] = s;
        }
        saved[b] = s;
        return s;
    }

    /** Hands the iterate arrays to the pool, for a bundle that is dropped. */
    void drainInto(ArrayPool pool) {
        for (int b = 0; b < batch; b++) {
            if (storage[b] != null) {
                pool.recycle(storage[b]);
                storage[b] = null;
            }
            saved[b] = null;
        }
    }
}
