package org.isqrt4j.api;

/**
 * Base of the back-ends' handles: the shape, the options, the output location and an idempotent close.
 * Back-ends subclass it with what their backward needs and override {@link #release()} to free it.
 */
public abstract class AbstractForwardHandle implements ForwardHandle {
    private final Object owner;
    private final Stage stage;
    private final int batch;
    private final int d;
    private final int n;
    private final SqrtOptions options;
    private final float[] output;
    private final int outputOffset;
    private volatile boolean closed;
    private float[] savedInput;
    private int savedInputOffset;
    private long[] savedInputSums;

    /**
     * Records what the forward made; the back-end adds its saved state.
     *
     * @param owner the op that made this handle
     * @param stage which forward
     * @param batch B
     * @param d channels
     * @param n positions, 0 for {@link Stage#SQRT}
     * @param options the forward's options
     * @param output the array C was written into
     * @param outputOffset offset of C in it
     */
    protected AbstractForwardHandle(Object owner, Stage stage, int batch, int d, int n, SqrtOptions options,
                                    float[] output, int outputOffset) {
        this.owner = owner;
        this.stage = stage;
        this.batch = batch;
        this.d = d;
        this.n = n;
        this.options = options;
        this.output = output;
        this.outputOffset = outputOffset;
    }

    /**
     * Returns the op that made this handle.
     *
     * @return the op that made this handle
     */
    public final Object owner() {
        return owner;
    }

    @Override
    public final Stage stage() {
        return stage;
    }

    @Override
    public final int batch() {
        return batch;
    }

    @Override
    public final int d() {
        return d;
    }

    @Override
    public final int n() {
        return n;
    }

    @Override
    public final SqrtOptions options() {
        return options;
    }

    @Override
    public final float[] output() {
        return output;
    }

    @Override
    public final int outputOffset() {
        return outputOffset;
    }

    @Override
    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            savedInput = null;
            savedInputSums = null;
            release();
        }
    }

    /**
     * Records the caller's input region and its per-sample checksums (set by the layer forward of
     * {@link AbstractMatrixSqrtOp} when {@link SqrtOptions#savedInputCheck()} is on).
     */
    final void recordSavedInput(float[] x, int xOff, long[] sums) {
        this.savedInput = x;
        this.savedInputOffset = xOff;
        this.savedInputSums = sums;
    }

    /** The caller's input array the layer forward read, or null when no check was recorded (or closed). */
    final float[] savedInput() {
        return savedInput;
    }

    /** Offset of sample 0 in {@link #savedInput()}. */
    final int savedInputOffset() {
        return savedInputOffset;
    }

    /** Per-sample checksums of the saved input taken at the forward, or null. */
    final long[] savedInputSums() {
        return savedInputSums;
    }

    /** Frees what the subclass holds; called once, by the first {@link #close()}. Must not throw. */
    protected void release() {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + stage + " " + Validation.shape(batch, d, n) + " " + options
                + (closed ? " closed" : "") + "]";
    }
}
