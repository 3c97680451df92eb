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
        return doForward(batch, d, n, options, x, xOff, out, outOff);
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
        return doWhitenForward(batch, d, n, options, x, xOff, out, outOff);
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
        doWhitenBackward(h, gradOut, gOff, gradX, gxOff);
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            doClose();
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
