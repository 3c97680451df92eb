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
 * Where the float32 iteration stops being meaningful, and that it still never returns NaN or infinity. On a
 * rank-deficient Sigma (n &lt; d) rounding leaves the null-space eigenvalues of A at about +-u (u = 6e-8); the
 * scalar recurrence at lambda = -u grows like 2.25^k u, so the float32 result is good to about 1e-6 up to K = 10,
 * degrades from K = 12 (about 1e-3) and is meaningless from K = 14 to 16, after which it overflows; float64 holds
 * out to K of about 40. The fuzz therefore compares values only up to K = {@value FuzzCase#MAX_COMPARED_K}; for
 * any K every back-end must return finite values or reject the sample with IllegalArgumentException. Garbage is
 * rejected too: the layer checks ||C||_F^2 &lt;= tr(Sigma) (a bound of every exact iterate) and throws when the
 * float32 iteration breaks it, so an output that is accepted is within {@value #ACCEPTED_ERROR} of float64 for every
 * K up to {@value #FLOAT64_GOOD_K} (beyond that the float64 reference itself is no longer a square root).
 */
@DisplayName("Robustness: large K on rank-deficient Sigma")
class LargeIterationsTest {
    private static final int B = 6;
    private static final int D = 8;
    private static final int N = 3;
    private static final double ACCEPTED_ERROR = 1e-2;
    private static final int FLOAT64_GOOD_K = 30;

    static Stream<String> ids() {
        return RobustBackends.IDS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    @DisplayName("K <= 10 matches float64; any K up to 60 gives finite values or IllegalArgumentException")
    void largeKIsFiniteOrRejected(String id) {
        float[] x = Num.gaussian(new SplittableRandom(71), B * D * N, 1);
        float[] g = Num.gaussian(new SplittableRandom(72), B * D * D, 1);
        StringBuilder seen = new StringBuilder();
        try (MatrixSqrtOp op = RobustBackends.open(id)) {
            for (int k : new int[] {5, 8, 10, 12, 14, 16, 18, 20, 30, 60}) {
                SqrtOptions opt = SqrtOptions.of(k, OutputLayout.FULL);
                double[][] want = new double[B][];
                double[][] wantG = new double[B][];
                for (int b = 0; b < B; b++) {
                    double[] xb = Num.toDouble(x, b * D * N, D * N);
                    want[b] = ReferenceMath.layerForward(xb, D, N, k);
                    wantG[b] = ReferenceMath.layerBackward(xb, D, N, k, Num.toDouble(g, b * D * D, D * D));
                }
                ForwardHandle h;
                try {
                    h = op.forward(B, D, N, opt, x);
                } catch (IllegalArgumentException e) {
                    assertTrue(k > FuzzCase.MAX_COMPARED_K, "K = " + k + " rejected: " + e);
                    assertTrue(e.getMessage().contains("sample") && e.getMessage().contains("diverged"), e.getMessage());
                    seen.append(" K=").append(k).append(":rejected");
                    continue;
                }
                try (h) {
                    float[] gx;
                    try {
                        gx = op.backward(h, g);
                    } catch (IllegalArgumentException e) {
                        assertTrue(k > FuzzCase.MAX_COMPARED_K, "K = " + k + " backward rejected: " + e);
                        gx = null;
                    }
                    double worst = 0;
                    for (int b = 0; b < B; b++) {
                        worst = Math.max(worst, Num.errorRatio(h.output(), b * D * D, want[b], 1));
                    }
                    for (float v : h.output()) {
                        assertTrue(Float.isFinite(v), "K = " + k + ": non-finite output " + v);
                    }
                    if (gx != null) {
                        for (float v : gx) {
                            assertTrue(Float.isFinite(v), "K = " + k + ": non-finite gradient " + v);
                        }
                    }
                    seen.append(String.format(" K=%d:%.0e%s", k, worst, gx == null ? "(backward rejected)" : ""));
                    if (k <= FLOAT64_GOOD_K) {
                        assertTrue(worst <= ACCEPTED_ERROR, id + " K = " + k + ": accepted an output "
                                + worst + " away from float64 (relative Frobenius)");
                    }
                    if (k <= FuzzCase.MAX_COMPARED_K) {
                        RobustChecks.matches(id + " forward K=" + k, h.output(), 0, want, FuzzTest.TOL_FORWARD);
                        RobustChecks.matches(id + " backward K=" + k, gx, 0, wantG,
                                Math.max(FuzzTest.TOL_BACKWARD, 30 * 0x1p-24 * D * Math.pow(1.5, k)));
                    }
                }
            }
            System.out.println("[" + op.name() + " | large K, d=" + D + " n=" + N + "] worst relative forward error:" + seen);
        }
    }
}
