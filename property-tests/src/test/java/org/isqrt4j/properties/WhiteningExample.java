package org.isqrt4j.properties;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.SqrtOptions;

// The example of docs/roots-and-whitening.md, character for character between the markers; WhiteningExampleTest
// checks that the document holds the same lines, runs it and checks what it prints.
// DOC-EXAMPLE-START

public class WhiteningExample {
    public static void main(String[] args) {
        int groups = 8, d = 64, n = 32 * 14 * 14;            // IterNorm: 512 channels in 8 groups, batch 32, 14x14
        float[] x = new float[groups * d * n];                // each group laid out as one (d, n) sample
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() + (i / n) % 5);
        SqrtOptions opts = SqrtOptions.defaults()              // K = 5, as IterNorm's T = 5
                .withRoot(SqrtOptions.Root.INV_SQRT)            // C = Z_K / sqrt(nu), about Sigma^(-1/2)
                .withEpsilon(1e-5);                             // Sigma + eps I, forward and backward
        try (MatrixSqrtOp op = MatrixSqrtOps.load();
             ForwardHandle h = op.whitenForward(groups, d, n, opts, x)) {
            float[] w = h.output();                           // W = C (X - mean), same layout as x
            float[] gradW = new float[w.length];
            java.util.Arrays.fill(gradW, 1e-3f);              // dL/dW from the layer above
            float[] gradX = op.whitenBackward(h, gradW);      // dL/dX, exact for what the forward computed
            double diag = 0;                                  // mean of diag(W W^T / n) of group 0
            for (int c = 0; c < d; c++)
                for (int p = 0; p < n; p++) diag += (double) w[c * n + p] * w[c * n + p] / n / d;
            System.out.printf("%s: W %d, dL/dX %d, mean diag(W W^T/n) %.2f%n", op.name(), w.length, gradX.length, diag);
        }
    }
}
// DOC-EXAMPLE-END
