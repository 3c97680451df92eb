package org.isqrt4j.api;

/**
 * The iSQRT-COV layer: global covariance pooling followed by the normalised matrix square root computed with
 * the coupled Newton-Schulz iteration, forward and backward, on a batch of samples.
 *
 * <h2>Layout</h2>
 * All arrays are row-major float32, sample-major, in PyTorch's (B, C, H*W) layout:
 * <ul>
 *   <li>input X: {@code x[xOff + (b*d + c)*n + p]}, B x d x n;</li>
 *   <li>covariance Sigma and FULL output C: {@code b*d*d + i*d + j};</li>
 *   <li>TRIU output: {@code b*d*(d+1)/2 + k}, the upper triangle row by row.</li>
 * </ul>
 * Gradients have the shape and layout of the value they are the gradient of.
 *
 * <h2>Maths</h2>
 * Sigma = (1/n) Xc Xc^T with Xc = X minus the per-channel mean; tau = tr(Sigma); A = Sigma/tau;
 * Y0 = A, Z0 = I, K times T = (3I - ZY)/2, Y = YT, Z = TZ; C = sqrt(tau) Y_K. The backward is the exact
 * gradient of what the forward computes, for any incoming gradient (symmetric or not). {@link SqrtOptions}
 * also selects the inverse root C = Z_K / sqrt(nu), Frobenius pre-normalisation and a regularisation
 * Sigma + eps I; {@link #whitenForward} whitens X with the inverse root.
 *
 * <h2>Errors</h2>
 * Every entry point validates before it computes: null arrays, non-positive dimensions, arrays too short for
 * the shape and offset, and K &lt; 1 throw {@link IllegalArgumentException} naming the expected and actual sizes;
 * NaN or infinity in X, Sigma or an incoming gradient throws {@link IllegalArgumentException} naming the sample.
 * A sample whose trace is exactly 0 (constant features, e.g. all-zero after ReLU) gives a zero output and a zero
 * gradient, never NaN. A Sigma with negative trace (not positive semi-definite) is rejected.
 * Calls on a closed op throw {@link IllegalStateException}. Back-end failures throw {@link Isqrt4jException}.
 * Nothing is ever written outside the documented output region, and inputs are never modified.
 *
 * <h2>Threads</h2>
 * Implementations say in their class documentation whether one instance may be shared by threads; the
 * back-ends shipped with isqrt4j all allow it.
 */
public interface MatrixSqrtOp extends AutoCloseable {

    /**
     * Returns which back-end runs, e.g. {@code cpu-vector[512-bit]}, {@code cpu-scalar}, {@code reference-ejml}.
     *
     * @return which back-end runs, e.g. {@code cpu-vector[512-bit]}, {@code cpu-scalar}, {@code reference-ejml}
     */
    String name();

    // ---------------------------------------------------------------- covariance

