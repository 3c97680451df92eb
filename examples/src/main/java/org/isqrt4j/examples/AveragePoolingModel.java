package org.isqrt4j.examples;

import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * First-order baseline: the same 1x1 projection W (c_in to d channels), global average pooling over positions,
 * then a linear softmax classifier on the d pooled values. Everything in double. Not thread-safe.
 */
public final class AveragePoolingModel extends PooledClassifier {
    private final int d;

    /**
     * Creates the model with a random projection.
     *
     * @param cIn     input channels
     * @param d       channels after the projection
     * @param classes number of classes
     * @param init    source of the initial projection (N(0, 1/c_in)); the classifier starts at zero
     */
    public AveragePoolingModel(int cIn, int d, int classes, Random init) {
        super("avg-pool", cIn, d, d, classes, init);
        this.d = d;
    }

    @Override
    protected double[] pool(double[] x, int count, int n) {
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

    @Override
    protected double[] poolAndBackward(double[] x, int count, int n, UnaryOperator<double[]> head) {
        double[] gradPooled = head.apply(pool(x, count, n));
        // The mean spreads its gradient evenly: dL/dX[c][p] = dL/dh[c] / n at every position.
        double[] gradX = new double[x.length];
        for (int r = 0; r < count * d; r++) {
            double g = gradPooled[r] / n;
            for (int p = 0; p < n; p++) {
                gradX[r * n + p] = g;
            }
        }
        return gradX;
    }
}
