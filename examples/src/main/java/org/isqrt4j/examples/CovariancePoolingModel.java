package org.isqrt4j.examples;

import java.util.Random;
import java.util.function.UnaryOperator;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.SqrtOptions;

/**
 * Second-order classifier: 1x1 projection W (c_in to d channels), the iSQRT-COV layer (covariance pooling and
 * Newton-Schulz square root, from isqrt4j), then a linear softmax classifier on C in the layer's output layout
 * (the d(d+1)/2 upper-triangle values for {@link org.isqrt4j.api.OutputLayout#TRIU}).
 *
 * <p>The projection and the classifier run in double; the layer runs in float32, so X is rounded to float on the
 * way in and dL/dC on the way back. Not thread-safe.
 */
public final class CovariancePoolingModel extends PooledClassifier {
    private final MatrixSqrtOp op;
    private final SqrtOptions options;
    private final int d;

    /**
     * Creates the model with a random projection.
     *
     * @param op       the layer's back-end (not closed by this model)
     * @param options  Newton-Schulz iterations and output layout
     * @param cIn      input channels
     * @param d        channels after the projection, the size of the covariance
     * @param classes  number of classes
     * @param init     source of the initial projection (N(0, 1/c_in)); the classifier starts at zero
     */
    public CovariancePoolingModel(MatrixSqrtOp op, SqrtOptions options, int cIn, int d, int classes, Random init) {
        super("isqrt-cov", cIn, d, options.layout().elements(d), classes, init);
        this.op = op;
        this.options = options;
        this.d = d;
    }

    @Override
    protected double[] pool(double[] x, int count, int n) {
        try (ForwardHandle h = op.forward(count, d, n, options, toFloat(x))) {
            return toDouble(h.output());
        }
    }

    @Override
    protected double[] poolAndBackward(double[] x, int count, int n, UnaryOperator<double[]> head) {
        // The handle keeps a reference to the float copy of x: it must not change before the backward below.
        try (ForwardHandle h = op.forward(count, d, n, options, toFloat(x))) {
            double[] gradC = head.apply(toDouble(h.output()));
            return toDouble(op.backward(h, toFloat(gradC)));
        }
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
