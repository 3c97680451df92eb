package org.isqrt4j.examples;

/**
 * A fully connected layer y = V h + b on a batch of feature vectors (the classifier producing the logits).
 * Not thread-safe (it owns its parameters' gradients).
 */
public final class Linear {
    private final int in;
    private final int out;
    private final Param weight;
    private final Param bias;

    /**
     * Wraps existing parameters.
     *
     * @param in     input features
     * @param out    outputs
     * @param weight V, out*in values, row-major
     * @param bias   b, out values
     */
    public Linear(int in, int out, Param weight, Param bias) {
        if (weight.size() != in * out || bias.size() != out) {
            throw new IllegalArgumentException("expected weight " + out + "x" + in + " and bias " + out + ", got "
                    + weight.size() + " and " + bias.size() + " values");
        }
        this.in = in;
        this.out = out;
        this.weight = weight;
        this.bias = bias;
    }

    /**
     * Returns the weight V.
     *
     * @return V
     */
    public Param weight() {
        return weight;
    }

    /**
     * Returns the bias b.
     *
     * @return b
     */
    public Param bias() {
        return bias;
    }

    /**
     * Applies the layer: y = V h + b per row.
     *
     * @param h     inputs, count x in
     * @param count number of rows
     * @return y = V h + b per row, count x out
     */
    public double[] forward(double[] h, int count) {
        double[] v = weight.value();
        double[] b = bias.value();
        double[] y = new double[count * out];
        for (int s = 0; s < count; s++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) {
                    acc += v[o * in + i] * h[s * in + i];
                }
                y[s * out + o] = acc;
            }
        }
        return y;
    }

    /**
     * Accumulates dL/dV = sum_s g_s h_s^T and dL/db = sum_s g_s, and returns dL/dh_s = V^T g_s.
     *
     * @param h     the forward's inputs, count x in
     * @param gradY dL/dy, count x out
     * @param count number of rows
     * @return dL/dh, count x in
     */
    public double[] backward(double[] h, double[] gradY, int count) {
        double[] v = weight.value();
        double[] gv = weight.grad();
        double[] gb = bias.grad();
        double[] gh = new double[count * in];
        for (int s = 0; s < count; s++) {
            for (int o = 0; o < out; o++) {
                double g = gradY[s * out + o];
                gb[o] += g;
                for (int i = 0; i < in; i++) {
                    gv[o * in + i] += g * h[s * in + i];
                    gh[s * in + i] += g * v[o * in + i];
                }
            }
        }
        return gh;
    }
}
