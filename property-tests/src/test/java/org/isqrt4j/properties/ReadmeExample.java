package org.isqrt4j.properties;

// The README's example, character for character between the markers; ReadmeExampleTest checks that the README
// holds the same lines and runs it.
// README-EXAMPLE-START
import org.isqrt4j.api.*;

public class ReadmeExample {
    public static void main(String[] args) {
        int batch = 8, d = 64, n = 49;                        // PyTorch (B, C, H*W)
        float[] x = new float[batch * d * n];                 // x[(b*d + c)*n + p]
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (MatrixSqrtOp op = MatrixSqrtOps.load()) {        // best back-end; -Disqrt4j.backend=cpu-scalar forces one
            SqrtOptions opts = SqrtOptions.of(5, OutputLayout.TRIU);
            try (ForwardHandle h = op.forward(batch, d, n, opts, x)) {
                float[] c = h.output();                       // batch * d(d+1)/2 values
                float[] gradC = new float[c.length];
                java.util.Arrays.fill(gradC, 1f);             // dL/dC from the layer above
                float[] gradX = op.backward(h, gradC);        // dL/dX, same layout as x
                System.out.println(op.name() + ": C " + c.length + ", dL/dX " + gradX.length);
            }
        }
    }
}
// README-EXAMPLE-END