    /**
     * Covariance pooling: Sigma_b = (1/n) Xc_b Xc_b^T.
     *
     * @param batch    B &gt;= 1
     * @param d        channels &gt;= 1
     * @param n        positions &gt;= 1
     * @param x        input, B*d*n floats from xOff
     * @param xOff     offset into x
     * @param sigma    output, B*d*d floats from sigmaOff
     * @param sigmaOff offset into sigma
     */
    void covariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff);

    /**
     * Allocating form of {@link #covariance(int, int, int, float[], int, float[], int)}.
     *
     * @param batch B
     * @param d channels
     * @param n positions
     * @param x input from offset 0
     * @return a new B*d*d array
     */
    default float[] covariance(int batch, int d, int n, float[] x) {
        Validation.checkDims(batch, d, n);
        // The input first: a short x must be reported before an output of its claimed shape is allocated.
        Validation.checkArray("x", x, 0, Validation.product("batch*d*n", batch, d, n), Validation.shape(batch, d, n));
        float[] out = new float[Validation.product("batch*d*d", batch, d, d)];
        covariance(batch, d, n, x, 0, out, 0);
        return out;
    }

    /**
     * Covariance backward: dL/dX = (G + G^T) Xc / n for any G = dL/dSigma.
     *
     * @param batch   B
     * @param d channels
     * @param n positions
     * @param x       the forward's input, B*d*n from xOff
     * @param xOff    offset into x
     * @param gradSigma dL/dSigma, B*d*d from gOff
     * @param gOff    offset into gradSigma
     * @param gradX   output dL/dX, B*d*n from gxOff
     * @param gxOff   offset into gradX
     */
    void covarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                            float[] gradX, int gxOff);

    /**
     * Allocating form of {@link #covarianceBackward(int, int, int, float[], int, float[], int, float[], int)}.
     *
     * @param batch B
     * @param d channels
     * @param n positions
     * @param x input
     * @param gradSigma dL/dSigma
     * @return a new B*d*n array dL/dX
     */
    default float[] covarianceBackward(int batch, int d, int n, float[] x, float[] gradSigma) {
        Validation.checkDims(batch, d, n);
        Validation.checkArray("x", x, 0, Validation.product("batch*d*n", batch, d, n), Validation.shape(batch, d, n));
        Validation.checkArray("gradSigma", gradSigma, 0, Validation.product("batch*d*d", batch, d, d),
                Validation.shape(batch, d, n));
        float[] out = new float[Validation.product("batch*d*n", batch, d, n)];
        covarianceBackward(batch, d, n, x, 0, gradSigma, 0, out, 0);
        return out;
    }

    // ---------------------------------------------------------------- square root alone

    /**
     * Normalised square root of given matrices: C = sqrt(tr Sigma) NS_K(Sigma / tr Sigma).
     * Sigma is read as a general d x d matrix (the iteration is a polynomial in it); the usual input is symmetric
     * positive semi-definite.
     *
     * <p>What is checked: every value finite, tr(Sigma) &gt;= 0, and a sample with zero trace must be the zero
     * matrix (a positive semi-definite matrix with zero trace is zero; its output and gradient are zero). Anything
     * else with zero trace, such as diag(1, -1), is rejected as not positive semi-definite. What is promised for a
     * matrix that is not symmetric positive semi-definite (for instance a non-symmetric one): the same K coupled
     * steps on A = Sigma / tr(Sigma) and, from {@link #sqrtBackward}, the exact gradient of that computation. The
     * result approximates a square root only when every eigenvalue of A lies where the scalar iteration converges
     * (real and in (0, 1] for certain); nothing checks that, and a result that overflows float32 is rejected with
     * {@link IllegalArgumentException} rather than returned.
     *
     * @param batch    B &gt;= 1
     * @param d        channels &gt;= 1
     * @param options  iterations and output layout
     * @param sigma    B*d*d floats from sigmaOff
     * @param sigmaOff offset into sigma
     * @param out      output, B*options.layout().elements(d) floats from outOff
     * @param outOff   offset into out
     * @return the handle for {@link #sqrtBackward}
     * @throws IllegalArgumentException for bad shapes or arrays, a non-finite value, a negative trace, a non-zero
     *                                  sample with zero trace, or a result beyond the float range
     */
    ForwardHandle sqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff, float[] out, int outOff);

    /**
     * Allocating form of {@link #sqrtForward(int, int, SqrtOptions, float[], int, float[], int)}; the output is
     * {@link ForwardHandle#output()}.
     *
     * @param batch B
     * @param d channels
     * @param options K and layout
     * @param sigma input from offset 0
     * @return the handle, holding a new output array
     */
    default ForwardHandle sqrtForward(int batch, int d, SqrtOptions options, float[] sigma) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        Validation.checkDims(batch, d, 1);
        Validation.checkArray("sigma", sigma, 0, Validation.product("batch*d*d", batch, d, d), Validation.shape(batch, d));
        float[] out = new float[Validation.product("batch*outputElements", batch, options.layout().elements(d))];
        return sqrtForward(batch, d, options, sigma, 0, out, 0);
    }

    /**
     * Exact gradient of the square root: dL/dSigma from dL/dC, for any dL/dC (not necessarily symmetric).
     *
     * @param handle    from this op's {@link #sqrtForward}
     * @param gradOut   dL/dC in the forward's layout, B*elements from gOff
     * @param gOff      offset into gradOut
     * @param gradSigma output dL/dSigma, B*d*d from gsOff
     * @param gsOff     offset into gradSigma
     */
    void sqrtBackward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradSigma, int gsOff);

    /**
     * Allocating form of {@link #sqrtBackward(ForwardHandle, float[], int, float[], int)}.
     *
     * @param handle from {@link #sqrtForward}
     * @param gradOut dL/dC from offset 0
     * @return a new B*d*d array dL/dSigma
     */
    default float[] sqrtBackward(ForwardHandle handle, float[] gradOut) {
        if (handle == null) {
            throw new IllegalArgumentException("handle must not be null");
        }
        float[] out = new float[Validation.product("batch*d*d", handle.batch(), handle.d(), handle.d())];
        sqrtBackward(handle, gradOut, 0, out, 0);
        return out;
    }

    // ---------------------------------------------------------------- whole layer

    /**
     * The whole layer X to C. The handle keeps a reference to x: leave that region unchanged until the last
     * backward. With {@link SqrtOptions#savedInputCheck()} on (the default) the handle also keeps a checksum of
     * each sample's region, and the backward throws {@link IllegalStateException} naming the first sample whose x
     * changed in between, instead of returning a gradient of data the forward never saw.
     *
     * @param batch   B
     * @param d channels
     * @param n positions
     * @param options iterations and output layout
     * @param x       input, B*d*n from xOff
     * @param xOff    offset into x
     * @param out     output, B*options.layout().elements(d) from outOff
     * @param outOff  offset into out
     * @return the handle for {@link #backward}
     */
    ForwardHandle forward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff, float[] out, int outOff);

    /**
     * Allocating form of {@link #forward(int, int, int, SqrtOptions, float[], int, float[], int)}; the output is
     * {@link ForwardHandle#output()}.
     *
     * @param batch B
     * @param d channels
     * @param n positions
     * @param options K and layout
     * @param x input
     * @return the handle, holding a new output array
     */
    default ForwardHandle forward(int batch, int d, int n, SqrtOptions options, float[] x) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        Validation.checkDims(batch, d, n);
        Validation.checkArray("x", x, 0, Validation.product("batch*d*n", batch, d, n), Validation.shape(batch, d, n));
        float[] out = new float[Validation.product("batch*outputElements", batch, options.layout().elements(d))];
        return forward(batch, d, n, options, x, 0, out, 0);
    }

    /**
     * Exact gradient of the whole layer: dL/dX from dL/dC, for any dL/dC.
     *
     * @param handle  from this op's {@link #forward}
     * @param gradOut dL/dC in the forward's layout, from gOff
     * @param gOff    offset into gradOut
     * @param gradX   output dL/dX, B*d*n from gxOff
     * @param gxOff   offset into gradX
     * @throws IllegalStateException if the handle is closed, or (with the saved-input check on) if the caller
     *                               changed x between the forward and this backward
     */
    void backward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradX, int gxOff);

    /**
     * Allocating form of {@link #backward(ForwardHandle, float[], int, float[], int)}.
     *
     * @param handle from {@link #forward}
     * @param gradOut dL/dC from offset 0
     * @return a new B*d*n array dL/dX
     */
    default float[] backward(ForwardHandle handle, float[] gradOut) {
        if (handle == null) {
            throw new IllegalArgumentException("handle must not be null");
        }
        float[] out = new float[Validation.product("batch*d*n", handle.batch(), handle.d(), handle.n())];
        backward(handle, gradOut, 0, out, 0);
        return out;
    }

    // ---------------------------------------------------------------- ZCA whitening

    /**
     * ZCA whitening of each sample: W = C (X - mean) with C = Z_K / sqrt(nu) the Newton-Schulz inverse square
     * root of Sigma + eps I (Sigma the sample's covariance, nu its trace or Frobenius norm, see
     * {@link SqrtOptions}), so W W^T / n approaches I as K grows on full-rank input. W has X's shape, d x n
     * per sample. Group whitening (IterNorm's per-channel-group form over a mini-batch) lays each group out as
     * one (d, n) sample. The handle keeps a reference to x: leave that region unchanged until the last backward
     * (checked, as for {@link #forward}, unless {@link SqrtOptions#savedInputCheck()} is off). A sample whose Sigma + eps I is zero (constant features with eps = 0) has no inverse root and is
     * rejected; set eps &gt; 0 to whiten such inputs (they give W = 0).
     *
     * @param batch   B &gt;= 1
     * @param d       channels &gt;= 1
     * @param n       positions &gt;= 1
     * @param options K, eps and pre-normalisation; the root must be {@link SqrtOptions.Root#INV_SQRT} and the
     *                layout {@link OutputLayout#FULL}
     * @param x       input, B*d*n floats from xOff
     * @param xOff    offset into x
     * @param out     output W, B*d*n floats from outOff; must not overlap x
     * @param outOff  offset into out
     * @return the handle for {@link #whitenBackward}
     * @throws UnsupportedOperationException if the back-end does not implement whitening (every back-end
     *                                       shipped with isqrt4j does)
     */
    default ForwardHandle whitenForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff,
                                        float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " does not implement whitening");
    }

    /**
     * Allocating form of {@link #whitenForward(int, int, int, SqrtOptions, float[], int, float[], int)}; W is
     * {@link ForwardHandle#output()}.
     *
     * @param batch B
     * @param d channels
     * @param n positions
     * @param options K, eps, pre-normalisation; root INV_SQRT, layout FULL
     * @param x input from offset 0
     * @return the handle, holding a new B*d*n output array
     */
    default ForwardHandle whitenForward(int batch, int d, int n, SqrtOptions options, float[] x) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        Validation.checkDims(batch, d, n);
        Validation.checkArray("x", x, 0, Validation.product("batch*d*n", batch, d, n), Validation.shape(batch, d, n));
        float[] out = new float[Validation.product("batch*d*n", batch, d, n)];
        return whitenForward(batch, d, n, options, x, 0, out, 0);
    }

    /**
     * Exact gradient of the whitening: dL/dX from dL/dW (any d x n matrix per sample), through the inverse root,
     * its pre-normalisation and eps, the covariance and the centring.
     *
     * @param handle  from this op's {@link #whitenForward}
     * @param gradOut dL/dW, B*d*n from gOff
     * @param gOff    offset into gradOut
     * @param gradX   output dL/dX, B*d*n from gxOff
     * @param gxOff   offset into gradX
     * @throws UnsupportedOperationException if the back-end does not implement whitening
     */
    default void whitenBackward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        throw new UnsupportedOperationException(name() + " does not implement whitening");
    }

    /**
     * Allocating form of {@link #whitenBackward(ForwardHandle, float[], int, float[], int)}.
     *
     * @param handle from {@link #whitenForward}
     * @param gradOut dL/dW from offset 0
     * @return a new B*d*n array dL/dX
     */
    default float[] whitenBackward(ForwardHandle handle, float[] gradOut) {
        if (handle == null) {
            throw new IllegalArgumentException("handle must not be null");
        }
        float[] out = new float[Validation.product("batch*d*n", handle.batch(), handle.d(), handle.n())];
        whitenBackward(handle, gradOut, 0, out, 0);
        return out;
    }

    /** Releases the op's resources (thread pools, device contexts). Idempotent. Later calls throw IllegalStateException. */
    @Override
    void close();
}
