package org.isqrt4j.examples;

import java.util.List;

/**
 * The Adam optimiser (Kingma and Ba, 2015) with the paper's bias correction: m and v are running means of the
 * gradient and of its square, and each step moves a parameter by lr * m_hat / (sqrt(v_hat) + eps).
 * Not thread-safe.
 */
public final class Adam {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final List<Param> params;
    private final double[][] m;
    private final double[][] v;
    private final double lr;
    private int t;

    /**
     * Creates the optimiser with the paper's default betas and epsilon.
     *
     * @param params       what to update
     * @param learningRate the step size lr
     */
    public Adam(List<Param> params, double learningRate) {
        this.params = List.copyOf(params);
        this.lr = learningRate;
        this.m = new double[this.params.size()][];
        this.v = new double[this.params.size()][];
        for (int i = 0; i < this.params.size(); i++) {
            m[i] = new double[this.params.get(i).size()];
            v[i] = new double[this.params.get(i).size()];
        }
    }

    /** Applies one update from the gradients currently held by the parameters. */
    public void step() {
        t++;
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < params.size(); i++) {
            double[] w = params.get(i).value();
            double[] g = params.get(i).grad();
            double[] mi = m[i];
            double[] vi = v[i];
            for (int j = 0; j < w.length; j++) {
                mi[j] = BETA1 * mi[j] + (1 - BETA1) * g[j];
                vi[j] = BETA2 * vi[j] + (1 - BETA2) * g[j] * g[j];
                w[j] -= lr * (mi[j] / c1) / (Math.sqrt(vi[j] / c2) + EPS);
            }
        }
    }
}
