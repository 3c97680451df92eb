package org.isqrt4j.api;

/**
 * What a forward call saves for its backward (the autograd "saved tensors"), returned by
 * {@link MatrixSqrtOp#sqrtForward} and {@link MatrixSqrtOp#forward}.
 *
 * <p>A handle belongs to the op that made it and may be passed to that op's backward any number of times
 * until it is closed. Closing is idempotent; it releases device memory where the back-end holds any, and a
 * backward on a closed handle throws {@link IllegalStateException}. Handles of the CPU back-ends hold only
 * heap memory and need not be closed, but closing them lets the memory go early.
 *
 * <p>For the whole layer the handle keeps a reference to the caller's input array {@code x}: its region must
 * stay unchanged until the last backward (as with PyTorch's saved tensors). Unless the forward's options turned
 * it off ({@link SqrtOptions#withSavedInputCheck(boolean)}), the handle also keeps a checksum of every sample's
 * region and each backward verifies it, throwing {@link IllegalStateException} naming the sample that changed.
 * The square-root handle keeps what it needs itself.
 *
 * <p>Not thread-safe: use one handle from one thread at a time.
 */
public interface ForwardHandle extends AutoCloseable {
    /**
     * Returns which forward made this handle.
     *
     * @return which forward made this handle
     */
    Stage stage();

    /**
     * Returns the batch size B.
     *
     * @return batch size B
     */
    int batch();

    /**
     * Returns the channel count d.
     *
     * @return channels d
     */
    int d();

    /**
     * Returns the position count n for {@link Stage#LAYER} and {@link Stage#WHITEN}; 0 for {@link Stage#SQRT}.
     *
     * @return positions n for {@link Stage#LAYER} and {@link Stage#WHITEN}; 0 for {@link Stage#SQRT}
     */
    int n();

    /**
     * Returns the options of the forward.
     *
     * @return the options of the forward
     */
    SqrtOptions options();

    /**
     * Returns the array the forward wrote its output C into (the caller's array, or a new one for the allocating overloads).
     *
     * @return the array the forward wrote its output C into (the caller's array, or a new one for the allocating overloads)
     */
    float[] output();

    /**
     * Returns the offset of the output within {@link #output()}.
     *
     * @return the offset of the output within {@link #output()}
     */
    int outputOffset();

    /**
     * Returns whether {@link #close()} has been called.
     *
     * @return whether {@link #close()} has been called
     */
    boolean isClosed();

    /** Releases what the handle holds. Idempotent; never throws. */
    @Override
    void close();

    /** Which forward made a handle. */
    enum Stage {
        /** {@link MatrixSqrtOp#sqrtForward}: Sigma to C. */
        SQRT,
        /** {@link MatrixSqrtOp#forward}: X to C, covariance included. */
        LAYER,
        /** {@link MatrixSqrtOp#whitenForward}: X to W = C (X - mean), C the inverse root of the covariance. */
        WHITEN
    }
}
