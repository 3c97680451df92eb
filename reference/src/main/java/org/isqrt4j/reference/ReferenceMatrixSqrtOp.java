package org.isqrt4j.reference;

import org.isqrt4j.api.AbstractForwardHandle;
import org.isqrt4j.api.AbstractMatrixSqrtOp;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.api.Validation;

/**
 * The float64 reference back-end ({@code reference-ejml}): converts float32 to double at the boundary, runs
 * {@link ReferenceMath} sample by sample (the spectral Newton-Schulz forward and the Daleckii-Krein backward),
 * and rounds the result to float32 once. Slow and exact; meant as the ground truth for the other back-ends.
 * {@link #sqrtForward} reads Sigma as a general matrix, as the API says: a Sigma that is not exactly symmetric,
 * whose symmetric part the spectral form would silently use instead, goes through the plain iteration in double
 * and its step-by-step gradient.
 *
 * <p>Thread-safety: the op holds no mutable state besides its closed flag, so one instance may be shared by any
 * number of threads. Its handles are immutable after construction (a layer handle keeps a reference to the
 * caller's {@code x}, which must stay unchanged until the last backward).
 */
public final class ReferenceMatrixSqrtOp extends AbstractMatrixSqrtOp<ReferenceMatrixSqrtOp.Handle> {

    /** Creates the op; it holds no resources. */
    public ReferenceMatrixSqrtOp() {
        super(Handle.class);
    }

    @Override
    public String name() {
        return "reference-ejml";
    }

