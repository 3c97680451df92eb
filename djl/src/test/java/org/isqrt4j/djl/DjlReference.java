package org.isqrt4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The same layer written in DJL NDArray operations, differentiated by DJL's autograd: covariance of the centred
 * input, trace normalisation, K coupled Newton-Schulz steps T = (3I - ZY)/2, Y = YT, Z = TZ, C = sqrt(tau) Y_K.
 * Runs in the input's type (float64 for the agreement tests). Every constant is an array owned by the manager and
 * kept open until the manager closes: {@code NDArray.mul(Number)} frees its scalar right after the operation,
 * while autograd may still read it in the backward.
 */
final class DjlReference {
    private DjlReference() {
    }

    /**
     * @param x (B, d, n)
     * @param k Newton-Schulz steps
     * @param m manager of the constants (open until the backward has run)
     * @return C, (B, d, d)
     */
    static NDArray layer(NDArray x, int k, NDManager m) {
        Shape s = x.getShape();
        int d = (int) s.get(1);
        long n = s.get(2);
        DataType t = x.getDataType();
        NDArray invN = m.full(new Shape(), (float) (1.0 / n), t);
        NDArray half = m.full(new Shape(), 0.5f, t);
        NDArray eye = m.eye(d, d, 0, t);
        NDArray eye3 = m.eye(d, d, 0, t).mul(m.full(new Shape(), 3f, t));
        NDArray xc = x.sub(x.mean(new int[] {2}, true));
        NDArray sigma = xc.matMul(xc.transpose(0, 2, 1)).mul(invN);
        NDArray tau = sigma.mul(eye).sum(new int[] {1, 2}, true); // (B, 1, 1)
        NDArray y = sigma.div(tau);
        NDArray z = eye.broadcast(new Shape(s.get(0), d, d));
        for (int i = 0; i < k; i++) {
            NDArray tt = eye3.sub(z.matMul(y)).mul(half);
            NDArray yn = y.matMul(tt);
            z = tt.matMul(z);
            y = yn;
        }
        return y.mul(tau.sqrt());
    }
}
