package org.isqrt4j.examples;

import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * What both example models share: a 1x1 projection W (c_in to d channels), a pooling step over positions that
 * subclasses supply, and a linear softmax classifier on the pooled features, trained with softmax cross-entropy.
 * Not thread-safe.
 */
public abstract class PooledClassifier implements Model {
    private final String label;
    private final Projection projection;
    private final Linear classifier;
    private final int classes;

    /**
     * Creates the projection (random) and the classifier (zero).
     *
     * @param label    a short label for printing
     * @param cIn      input channels
     * @param d        channels after the projection
     * @param features pooled features per sample, the classifier's input
     * @param classes  number of classes
     * @param init     source of the initial projection (N(0, 1/c_in))
     */
    protected PooledClassifier(String label, int cIn, int d, int features, int classes, Random init) {
        this.label = label;
        this.classes = classes;
        this.projection = new Projection(cIn, d, new Param("W", d * cIn).gaussian(init, 1.0 / Math.sqrt(cIn)));
        this.classifier = new Linear(features, classes, new Param("V", classes * features), new Param("b", classes));
    }

    /**
     * Pools projected features, forward only.
     *
     * @param x     projected features, count x d x n
     * @param count samples
     * @param n     positions
     * @return pooled features, count x features
     */
    protected abstract double[] pool(double[] x, int count, int n);

    /**
     * Pools, hands the pooled features to the classifier head, and returns the gradient that comes back through
     * the pooling.
     *
     * @param x     projected features, count x d x n
     * @param count samples
     * @param n     positions
     * @param head  takes the pooled features, returns dL/d(pooled)
     * @return dL/dx, count x d x n
     */
    protected abstract double[] poolAndBackward(double[] x, int count, int n, UnaryOperator<double[]> head);

    @Override
    public String label() {
        return label;
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
        return classifier.forward(pool(x, batch.count(), batch.positions()), batch.count());
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
        double[] loss = new double[1];
        double[] gradX = poolAndBackward(x, count, n, pooled -> {
            double[] logits = classifier.forward(pooled, count);
            double[] gradLogits = new double[logits.length];
            loss[0] = SoftmaxCrossEntropy.lossAndGradient(logits, batch.labels(), classes, gradLogits);
            return classifier.backward(pooled, gradLogits, count);
        });
        projection.backward(batch.features(), gradX, count, n);
        return loss[0];
    }
}
