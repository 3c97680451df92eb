package org.isqrt4j.examples;

/**
 * A 1x1 convolution: the same linear map W (out x in) applied at every position, X = W F per sample, where F is
 * in x n and X is out x n. No bias: the covariance layer removes per-channel means anyway.
 * Not thread-safe (it owns its parameter's gradient).
 */
public final class Projection {
    private final int in;
    private final int out;
    private final Param weight;

    /**
     * Wraps an existing weight.
     *
     * @param in     input channels
     * @param out    output channels
     * @param weight out*in values, row-major
     */
    public Projection(int in, int out, Param weight) {
        if (weight.size() != in * out) {
            throw new IllegalArgumentException("weight has " + weight.size() + " values, expected " + in + "*" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = weight;
    }

    /**
     * Returns the weight W.
     *
     * @return W, out x in
     */
    public Param weight() {
        return weight;
    }

    /**
     * Returns the output channel count.
     *
     * @return output channels
     */
    public int outChannels() {
        return out;
    }

    /**
     * X_s = W F_s for every sample.
     *
     * @param f     features, count x in x n
     * @param count number of samples
     * @param n     positions per sample
     * @return X, count x out x n
     */
    public double[] forward(float[] f, int count, int n) {
        double[] w = weight.value();
        double[] x = new double[count * out * n];
        for (int s = 0; s < count; s++) {
            int fs = s * in * n;
            int xs = s * out * n;
            for (int c = 0; c < out; c++) {
                int xr = xs + c * n;
                for (int j = 0; j < in; j++) {
                    double wcj = w[c * in + j];
                    int fr = fs + j * n;
                    for (int p = 0; p < n; p++) {
                        x[xr + p] += wcj * f[fr + p];
                    }
                }
            }
        }
        return x;
    }

    /**
     * Accumulates dL/dW = sum over samples of dL/dX_s F_s^T. Nothing flows further back: F is data.
     *
     * @param f     the forward's features, count x in x n
     * @param gradX dL/dX, count x out x n
     * @param count number of samples
     * @param n     positions per sample
     */
    public void backward(float[] f, double[] gradX, int count, int n) {
        double[] gw = weight.grad();
        for (int s = 0; s < count; s++) {
            int fs = s * in * n;
            int xs = s * out * n;
            for (int c = 0; c < out; c++) {
                int xr = xs + c * n;
                for (int j = 0; j < in; j++) {
                    int fr = fs + j * n;
                    double acc = 0;
                    for (int p = 0; p < n; p++) {
                        acc += gradX[xr + p] * f[fr + p];
                    }
                    gw[c * in + j] += acc;
                }
            }
        }
    }
}
