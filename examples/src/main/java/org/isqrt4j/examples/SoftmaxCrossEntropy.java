package org.isqrt4j.examples;

/** Softmax followed by the cross-entropy with the true class, averaged over the batch. Stateless. */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /**
     * L = -(1/B) sum_s log softmax(z_s)[y_s]; its gradient is dL/dz_s = (softmax(z_s) - onehot(y_s)) / B.
     *
     * @param logits  z, count x classes
     * @param labels  y, count class indices
     * @param classes number of classes
     * @param grad    output dL/dz, count x classes; null to skip the gradient
     * @return the mean loss
     */
    public static double lossAndGradient(double[] logits, int[] labels, int classes, double[] grad) {
        int count = labels.length;
        double loss = 0;
        double[] p = new double[classes];
        for (int s = 0; s < count; s++) {
            int o = s * classes;
            // Subtracting the largest logit keeps exp from overflowing without changing the softmax.
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, logits[o + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                p[k] = Math.exp(logits[o + k] - max);
                sum += p[k];
            }
            loss -= logits[o + labels[s]] - max - Math.log(sum);
            if (grad != null) {
                for (int k = 0; k < classes; k++) {
                    grad[o + k] = (p[k] / sum - (k == labels[s] ? 1.0 : 0.0)) / count;
                }
            }
        }
        return loss / count;
    }

    /**
     * Returns the index of the largest logit per row.
     *
     * @param logits  count x classes
     * @param count   number of rows
     * @param classes number of classes
     * @return the index of the largest logit per row
     */
    public static int[] argmax(double[] logits, int count, int classes) {
        int[] pred = new int[count];
        for (int s = 0; s < count; s++) {
            int best = 0;
            for (int k = 1; k < classes; k++) {
                if (logits[s * classes + k] > logits[s * classes + best]) {
                    best = k;
                }
            }
            pred[s] = best;
        }
        return pred;
    }
}