    @Override
    protected void doCovariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff) {
        for (int b = 0; b < batch; b++) {
            double[] s = ReferenceMath.covariance(toDouble(x, xOff + b * d * n, d * n), d, n);
            store(s, sigma, sigmaOff + b * d * d, "sigma", b);
        }
    }

    @Override
    protected void doCovarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                                        float[] gradX, int gxOff) {
        for (int b = 0; b < batch; b++) {
            double[] gx = ReferenceMath.covarianceBackward(toDouble(x, xOff + b * d * n, d * n), d, n,
                    toDouble(gradSigma, gOff + b * d * d, d * d));
            store(gx, gradX, gxOff + b * d * n, "gradX", b);
        }
    }

    @Override
    protected Handle doSqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff, float[] out,
                                   int outOff) {
        int dd = d * d;
        double[] saved = toDouble(sigma, sigmaOff, batch * dd);
        int per = options.layout().elements(d);
        for (int b = 0; b < batch; b++) {
            double[] sb = new double[dd];
            System.arraycopy(saved, b * dd, sb, 0, dd);
            double[] c;
            if (options.isPlainSqrt()) {
                c = isSymmetric(sb, d) ? ReferenceMath.sqrtSpectral(sb, d, options.iterations())
                        : ReferenceMath.sqrtIterative(sb, d, options.iterations());
            } else {
                checkInverse(sb, d, options, "sigma", b);
                c = isSymmetric(sb, d) ? ReferenceMath.rootSpectral(sb, d, options)
                        : ReferenceMath.rootIterative(sb, d, options);
            }
            storeOutput(c, d, options.layout(), out, outOff + b * per, b);
        }
        return new Handle(this, ForwardHandle.Stage.SQRT, batch, d, 0, options, out, outOff, saved, null, 0);
    }

    @Override
    protected void doSqrtBackward(Handle h, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        int d = h.d();
        int dd = d * d;
        int per = h.options().layout().elements(d);
        for (int b = 0; b < h.batch(); b++) {
            double[] sb = new double[dd];
            System.arraycopy(h.sigma, b * dd, sb, 0, dd);
            double[] gc = loadGradOut(gradOut, gOff + b * per, d, h.options().layout());
            SqrtOptions o = h.options();
            double[] gs;
            if (o.isPlainSqrt()) {
                gs = isSymmetric(sb, d) ? ReferenceMath.sqrtBackwardSpectral(sb, d, o.iterations(), gc)
                        : ReferenceMath.sqrtBackwardIterative(sb, d, o.iterations(), gc);
            } else {
                gs = isSymmetric(sb, d) ? ReferenceMath.rootBackwardSpectral(sb, d, o, gc)
                        : ReferenceMath.rootBackwardIterative(sb, d, o, gc);
            }
            store(gs, gradSigma, gsOff + b * dd, "gradSigma", b);
        }
    }

    @Override
    protected Handle doForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff, float[] out,
                               int outOff) {
        int per = options.layout().elements(d);
        for (int b = 0; b < batch; b++) {
            double[] xb = toDouble(x, xOff + b * d * n, d * n);
            double[] c;
            if (options.isPlainSqrt()) {
                c = ReferenceMath.layerForward(xb, d, n, options.iterations());
            } else {
                checkInverse(ReferenceMath.covariance(xb, d, n), d, options, "x", b);
                c = ReferenceMath.layerForward(xb, d, n, options);
            }
            storeOutput(c, d, options.layout(), out, outOff + b * per, b);
        }
        return new Handle(this, ForwardHandle.Stage.LAYER, batch, d, n, options, out, outOff, null, x, xOff);
    }

    @Override
    protected void doBackward(Handle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        int d = h.d();
        int n = h.n();
        int per = h.options().layout().elements(d);
        for (int b = 0; b < h.batch(); b++) {
            double[] xb = toDouble(h.x, h.xOff + b * d * n, d * n);
            double[] gc = loadGradOut(gradOut, gOff + b * per, d, h.options().layout());
            double[] gx = h.options().isPlainSqrt() ? ReferenceMath.layerBackward(xb, d, n, h.options().iterations(), gc)
                    : ReferenceMath.layerBackward(xb, d, n, h.options(), gc);
            store(gx, gradX, gxOff + b * d * n, "gradX", b);
        }
    }

    @Override
    protected Handle doWhitenForward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff, float[] out,
                                     int outOff) {
        for (int b = 0; b < batch; b++) {
            double[] xb = toDouble(x, xOff + b * d * n, d * n);
            checkInverse(ReferenceMath.covariance(xb, d, n), d, options, "x", b);
            store(ReferenceMath.whitenForward(xb, d, n, options), out, outOff + b * d * n, "output", b);
        }
        return new Handle(this, ForwardHandle.Stage.WHITEN, batch, d, n, options, out, outOff, null, x, xOff);
    }

    @Override
    protected void doWhitenBackward(Handle h, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        int d = h.d();
        int n = h.n();
        for (int b = 0; b < h.batch(); b++) {
            double[] xb = toDouble(h.x, h.xOff + b * d * n, d * n);
            double[] gx = ReferenceMath.whitenBackward(xb, d, n, h.options(), toDouble(gradOut, gOff + b * d * n, d * n));
            store(gx, gradX, gxOff + b * d * n, "gradX", b);
        }
    }

    /** The inverse root of a zero Sigma + eps I does not exist: the API's message, naming the sample. */
    private static void checkInverse(double[] sigma, int d, SqrtOptions o, String what, int sample) {
        if (o.root() == SqrtOptions.Root.INV_SQRT) {
            double[] s = ReferenceMath.regularised(sigma, d, o.epsilon());
            if (ReferenceMath.normaliser(s, d, o.normalisation()) == 0) {
                throw org.isqrt4j.api.Validation.zeroInverse(what, sample, o);
            }
        }
    }

    private static boolean isSymmetric(double[] m, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                if (m[i * d + j] != m[j * d + i]) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double[] toDouble(float[] a, int off, int len) {
        double[] r = new double[len];
        for (int i = 0; i < len; i++) {
            r[i] = a[off + i];
        }
        return r;
    }

    /** dL/dC in the forward's layout to a full d x d matrix; TRIU scatters into the upper triangle only. */
    private static double[] loadGradOut(float[] g, int off, int d, OutputLayout layout) {
        double[] v = toDouble(g, off, layout.elements(d));
        return layout == OutputLayout.TRIU ? ReferenceMath.unpackTriu(v, d) : v;
    }

    private static void storeOutput(double[] c, int d, OutputLayout layout, float[] out, int off, int sample) {
        store(layout == OutputLayout.TRIU ? ReferenceMath.packTriu(c, d) : c, out, off, "output", sample);
    }

    /**
     * Rounds to float32 once. A double result beyond the float range would leave the library as infinity, which
     * the API forbids for finite input, so it is reported instead of being silently saturated.
     */
    private static void store(double[] v, float[] dst, int off, String what, int sample) {
        for (int i = 0; i < v.length; i++) {
            float f = (float) v[i];
            if (!Float.isFinite(f)) {
                throw Validation.notRepresentable(what, sample, i, v[i],
                        "input too large, or the Newton-Schulz iteration diverged");
            }
            dst[off + i] = f;
        }
    }

    /**
     * What the backward needs: a double copy of Sigma for the square root, or the caller's x and its offset for
     * the layer (Sigma is recomputed from it, as the reference favours exactness and simplicity over speed).
     */
    public static final class Handle extends AbstractForwardHandle {
        private final double[] sigma;
        private final float[] x;
        private final int xOff;

        Handle(ReferenceMatrixSqrtOp owner, Stage stage, int batch, int d, int n, SqrtOptions options, float[] output,
               int outputOffset, double[] sigma, float[] x, int xOff) {
            super(owner, stage, batch, d, n, options, output, outputOffset);
            this.sigma = sigma;
            this.x = x;
            this.xOff = xOff;
        }
    }
}
