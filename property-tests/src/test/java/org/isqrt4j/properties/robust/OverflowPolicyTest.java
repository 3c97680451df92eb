package org.isqrt4j.properties.robust;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMath;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The overflow policy (item 2 of the hardening issue), the same on every back-end:
 * <ul>
 *   <li>X, Sigma and incoming gradients of any finite magnitude are computed on, by exact power-of-two scaling
 *       per sample: results equal float64 to float32 precision, and scaling the input by 2^s scales the result
 *       by 2^s (covariance 4^s, layer gradient 1), to the last bit on the CPU and reference back-ends;</li>
 *   <li>a result whose exact value is beyond the float range (the covariance of features around 1e20 is 1e40)
 *       throws IllegalArgumentException naming the result and the sample, and nothing outside the output region
 *       is written; results below the normal range round gradually to denormals or zero, as any float result.</li>
 * </ul>
 * The layer's own output never overflows: C &lt;= sqrt(max diag Sigma) &lt;= max |Xc|.
 */
@DisplayName("Robustness: overflow and underflow policy")
class OverflowPolicyTest {
    private static final int B = 2;
    private static final int D = 6;
    private static final int N = 9;
    private static final SqrtOptions OPT = SqrtOptions.of(5, OutputLayout.FULL);

    static Stream<String> ids() {
        return RobustBackends.IDS.stream();
    }

    private static boolean bitwise(String id) {
        return !id.equals("opencl");
    }

    private static float[] gaussian(long seed, int len) {
        return Num.gaussian(new SplittableRandom(seed), len, 1);
    }

