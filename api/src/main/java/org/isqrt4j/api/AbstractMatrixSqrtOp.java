package org.isqrt4j.api;

/**
 * Validation and lifecycle shared by every back-end: each public method checks the closed state, the shapes,
 * the array lengths and offsets, the finiteness of inputs and gradients, and the handle's owner and stage,
 * then calls the matching {@code do...} method with arguments it may trust (kernels only assert).
 *
 * @param <H> the back-end's handle type
 */
public abstract class AbstractMatrixSqrtOp<H extends AbstractForwardHandle> implements MatrixSqrtOp {
    private final Class<H> handleType;
    private volatile boolean closed;

    /**
     * Creates an open op.
     *
     * @param handleType the back-end's handle class, for checking handles passed to backward
     */
    protected AbstractMatrixSqrtOp(Class<H> handleType) {
        this.handleType = handleType;
    }

    /**
     * Fails once the op is closed; every public call starts with it.
     *
     * @throws IllegalStateException if closed
     */
    protected final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(name() + " is closed");
        }
    }

    /**
     * Returns whether {@link #close()} has been called.
     *
     * @return whether {@link #close()} has been called
     */
    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final void covariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff) {
        ensureOpen();
        Validation.checkDims(batch, d, n);
        String shape = Validation.shape(batch, d, n);
        int perX = Validation.product("d*n", d, n);
        Validation.checkArray("x", x, xOff, Validation.product("batch*d*n", batch, d, n), shape);
        Validation.checkArray("sigma", sigma, sigmaOff, Validation.product("batch*d*d", batch, d, d), shape);
        Validation.checkFinite("x", x, xOff, perX, batch);
        doCovariance(batch, d, n, x, xOff, sigma, sigmaOff);
    }

    @Override
    public final void covarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                                         float[] gradX, int gxOff) {
        ensureOpen();
        Validation.checkDims(batch, d, n);
        String shape = Validation.shape(batch, d, n);
        int totalX = Validation.product("batch*d*n", batch, d, n);
        Validation.checkArray("x", x, xOff, totalX, shape);
        Validation.checkArray("gradSigma", gradSigma, gOff, Validation.product("batch*d*d", batch, d, d), shape);
        Validation.checkArray("gradX", gradX, gxOff, totalX, shape);
        Validation.checkFinite("x", x, xOff, d * n, batch);
        Validation.checkFinite("gradSigma", gradSigma, gOff, d * d, batch);
        doCovarianceBackward(batch, d, n, x, xOff, gradSigma, gOff, gradX, gxOff);
    }

    @Override
    public final ForwardHandle sqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                           float[] out, int outOff) {
        ensureOpen();
        checkOptions(options);
        Validation.checkDims(batch, d, 1);
        String shape = Validation.shape(batch, d);
        int dd = Validation.product("d*d", d, d);
        Validation.checkArray("sigma", sigma, sigmaOff, Validation.product("batch*d*d", batch, d, d), shape);
        int perOut = options.layout().elements(d);
        Validation.checkArray("out", out, outOff, Validation.product("batch*outputElements", batch, perOut), shape);
        Validation.checkFinite("sigma", sigma, sigmaOff, dd, batch);
        for (int b = 0; b < batch; b++) {
            double tr = 0;
            for (int i = 0; i < d; i++) {
                tr += sigma[sigmaOff + b * dd + i * d + i];
            }
            if (tr < 0) {
                throw new IllegalArgumentException("sigma sample " + b + " has negative trace " + tr
                        + ": not positive semi-definite (shape " + shape + ")");
            }
            if (tr == 0) {
                // A positive semi-definite matrix with zero trace has only zero eigenvalues: it is the zero matrix.
                int base = sigmaOff + b * dd;
                for (int i = 0; i < dd; i++) {
                    if (sigma[base + i] != 0f) {
                        throw new IllegalArgumentException("sigma sample " + b + " has zero trace but element ("
                                + (i / d) + ", " + (i % d) + ") = " + sigma[base + i]
                                + ": not positive semi-definite, since a positive semi-definite matrix with zero"
                                + " trace is zero (shape " + shape + ")");
                    }
                }
            }
        }
        return doSqrtForward(batch, d, options, sigma, sigmaOff, out, outOff);
    }

    @Override
    public final void sqrtBackward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        ensureOpen();
        H h = checkHandle(handle, ForwardHandle.Stage.SQRT);
        int batch = h.batch();
        int d = h.d();
        String shape = Validation.shape(batch, d);
        int perOut = h.options().layout().elements(d);
        Validation.checkArray("gradOut", gradOut, gOff, Validation.product("batch*outputElements", batch, perOut), shape);
        Validation.checkArray("gradSigma", gradSigma, gsOff, Validation.product("batch*d*d", batch, d, d), shape);
        Validation.checkFinite("gradOut", gradOut, gOff, perOut, batch);
        doSqrtBackward(h, gradOut, gOff, gradSigma, gsOff);
    }

    @Override
    public final ForwardHandle forward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                       float[] out, int outOff) {
        ensureOpen();
        checkOptions(options);
        Validation.checkDims(batch, d, n);
        String shape = Validation.shape(batch, d, n);
        Validation.checkArray("x", x, xOff, Validation.product("batch*d*n", batch, d, n), shape);
        int perOut = options.layout().elements(d);
        Validation.checkArray("out", out, outOff, Validation.product("batch*outputElements", batch, perOut), shape);
        Validation.checkFinite("x", x, xOff, d * n, batch);
        long[] sums = savedInputSums(options, x, xOff, batch, d * n);
        return withSavedInput(doForward(batch, d, n, options, x, xOff, out, outOff), x, xOff, sums);
    }

    @Override
    public final void backward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        ensureOpen();
        H h = checkHandle(handle, ForwardHandle.Stage.LAYER);
        int batch = h.batch();
        int d = h.d();
        int n = h.n();
        String shape = Validation.shape(batch, d, n);
        int perOut = h.options().layout().elements(d);
        Validation.checkArray("gradOut", gradOut, gOff, Validation.product("batch*outputElements", batch, perOut), shape);
        Validation.checkArray("gradX", gradX, gxOff, Validation.product("batch*d*n", batch, d, n), shape);
        Validation.checkFinite("gradOut", gradOut, gOff, perOut, batch);
        verifySavedInput(h);
        doBackward(h, gradOut, gOff, gradX, gxOff);
    }

    @Override
    public final ForwardHandle whitenForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                             float[] out, int outOff) {
        ensureOpen();
        Validation.checkWhitenOptions(options);
        Validation.checkDims(batch, d, n);
        String shape = Validation.shape(batch, d, n);
        int total = Validation.product("batch*d*n", batch, d, n);
        Validation.checkArray("x", x, xOff, total, shape);
        Validation.checkArray("out", out, outOff, total, shape);
        if (out == x && outOff < xOff + total && xOff < outOff + total) {
            throw new IllegalArgumentException("out overlaps x (shape " + shape + "): the handle keeps x for the backward");
        }
        Validation.checkFinite("x", x, xOff, d * n, batch);
        long[] sums = savedInputSums(options, x, xOff, batch, d * n);
        return withSavedInput(doWhitenForward(batch, d, n, options, x, xOff, out, outOff), x, xOff, sums);
    }

    @Override
    public final void whitenBackward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        ensureOpen();
        H h = checkHandle(handle, ForwardHandle.Stage.WHITEN);
        int batch = h.batch();
        int d = h.d();
        int n = h.n();
        String shape = Validation.shape(batch, d, n);
        int total = Validation.product("batch*d*n", batch, d, n);
        Validation.checkArray("gradOut", gradOut, gOff, total, shape);
        Validation.checkArray("gradX", gradX, gxOff, total, shape);
        if (gradX == gradOut && gxOff < gOff + total && gOff < gxOff + total) {
            throw new IllegalArgumentException("gradX overlaps gradOut (shape " + shape + ")");
        }
        Validation.checkFinite("gradOut", gradOut, gOff, d * n, batch);
        verifySavedInput(h);
        doWhitenBackward(h, gradOut, gOff, gradX, gxOff);
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            doClose();
        }
    }

    /**
     * The checksum of one sample's input that the layer's handle keeps for the saved-input check
     * ({@link SqrtOptions#withSavedInputCheck(boolean)}): {@link Validation#checksum} unless a back-end has a
     * faster one. The forward and every backward of one op use the same method, so the values need only agree
     * within one op.
     *
     * @param x   the input array
     * @param off offset of the sample
     * @param len floats in the sample (d*n)
     * @return the sample's checksum
     */
    protected long savedInputChecksum(float[] x, int off, int len) {
        return Validation.checksum(x, off, len);
    }

    /** Per-sample checksums of x when the options ask for the saved-input check, else null. */
    private long[] savedInputSums(SqrtOptions options, float[] x, int xOff, int batch, int perX) {
        if (!options.savedInputCheck()) {
            return null;
        }
        long[] sums = new long[batch];
        for (int b = 0; b < batch; b++) {
            sums[b] = savedInputChecksum(x, xOff + b * perX, perX);
        }
        return sums;
    }

    private H withSavedInput(H h, float[] x, int xOff, long[] sums) {
        if (sums != null) {
            h.recordSavedInput(x, xOff, sums);
        }
        return h;
    }

    /** Fails if the caller changed any sample of the input saved by the handle's forward. */
    private void verifySavedInput(H h) {
        long[] sums = h.savedInputSums();
        if (sums == null) {
            return;
        }
        float[] x = h.savedInput();
        int off = h.savedInputOffset();
        int per = h.d() * h.n();
        for (int b = 0; b < sums.length; b++) {
            if (savedInputChecksum(x, off + b * per, per) != sums[b]) {
                throw new IllegalStateException("x of sample " + b + " changed between forward and backward (shape "
                        + Validation.shape(h.batch(), h.d(), h.n()) + ", flat indices " + (off + b * per) + " to "
                        + (off + (b + 1) * per - 1) + "): the layer's handle keeps a reference to x, whose region must"
                        + " stay unchanged until the last backward; copy it before reusing the buffer, or turn the"
                        + " check off with SqrtOptions.withSavedInputCheck(false) if the change is intended");
            }
        }
    }

    private static void checkOptions(SqrtOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
    }

    private H checkHandle(ForwardHandle handle, ForwardHandle.Stage stage) {
        if (handle == null) {
            throw new IllegalArgumentException("handle must not be null");
        }
        if (!handleType.isInstance(handle) || ((AbstractForwardHandle) handle).owner() != this) {
            throw new IllegalArgumentException("handle " + handle + " was not made by this op (" + name() + ")");
        }
        if (handle.stage() != stage) {
            throw new IllegalArgumentException("handle is from the " + handle.stage() + " forward, this backward needs "
                    + stage);
        }
        if (handle.isClosed()) {
            throw new IllegalStateException("handle " + handle + " is closed");
        }
        return handleType.cast(handle);
    }

    /**
     * Covariance on validated arguments.
     * @param batch B
     * @param d d
     * @param n n
     * @param x x
     * @param xOff off
     * @param sigma out
     * @param sigmaOff off
     */
    protected abstract void doCovariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff);

    /**
     * Covariance backward on validated arguments.
     * @param batch B
     * @param d d
     * @param n n
     * @param x x
     * @param xOff off
     * @param gradSigma g
     * @param gOff off
     * @param gradX out
     * @param gxOff off
     */
    protected abstract void doCovarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma,
                                                 int gOff, float[] gradX, int gxOff);

    /**
     * Square-root forward on validated arguments.
     * @param batch B
     * @param d d
     * @param options o
     * @param sigma s
     * @param sigmaOff off
     * @param out out
     * @param outOff off
     * @return the handle
     */
    protected abstract H doSqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                       float[] out, int outOff);

    /**
     * Square-root backward on validated arguments.
     * @param handle h
     * @param gradOut g
     * @param gOff off
     * @param gradSigma out
     * @param gsOff off
     */
    protected abstract void doSqrtBackward(H handle, float[] gradOut, int gOff, float[] gradSigma, int gsOff);

    /**
     * Layer forward on validated arguments.
     * @param batch B
     * @param d d
     * @param n n
     * @param options o
     * @param x x
     * @param xOff off
     * @param out out
     * @param outOff off
     * @return the handle
     */
    protected abstract H doForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                   float[] out, int outOff);

    /**
     * Layer backward on validated arguments.
     * @param handle h
     * @param gradOut g
     * @param gOff off
     * @param gradX out
     * @param gxOff off
     */
    protected abstract void doBackward(H handle, float[] gradOut, int gOff, float[] gradX, int gxOff);

    /**
     * Whitening forward on validated arguments (options checked by {@link Validation#checkWhitenOptions}).
     * The default throws {@link UnsupportedOperationException}; the shipped back-ends override it.
     * @param batch B
     * @param d d
     * @param n n
     * @param options o
     * @param x x
     * @param xOff off
     * @param out W
     * @param outOff off
     * @return the handle
     */
    protected H doWhitenForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " does not implement whitening");
    }

    /**
     * Whitening backward on validated arguments.
     * @param handle h
     * @param gradOut dL/dW
     * @param gOff off
     * @param gradX out
     * @param gxOff off
     */
    protected void doWhitenBackward(H handle, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        throw new UnsupportedOperationException(name() + " does not implement whitening");
    }

    /** Releases the back-end's resources; called once, by the first {@link #close()}. */
    protected void doClose() {
    }
}
