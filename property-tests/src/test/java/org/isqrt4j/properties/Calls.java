package org.isqrt4j.properties;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.testsupport.Dense;

/**
 * Calls an op through guarded {@link Slot}s and checks what every call must satisfy whatever the values:
 * inputs unmodified, nothing written outside the output region, every output cell written and finite, and the
 * handle describing the call. Every property goes through here, so each one also checks offsets and guards.
 */
final class Calls {
    private Calls() {
    }

    /** A forward's handle and a copy of its output taken right after the call. */
    static final class Fwd {
        final ForwardHandle handle;
        final Slot in;
        final float[] out;

        Fwd(ForwardHandle handle, Slot in, float[] out) {
            this.handle = handle;
            this.in = in;
            this.out = out;
        }

        /** @return output sample b in float64 */
        double[] sample(int b, int per) {
            return Dense.toDouble(out, b * per, per);
        }
    }

    static float[] covariance(MatrixSqrtOp op, Case c, float[] x, SplittableRandom rnd) {
        int d = c.d();
        Slot in = Slot.input("x", x, rnd);
        Slot out = Slot.output("sigma", c.batch() * d * d, rnd);
        op.covariance(c.batch(), d, c.n(), in.array, in.off, out.array, out.off);
        in.verify("covariance");
        out.verify("covariance");
        return out.data();
    }

    static float[] covarianceBackward(MatrixSqrtOp op, Case c, float[] x, float[] gSigma, SplittableRandom rnd) {
        Slot in = Slot.input("x", x, rnd);
        Slot g = Slot.input("gradSigma", gSigma, rnd);
        Slot out = Slot.output("gradX", x.length, rnd);
        op.covarianceBackward(c.batch(), c.d(), c.n(), in.array, in.off, g.array, g.off, out.array, out.off);
        in.verify("covarianceBackward");
        g.verify("covarianceBackward");
        out.verify("covarianceBackward");
        return out.data();
    }

    /**
     * Square-root forward. Afterwards the caller's Sigma and output regions are overwritten with NaN: the
     * square-root handle must keep what its backward needs itself (ForwardHandle's documentation).
     */
    static Fwd sqrtForward(MatrixSqrtOp op, Case c, float[] sigma, SplittableRandom rnd) {
        Slot in = Slot.input("sigma", sigma, rnd);
        Slot out = Slot.output("out", c.batch() * c.outPerSample(), rnd);
        ForwardHandle h = op.sqrtForward(c.batch(), c.d(), c.options(), in.array, in.off, out.array, out.off);
        in.verify("sqrtForward");
        out.verify("sqrtForward");
        checkHandle(h, ForwardHandle.Stage.SQRT, c, 0, out);
        float[] result = out.data();
        Arrays.fill(in.array, Float.NaN);
        Arrays.fill(out.array, Float.NaN);
        return new Fwd(h, in, result);
    }

    /**
     * Whole-layer forward. The x region stays as it is (the layer handle may keep referring to it); the output
     * region is overwritten with NaN afterwards, since nothing allows the backward to depend on it.
     */
    static Fwd layerForward(MatrixSqrtOp op, Case c, float[] x, SplittableRandom rnd) {
        Slot in = Slot.input("x", x, rnd);
        Slot out = Slot.output("out", c.batch() * c.outPerSample(), rnd);
        ForwardHandle h = op.forward(c.batch(), c.d(), c.n(), c.options(), in.array, in.off, out.array, out.off);
        in.verify("forward");
        out.verify("forward");
        checkHandle(h, ForwardHandle.Stage.LAYER, c, c.n(), out);
        float[] result = out.data();
        Arrays.fill(out.array, Float.NaN);
        return new Fwd(h, in, result);
    }

    static float[] sqrtBackward(MatrixSqrtOp op, Case c, Fwd f, float[] gradOut, SplittableRandom rnd) {
        Slot g = Slot.input("gradOut", gradOut, rnd);
        Slot out = Slot.output("gradSigma", c.batch() * c.d() * c.d(), rnd);
        op.sqrtBackward(f.handle, g.array, g.off, out.array, out.off);
        g.verify("sqrtBackward");
        out.verify("sqrtBackward");
        return out.data();
    }

    static float[] layerBackward(MatrixSqrtOp op, Case c, Fwd f, float[] gradOut, SplittableRandom rnd) {
        Slot g = Slot.input("gradOut", gradOut, rnd);
        Slot out = Slot.output("gradX", c.batch() * c.d() * c.n(), rnd);
        op.backward(f.handle, g.array, g.off, out.array, out.off);
        f.in.verify("backward (the saved x)");
        g.verify("backward");
        out.verify("backward");
        return out.data();
    }

    private static void checkHandle(ForwardHandle h, ForwardHandle.Stage stage, Case c, int n, Slot out) {
        if (h == null) {
            throw new AssertionError(stage + " forward returned a null handle");
        }
        String what = stage + " handle " + h;
        require(h.stage() == stage, what + ": stage " + h.stage());
        require(h.batch() == c.batch() && h.d() == c.d() && h.n() == n,
                what + ": shape B=" + h.batch() + " d=" + h.d() + " n=" + h.n());
        require(c.options().equals(h.options()), what + ": options " + h.options());
        require(h.output() == out.array, what + ": output() is not the caller's array");
        require(h.outputOffset() == out.off, what + ": outputOffset " + h.outputOffset() + " != " + out.off);
        require(!h.isClosed(), what + ": closed right after forward");
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    /** Closes a handle and checks that closing is observable and idempotent. */
    static void close(ForwardHandle h) {
        h.close();
        require(h.isClosed(), "handle not closed after close()");
        h.close();
    }
}