    private static double[][] layerForwardWant(float[] x, int batch) {
        double[][] w = new double[batch][];
        for (int b = 0; b < batch; b++) {
            w[b] = ReferenceMath.layerForward(Num.toDouble(x, b * D * N, D * N), D, N, OPT.iterations());
        }
        return w;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("features around 1e20 (trace beyond float): covariance rejected, layer exact-scaled")
    void featuresAround1e20(String id) {
        featuresScaledBy(id, 66); // 2^66 = 7.4e19
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("features around 1e-20 (covariance in the denormal range): everything computed, exact-scaled")
    void featuresAround1eMinus20(String id) {
        featuresScaledBy(id, -66);
    }

    private void featuresScaledBy(String id, int s) {
        float[] x = gaussian(11, B * D * N);
        float[] xs = RobustChecks.times(x, s);
        float[] g = gaussian(12, B * D * D);
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            // Covariance: 4^s times that of x; at s = 66 that is about 1e40, so it must be rejected.
            float[] sigma = op.covariance(B, D, N, x);
            if (s > 0) {
                float[] out = new float[B * D * D + 4];
                java.util.Arrays.fill(out, 7f);
                RobustChecks.rejects(() -> op.covariance(B, D, N, xs, 0, out, 2), "sigma", "sample ", "not representable");
                assertTrue(out[0] == 7f && out[1] == 7f && out[out.length - 1] == 7f && out[out.length - 2] == 7f,
                        "no write outside the output region");
            } else {
                float[] ss = op.covariance(B, D, N, xs);
                double[][] want = new double[B][];
                for (int b = 0; b < B; b++) {
                    want[b] = ReferenceMath.covariance(Num.toDouble(xs, b * D * N, D * N), D, N);
                }
                RobustChecks.matches(id + " covariance at 2^" + s, ss, 0, want, FuzzTest.TOL_COV);
                assertTrue(Num.maxAbs(Num.toDouble(ss, 0, ss.length)) < Float.MIN_NORMAL * 1e3,
                        "the covariance is in the denormal range");
            }
            // Layer forward: C(2^s X) = 2^s C(X).
            try (ForwardHandle h = op.forward(B, D, N, OPT, x); ForwardHandle hs = op.forward(B, D, N, OPT, xs)) {
                RobustChecks.matches(id + " forward at 2^" + s, hs.output(), 0, layerForwardWant(xs, B), FuzzTest.TOL_FORWARD);
                RobustChecks.scaledBy(id + " forward", h.output(), hs.output(), s, bitwise(id), 1e-6);
                // Layer backward: dL/dX does not depend on the scale of X.
                float[] gx = op.backward(h, g);
                float[] gxs = op.backward(hs, g);
                RobustChecks.scaledBy(id + " backward", gx, gxs, 0, bitwise(id), 1e-5);
                double[][] want = new double[B][];
                for (int b = 0; b < B; b++) {
                    want[b] = ReferenceMath.layerBackward(Num.toDouble(xs, b * D * N, D * N), D, N, OPT.iterations(),
                            Num.toDouble(g, b * D * D, D * D));
                }
                RobustChecks.matches(id + " backward at 2^" + s, gxs, 0, want, FuzzTest.TOL_BACKWARD);
            }
            // Covariance backward: linear in X.
            float[] cb = op.covarianceBackward(B, D, N, x, g);
            float[] cbs = op.covarianceBackward(B, D, N, xs, g);
            RobustChecks.scaledBy(id + " covarianceBackward", cb, cbs, s, bitwise(id), 1e-5);
            // Square root of the scaled covariance (4^s Sigma) where it is representable: 2^s C(Sigma).
            if (s < 0) {
                float[] ss = op.covariance(B, D, N, xs);
                try (ForwardHandle h = op.sqrtForward(B, D, OPT, RobustChecks.times(sigma, 0));
                     ForwardHandle hs = op.sqrtForward(B, D, OPT, ss)) {
                    double[][] want = new double[B][];
                    for (int b = 0; b < B; b++) {
                        want[b] = ReferenceMath.sqrtSpectral(Num.toDouble(ss, b * D * D, D * D), D, OPT.iterations());
                    }
                    // ss holds denormals, so it is not exactly 4^s sigma: compare with float64 only.
                    RobustChecks.matches(id + " sqrtForward of a denormal Sigma", hs.output(), 0, want, FuzzTest.TOL_FORWARD);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("each sample is scaled by itself: 2^66, 1 and 2^-66 in one batch")
    void samplesAreScaledSeparately(String id) {
        float[] x = gaussian(21, 3 * D * N);
        int[] s = {66, 0, -66};
        float[] mixed = new float[x.length];
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < D * N; i++) {
                mixed[b * D * N + i] = (float) Math.scalb((double) x[b * D * N + i], s[b]);
            }
        }
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            RobustChecks.matches(id + " mixed batch", op.forward(3, D, N, OPT, mixed).output(), 0, layerForwardWant(mixed, 3),
                    FuzzTest.TOL_FORWARD);
            RobustChecks.rejects(() -> op.covariance(3, D, N, mixed), "sample 0");
            float[] tail = java.util.Arrays.copyOfRange(mixed, D * N, 3 * D * N);
            float[] cov = op.covariance(2, D, N, tail);
            for (int b = 0; b < 2; b++) {
                double[] want = ReferenceMath.covariance(Num.toDouble(tail, b * D * N, D * N), D, N);
                RobustChecks.matches(id + " covariance sample " + b, cov, b * D * D, new double[][] {want}, FuzzTest.TOL_COV);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("Sigma entries near 3e38 (float trace overflows) and 1e-40 (denormal): square root and gradient computed")
    void sigmaAtBothEndsOfTheFloatRange(String id) {
        int d = 16;
        float[] x = gaussian(31, d * (d + 4));
        double[] cov = ReferenceMath.covariance(Num.toDouble(x, 0, x.length), d, d + 4);
        float[] g = gaussian(32, d * d);
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            for (double top : new double[] {3e38, 1e-40}) {
                double max = Num.maxAbs(cov);
                float[] sigma = new float[d * d];
                for (int i = 0; i < d * d; i++) {
                    sigma[i] = (float) (cov[i] / max * top);
                }
                double[] sd = Num.toDouble(sigma, 0, d * d);
                try (ForwardHandle h = op.sqrtForward(1, d, OPT, sigma)) {
                    RobustChecks.matches(id + " sqrtForward, max entry " + top, h.output(), 0,
                            new double[][] {ReferenceMath.sqrtSpectral(sd, d, OPT.iterations())}, FuzzTest.TOL_FORWARD);
                    double[] want = ReferenceMath.sqrtBackwardSpectral(sd, d, OPT.iterations(), Num.toDouble(g, 0, d * d));
                    if (Num.maxAbs(want) < Float.MAX_VALUE / 64) {
                        RobustChecks.matches(id + " sqrtBackward, max entry " + top, op.sqrtBackward(h, g), 0,
                                new double[][] {want}, FuzzTest.TOL_BACKWARD);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("square root: C(4^s Sigma) = 2^s C(Sigma), dL/dSigma(4^s Sigma) = 2^-s dL/dSigma(Sigma)")
    void squareRootIsExactlyHomogeneous(String id) {
        float[] x = gaussian(41, B * D * (D + 3));
        float[] g = gaussian(42, B * D * D);
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            float[] sigma = op.covariance(B, D, D + 3, x);
            for (int s : new int[] {-50, -30, 30, 50}) {
                float[] ss = RobustChecks.times(sigma, 2 * s);
                try (ForwardHandle h = op.sqrtForward(B, D, OPT, sigma); ForwardHandle hs = op.sqrtForward(B, D, OPT, ss)) {
                    RobustChecks.scaledBy(id + " sqrtForward 4^" + s, h.output(), hs.output(), s, bitwise(id), 1e-6);
                    RobustChecks.scaledBy(id + " sqrtBackward 4^" + s, op.sqrtBackward(h, g), op.sqrtBackward(hs, g), -s,
                            bitwise(id), 1e-5);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("incoming gradients of any finite scale: 2^t G gives 2^t the gradient (denormal G included)")
    void gradientsAreExactlyHomogeneous(String id) {
        float[] x = gaussian(51, B * D * N);
        float[] g = gaussian(52, B * D * D);
        try (MatrixSqrtOp op = RobustBackends.open(id);
             ForwardHandle h = op.forward(B, D, N, OPT, x);
             ForwardHandle hs = op.sqrtForward(B, D, OPT, op.covariance(B, D, N, x))) {
            float[] base = op.backward(h, g);
            float[] baseS = op.sqrtBackward(hs, g);
            float[] baseC = op.covarianceBackward(B, D, N, x, g);
            for (int t : new int[] {-100, -60, 60, 100}) {
                float[] gt = RobustChecks.times(g, t);
                RobustChecks.scaledBy(id + " backward, G*2^" + t, base, op.backward(h, gt), t, bitwise(id), 1e-5);
                RobustChecks.scaledBy(id + " sqrtBackward, G*2^" + t, baseS, op.sqrtBackward(hs, gt), t, bitwise(id), 1e-5);
                RobustChecks.scaledBy(id + " covarianceBackward, G*2^" + t, baseC, op.covarianceBackward(B, D, N, x, gt), t,
                        bitwise(id), 1e-5);
            }
            // Denormal G (about 1e-42, ten significant bits): the result must be as precise as for the same G
            // given at a normal scale, i.e. the backward must not compute in the denormal range.
            float[] gd = RobustChecks.times(g, -140);
            float[] gdBack = RobustChecks.times(gd, 140); // what the denormal G really holds, at a normal scale
            RobustChecks.scaledBy(id + " backward, denormal G", op.backward(h, gdBack), op.backward(h, gd), -140, bitwise(id), 1e-5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("results beyond the float range are rejected naming the sample; X at +-3.4e38 still has a layer output")
    void unrepresentableResultsAreRejected(String id) {
        float[] x = gaussian(61, B * D * N);
        float[] g = gaussian(62, B * D * D);
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            // (G + G^T) Xc / n with X and G at 1e30: about 1e60.
            float[] x30 = RobustChecks.times(x, 100);
            float[] g30 = RobustChecks.times(g, 100);
            float[] gx = new float[B * D * N + 6];
            java.util.Arrays.fill(gx, -3f);
            // Both samples overflow; a parallel back-end may report either.
            RobustChecks.rejects(() -> op.covarianceBackward(B, D, N, x30, 0, g30, 0, gx, 3), "gradX", "sample ");
            assertTrue(gx[0] == -3f && gx[2] == -3f && gx[gx.length - 1] == -3f && gx[gx.length - 3] == -3f,
                    "no write outside the output region");
            // dL/dSigma of a Sigma with trace 1e-36 for dL/dC at 1e30: about 1e30 / sqrt(1e-36) = 1e48.
            float[] tiny = RobustChecks.times(op.covariance(B, D, N, x), -120);
            try (ForwardHandle h = op.sqrtForward(B, D, OPT, tiny)) {
                RobustChecks.rejects(() -> op.sqrtBackward(h, g30), "gradSigma", "sample ");
            }
            // The largest finite features: the covariance overflows, the layer output (at most max |Xc|) does not.
            float[] huge = new float[B * D * N];
            double m = Num.maxAbs(Num.toDouble(x, 0, x.length));
            for (int i = 0; i < huge.length; i++) {
                huge[i] = (float) (x[i] / m * Float.MAX_VALUE);
            }
            RobustChecks.rejects(() -> op.covariance(B, D, N, huge), "sample");
            try (ForwardHandle h = op.forward(B, D, N, OPT, huge)) {
                RobustChecks.matches(id + " forward at the float limit", h.output(), 0, layerForwardWant(huge, B),
                        FuzzTest.TOL_FORWARD);
                double[][] want = new double[B][];
                for (int b = 0; b < B; b++) {
                    want[b] = ReferenceMath.layerBackward(Num.toDouble(huge, b * D * N, D * N), D, N, OPT.iterations(),
                            Num.toDouble(g, b * D * D, D * D));
                }
                RobustChecks.matches(id + " backward at the float limit", op.backward(h, g), 0, want, FuzzTest.TOL_BACKWARD);
            }
        }
    }
}
