package org.isqrt4j.examples;

import java.util.List;
import java.util.Random;

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
public final class CovariancePoolingModel implements Model {
    private final MatrixSqrtOp op;
    private final SqrtOptions options;
    private final Projection projection;
    private final Linear classifier;
    private final int classes;

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
        this.op = op;
        this.options = options;
        this.classes = classes;
        this.projection = new Projection(cIn, d, new Param("W", d * cIn).gaussian(init, 1.0 / Math.sqrt(cIn)));
        int features = options.layout().elements(d);
        this.classifier = new Linear(features, classes, new Param("V", classes * features), new Param("b", classes));
    }

    @Override
    public String label() {
        return "isqrt-cov";
    }

    @Override
    public List<Param> parameters() {
        return List.of(projection.weight(), classifier.weight(), classifier.bias());
    }

    /**
     * Returns the 1x1 projection.
     *
     * @return the 1x1 projection
     */
    public Projection projection() {
        return projection;
    }

    /**
     * Returns the softmax classifier's linear layer.
     *
     * @return the softmax classifier's linear layer
     */
    public Linear classifier() {
        return classifier;
    }

    @Override
    public double[] logits(DataSet batch) {
        float[] x = toFloat(projection.forward(batch.features(), batch.count(), batch.positions()));
        try (ForwardHandle h = op.forward(batch.count(), projection.outChannels(), batch.positions(), options, x)) {
            return classifier.forward(toDouble(h.output()), batch.count());
        }
    }

    @Override
    public double loss(DataSet batch) {
        return SoftmaxCrossEntropy.lossAndGradient(logits(batch), batch.labels(), classes, null);
    }

    @Override
    public double lossAndGradients(DataSet batch) {
        for (Param p : parameters()) {
            p.zeroGrad();
        }
        int count = batch.count();
        int n = batch.positions();
        // The handle keeps a reference to x: it must not change before the backward below.
        float[] x = toFloat(projection.forward(batch.features(), count, n));
        try (ForwardHandle h = op.forward(count, projection.outChannels(), n, options, x)) {
            double[] c = toDouble(h.output());
            double[] logits = classifier.forward(c, count);
            double[] gradLogits = new double[logits.length];
            double loss = SoftmaxCrossEntropy.lossAndGradient(logits, batch.labels(), classes, gradLogits);
            double[] gradC = classifier.backward(c, gradLogits, count);
            float[] gradX = op.backward(h, toFloat(gradC));
            projection.backward(batch.features(), toDouble(gradX), count, n);
            return loss;
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
