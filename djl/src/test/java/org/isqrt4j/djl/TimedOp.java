package org.isqrt4j.djl;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.SqrtOptions;

/** A back-end op that adds up the time spent in the layer's forward and backward (the layer's own time). */
final class TimedOp implements MatrixSqrtOp {
    private final MatrixSqrtOp op;
    private long nanos;
    private long calls;

    TimedOp(MatrixSqrtOp op) {
        this.op = op;
    }

    long nanos() {
        return nanos;
    }

    long calls() {
        return calls;
    }

    void reset() {
        nanos = 0;
        calls = 0;
    }

    @Override
    public String name() {
        return op.name();
    }

    @Override
    public void covariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff) {
        op.covariance(batch, d, n, x, xOff, sigma, sigmaOff);
    }

    @Override
    public void covarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                                   float[] gradX, int gxOff) {
        op.covarianceBackward(batch, d, n, x, xOff, gradSigma, gOff, gradX, gxOff);
    }

    @Override
    public ForwardHandle sqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff, float[] out,
                                     int outOff) {
        return op.sqrtForward(batch, d, options, sigma, sigmaOff, out, outOff);
    }

    @Override
    public void sqrtBackward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
        op.sqrtBackward(handle, gradOut, gOff, gradSigma, gsOff);
    }

    @Override
    public ForwardHandle forward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff, float[] out,
                                 int outOff) {
        long t = System.nanoTime();
        try {
            return op.forward(batch, d, n, options, x, xOff, out, outOff);
        } finally {
            nanos += System.nanoTime() - t;
            calls++;
        }
    }

    @Override
    public void backward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradX, int gxOff) {
        long t = System.nanoTime();
        try {
            op.backward(handle, gradOut, gOff, gradX, gxOff);
        } finally {
            nanos += System.nanoTime() - t;
        }
    }

    @Override
    public void close() {
        op.close();
    }
}
