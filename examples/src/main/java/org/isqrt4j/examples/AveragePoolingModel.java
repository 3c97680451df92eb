package org.isqrt4j.examples;

import java.util.List;
import java.util.Random;

/**
 * First-order baseline: the same 1x1 projection W (c_in to d channels), global average pooling over positions,
 * then a linear softmax classifier on the d pooled values. Everything in double. Not thread-safe.
 */
public final class AveragePoolingModel implements Model {
    private final Projection projection;
    private final Linear classifier;
    private final int d;
    private final int classes;

    /**
     * Creates the model with a random projection.
     *
     * @param cIn     input channels
     * @param d       channels after the projection
     * @param classes number of classes
     * @param init    source of the initial projection (N(0, 1/c_in)); the classifier starts at zero
     */
    public AveragePoolingModel(int cIn, int d, int classes, Random init) {
        this.d = d;
        this.classes = classes;
        this.projection = new Projection(cIn, d, new Param("W", d * cIn).gaussian(init, 1.0 / Math.sqrt(cIn)));
        this.classifier = new Linear(d, classes, new Param("V", classes * d), new Param("b", classes));
    }

    @Override
    public String label() {
        return "avg-pool";
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
        double[] x = projection.forward(batch.features(), batch.count(), batch.positions());
        return classifier.forward(averagePool(x, batch.count(), batch.positions()), batch.count());
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
        double[] x = projection.forward(batch.features(), count, n);
        double[] pooled = averagePool(x, count, n);
        double[] logits = classifier.forward(pooled, count);
        double[] gradLogits = new double[logits.length];
        double loss = SoftmaxCrossEntropy.lossAndGradient(logits, batch.labels(), classes, gradLogits);
        double[] gradPooled = classifier.backward(pooled, gradLogits, count);
        // The mean spreads its gradient evenly: dL/dX[c][p] = dL/dh[c] / n at every position.
        double[] gradX = new double[x.length];
        for (int r = 0; r < count * d; r++) {
            double g = gradPooled[r] / n;
            for (int p = 0; p < n; p++) {
                gradX[r * n + p] = g;
            }
        }
        projection.backward(batch.features(), gradX, count, n);
        return loss;
    }

    private double[] averagePool(double[] x, int count, int n) {
        double[] h = new double[count * d];
        for (int r = 0; r < count * d; r++) {
            double acc = 0;
            for (int p = 0; p < n; p++) {
                acc += x[r * n + p];
            }
            h[r] = acc / n;
        }
        return h;
    }
}
