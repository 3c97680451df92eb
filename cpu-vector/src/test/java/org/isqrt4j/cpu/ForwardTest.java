package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Forward passes against the double re-implementation in {@link Ref}.
 *
 * <p>Bound: each float product of length d has a relative Frobenius error of order sqrt(d) u (u = 6e-8) for
 * random-signed data and at most d u; the forward chains 3K - 2 products and the covariance, and the coupled
 * iteration does not amplify errors much for K &lt;= 5 because the eigenvalues of A stay in [0, 1]. With
 * d &lt;= 40 and K &lt;= 5 that is at most about (3K) d u = 15 * 40 * 6e-8 = 3.6e-5 in the worst case; the
 * observed errors are around 1e-6. The tests allow 2e-5, well under anything a wrong formula would give
 * (a missing 1/2 or transposed product errs by O(1)).
 */
class ForwardTest {
    static final double BOUND = 2e-5;
    static List<CpuMatrixSqrtOp> ops;

    @BeforeAll
    static void open() {
        ops = Ops.all();
    }

    @AfterAll
    static void close() {
        Ops.closeAll(ops);
    }

    @Test
    void layerMatchesDoubleReference() {
        SplittableRandom r = new SplittableRandom(11);
        int[][] shapes = {{1, 4}, {2, 3}, {3, 7}, {7, 5}, {16, 20}, {17, 40}, {33, 12}, {40, 60}};
        double worst = 0;
        for (int[] s : shapes) {
            int d = s[0];
            int n = s[1];
            int batch = 3;
            float[] x = RandomData.gaussianFloats(r, batch * d * n);
            for (int k : new int[] {1, 2, 5}) {
                SqrtOptions o = SqrtOptions.of(k, OutputLayout.FULL);
                double[][] want = new double[batch][];
                for (int b = 0; b < batch; b++) {
                    want[b] = Ops.layer(Dense.toDouble(x, b * d * n, d * n), d, n, k);
                }
                for (CpuMatrixSqrtOp op : ops) {
                    float[] out = new float[batch * d * d + 5];
                    try (ForwardHandle h = op.forward(batch, d, n, o, x, 0, out, 5)) {
                        assertEquals(5, h.outputOffset());
                        for (int b = 0; b < batch; b++) {
                            double e = ErrorNorms.relErr(out, 5 + b * d * d, want[b]);
                            worst = Math.max(worst, e);
                            assertTrue(e < BOUND, op + " d=" + d + " n=" + n + " K=" + k + " sample " + b + ": rel err " + e);
                        }
                    }
                }
            }
        }
        System.out.println("ForwardTest layer worst rel err " + worst);
    }

    @Test
    void sqrtMatchesDoubleReferenceForSymmetricAndNonSymmetricSigma() {
        SplittableRandom r = new SplittableRandom(12);
        double worst = 0;
        for (int d : new int[] {1, 2, 5, 16, 17, 31, 40}) {
            int batch = 3;
            float[] sig = new float[batch * d * d];
            System.arraycopy(Ops.spd(r, d, d / 2 + 1), 0, sig, 0, d * d);
            System.arraycopy(Ops.spd(r, d, 2 * d), 0, sig, d * d, d * d);
            System.arraycopy(Ops.nonSymmetric(r, d, 0.1), 0, sig, 2 * d * d, d * d);
            for (int k : new int[] {1, 3, 5}) {
                SqrtOptions o = SqrtOptions.of(k, OutputLayout.FULL);
                for (CpuMatrixSqrtOp op : ops) {
                    try (ForwardHandle h = op.sqrtForward(batch, d, o, sig)) {
                        for (int b = 0; b < batch; b++) {
                            double[] want = ReferenceMath.sqrtIterative(Dense.toDouble(sig, b * d * d, d * d), d, k);
                            double e = ErrorNorms.relErr(h.output(), b * d * d, want);
                            worst = Math.max(worst, e);
                            assertTrue(e < BOUND, op + " d=" + d + " K=" + k + " sample " + b + ": rel err " + e);
                        }
                    }
                }
            }
        }
        System.out.println("ForwardTest sqrt worst rel err " + worst);
    }

    @Test
    void covarianceMatchesDoubleReference() {
        SplittableRandom r = new SplittableRandom(13);
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {17, 40}, {33, 5}}) {
            int d = s[0];
            int n = s[1];
            float[] x = RandomData.gaussianFloats(r, 2 * d * n);
            for (CpuMatrixSqrtOp op : ops) {
                float[] sig = op.covariance(2, d, n, x);
                for (int b = 0; b < 2; b++) {
                    double[] want = ReferenceMath.covariance(Dense.toDouble(x, b * d * n, d * n), d, n);
                    double e = ErrorNorms.relErr(sig, b * d * d, want);
                    assertTrue(e < BOUND, op + " d=" + d + " n=" + n + ": rel err " + e);
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < d; j++) {
                            assertEquals(sig[b * d * d + i * d + j], sig[b * d * d + j * d + i], "exactly symmetric");
                        }
                    }
                }
            }
        }
    }

    @Test
    void triuPacksTheUpperTriangleOfFull() {
        SplittableRandom r = new SplittableRandom(14);
        int d = 19;
        int n = 23;
        float[] x = RandomData.gaussianFloats(r, 2 * d * n);
        for (CpuMatrixSqrtOp op : ops) {
            float[] full = op.forward(2, d, n, SqrtOptions.defaults(), x).output();
            float[] packed = op.forward(2, d, n, SqrtOptions.of(5, OutputLayout.TRIU), x).output();
            assertEquals(2 * d * (d + 1) / 2, packed.length);
            int o = 0;
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < d; i++) {
                    for (int j = i; j < d; j++) {
                        assertEquals(full[b * d * d + i * d + j], packed[o++], op + " (" + i + "," + j + ")");
                    }
                }
            }
        }
    }

    @Test
    void scalingXScalesCAndExtremeMagnitudesStayAccurate() {
        SplittableRandom r = new SplittableRandom(15);
        int d = 9;
        int n = 14;
        float[] x = RandomData.gaussianFloats(r, d * n);
        double[] want = Ops.layer(Dense.toDouble(x, 0, d * n), d, n, 5);
        for (double c : new double[] {1e-30, 1e-20, 1e20, 1e30}) {
            float[] xs = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                xs[i] = (float) (x[i] * c);
            }
            double[] wc = Ops.layer(Dense.toDouble(xs, 0, d * n), d, n, 5);
            for (CpuMatrixSqrtOp op : ops) {
                float[] out = op.forward(1, d, n, SqrtOptions.defaults(), xs).output();
                double e = ErrorNorms.relErr(out, 0, wc);
                assertTrue(e < BOUND, op + " scale " + c + ": rel err " + e);
                float[] back = new float[out.length];
                for (int i = 0; i < out.length; i++) {
                    back[i] = (float) (out[i] / c);
                }
                // The float inputs x*c are not exactly c*x, so compare loosely with the unscaled reference.
                assertTrue(ErrorNorms.relErr(back, 0, want) < 1e-4, op + " homogeneity at scale " + c);
            }
        }
    }
}
