package org.isqrt4j.devicecheck;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMatrixSqrtOp;
import org.junit.jupiter.api.Test;

/**
 * The device check's correctness subset is itself checked on the float64 reference back-end, which must pass every
 * check, and on a deliberately broken op (the reference with one output element perturbed), which must fail the
 * forward checks: so a failing device cannot pass the check.
 */
class CorrectnessTest {
    @Test
    void theReferenceBackEndPassesEveryCheck() {
        try (MatrixSqrtOp op = new ReferenceMatrixSqrtOp()) {
            List<Correctness.Result> rs = Correctness.run(op, () -> 0, ReferenceMatrixSqrtOp::new);
            List<String> failed = rs.stream().filter(r -> !r.passed).map(r -> r.name + ": " + r.detail)
                    .collect(Collectors.toList());
            assertTrue(failed.isEmpty(), "failed: " + failed);
            assertTrue(rs.size() >= 40, "only " + rs.size() + " checks");
        }
    }

    @Test
    void aWrongForwardFailsTheLayerChecks() {
        try (MatrixSqrtOp op = new Perturbed(new ReferenceMatrixSqrtOp())) {
            List<Correctness.Result> rs = Correctness.run(op, () -> 0, null);
            List<Correctness.Result> layerForward = rs.stream()
                    .filter(r -> r.name.startsWith("layer ") && r.name.endsWith(": forward")).collect(Collectors.toList());
            assertFalse(layerForward.isEmpty());
            for (Correctness.Result r : layerForward) {
                assertFalse(r.passed, r.name + " passed with a perturbed output (error " + r.error + ")");
            }
        }
    }

    /** The reference op with output element 0 of every layer forward off by 1e-2 relative to the sample's scale. */
    private static final class Perturbed implements MatrixSqrtOp {
        private final MatrixSqrtOp op;

        Perturbed(MatrixSqrtOp op) {
            this.op = op;
        }

        @Override
        public String name() {
            return "perturbed " + op.name();
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
            ForwardHandle h = op.forward(batch, d, n, options, x, xOff, out, outOff);
            float scale = 0;
            for (int i = 0; i < options.layout().elements(d); i++) {
                scale = Math.max(scale, Math.abs(out[outOff + i]));
            }
            out[outOff] += 0.1f * scale + 1e-3f;
            return h;
        }

        @Override
        public void backward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradX, int gxOff) {
            op.backward(handle, gradOut, gOff, gradX, gxOff);
        }

        @Override
        public void close() {
            op.close();
        }
    }
}
