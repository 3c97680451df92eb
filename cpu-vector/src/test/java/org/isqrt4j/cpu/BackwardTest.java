package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.FiniteDifferences;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Backward passes against central finite differences of the double re-implementation {@link Ref}, for random
 * non-symmetric dL/dC, symmetric and non-symmetric Sigma, FULL and TRIU.
 *
 * <p>Bound: the differences in double with a relative step of 1e-5 are accurate to about 1e-9 relative
 * (truncation h^2 ||f'''|| plus rounding 1e-16 / h); the float backward chains about 10K products, each with
 * a relative error of order sqrt(d) u, i.e. 1e-5 for K = 5 and d &lt;= 12, and the final combination subtracts
 * the trace term, which can cancel by a factor of a few. The tests allow 1e-4 relative Frobenius error;
 * a dropped term or a wrong transpose errs by O(1e-1) or more.
 */
class BackwardTest {
    static final double BOUND = 1e-4;
    static List<CpuMatrixSqrtOp> ops;

    @BeforeAll
    static void open() {
        ops = Ops.all();
    }

    @AfterAll
    static void close() {
        Ops.closeAll(ops);
    }

    static double[] unpack(float[] g, int off, int d, OutputLayout layout) {
        double[] full = new double[d * d];
        int o = off;
        for (int i = 0; i < d; i++) {
            for (int j = layout == OutputLayout.FULL ? 0 : i; j < d; j++) {
                full[i * d + j] = g[o++];
            }
        }
        return full;
    }

    @Test
    void layerBackwardMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(21);
        int[][] shapes = {{1, 3}, {2, 2}, {3, 5}, {5, 3}, {6, 9}, {12, 10}};
        double worst = 0;
        for (int[] s : shapes) {
            int d = s[0];
            int n = s[1];
            int batch = 2;
            float[] x = RandomData.gaussianFloats(r, batch * d * n);
            for (int k : new int[] {1, 2, 3, 5}) {
                for (OutputLayout layout : OutputLayout.values()) {
                    SqrtOptions o = SqrtOptions.of(k, layout);
                    int per = layout.elements(d);
                    float[] g = RandomData.gaussianFloats(r, batch * per);
                    double[][] want = new double[batch][];
                    for (int b = 0; b < batch; b++) {
                        double[] gd = unpack(g, b * per, d, layout);
                        want[b] = FiniteDifferences.gradient(v -> Ops.layer(v, d, n, k), Dense.toDouble(x, b * d * n, d * n), gd, 1e-5);
                    }
                    for (CpuMatrixSqrtOp op : ops) {
                        try (ForwardHandle h = op.forward(batch, d, n, o, x)) {
                            float[] gx = new float[batch * d * n + 3];
                            op.backward(h, g, 0, gx, 3);
                            for (int b = 0; b < batch; b++) {
                                double e = ErrorNorms.relErr(gx, 3 + b * d * n, want[b]);
                                worst = Math.max(worst, e);
                                assertTrue(e < BOUND, op + " d=" + d + " n=" + n + " K=" + k + " " + layout
                                        + " sample " + b + ": rel err " + e);
                            }
                        }
                    }
                }
            }
        }
        System.out.println("BackwardTest layer worst rel err " + worst);
    }

    @Test
    void sqrtBackwardMatchesFiniteDifferencesForAnySigma() {
        SplittableRandom r = new SplittableRandom(22);
        double worst = 0;
        for (int d : new int[] {1, 2, 4, 7, 10}) {
            int batch = 3;
            float[] sig = new float[batch * d * d];
            System.arraycopy(Ops.spd(r, d, d + 2), 0, sig, 0, d * d);
            System.arraycopy(Ops.spd(r, d, Math.max(1, d / 2)), 0, sig, d * d, d * d);
            System.arraycopy(Ops.nonSymmetric(r, d, 0.2), 0, sig, 2 * d * d, d * d);
            for (int k : new int[] {1, 2, 5}) {
                for (OutputLayout layout : OutputLayout.values()) {
                    SqrtOptions o = SqrtOptions.of(k, layout);
                    int per = layout.elements(d);
                    float[] g = RandomData.gaussianFloats(r, batch * per);
                    for (CpuMatrixSqrtOp op : ops) {
                        try (ForwardHandle h = op.sqrtForward(batch, d, o, sig)) {
                            float[] gs = op.sqrtBackward(h, g);
                            for (int b = 0; b < batch; b++) {
                                double[] gd = unpack(g, b * per, d, layout);
                                double[] want = FiniteDifferences.gradient(v -> ReferenceMath.sqrtIterative(v, d, k), Dense.toDouble(sig, b * d * d, d * d),
                                        gd, 1e-5);
                                double e = ErrorNorms.relErr(gs, b * d * d, want);
                                worst = Math.max(worst, e);
                                assertTrue(e < BOUND, op + " d=" + d + " K=" + k + " " + layout + " sample " + b
                                        + ": rel err " + e);
                            }
                        }
                    }
                }
            }
        }
        System.out.println("BackwardTest sqrt worst rel err " + worst);
    }

    @Test
    void covarianceBackwardMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(23);
        for (int[] s : new int[][] {{1, 2}, {4, 6}, {9, 5}}) {
            int d = s[0];
            int n = s[1];
            float[] x = RandomData.gaussianFloats(r, d * n);
            float[] g = RandomData.gaussianFloats(r, d * d);
            double[] want = FiniteDifferences.gradient(v -> ReferenceMath.covariance(v, d, n), Dense.toDouble(x, 0, d * n),
                    Dense.toDouble(g, 0, d * d), 1e-5);
            for (CpuMatrixSqrtOp op : ops) {
                float[] gx = op.covarianceBackward(1, d, n, x, g);
                double e = ErrorNorms.relErr(gx, 0, want);
                assertTrue(e < BOUND, op + " d=" + d + " n=" + n + ": rel err " + e);
            }
        }
    }

    @Test
    void symmetricLayerBackwardEqualsGeneralForm() {
        SplittableRandom r = new SplittableRandom(24);
        int d = 21;
        int n = 30;
        float[] x = RandomData.gaussianFloats(r, 2 * d * n);
        float[] g = RandomData.gaussianFloats(r, 2 * d * d);
        List<Kernels> kernels = GemmTest.kernels();
        for (Kernels kn : kernels) {
            try (CpuMatrixSqrtOp sym = new CpuMatrixSqrtOp(kn, 1, true);
                 CpuMatrixSqrtOp gen = new CpuMatrixSqrtOp(kn, 1, false)) {
                float[] a = sym.backward(sym.forward(2, d, n, SqrtOptions.defaults(), x), g);
                float[] b = gen.backward(gen.forward(2, d, n, SqrtOptions.defaults(), x), g);
                for (int s = 0; s < 2; s++) {
                    double e = ErrorNorms.relErr(a, s * d * n, Dense.toDouble(b, s * d * n, d * n));
                    assertTrue(e < 1e-5, kn.name() + " sample " + s + ": symmetric vs general rel diff " + e);
                }
            }
        }
    }

    @Test
    void triuBackwardIsFullBackwardOfTheUpperTriangle() {
        SplittableRandom r = new SplittableRandom(25);
        int d = 13;
        int n = 8;
        float[] x = RandomData.gaussianFloats(r, d * n);
        float[] gp = RandomData.gaussianFloats(r, d * (d + 1) / 2);
        float[] gf = new float[d * d];
        int o = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                gf[i * d + j] = gp[o++];
            }
        }
        for (CpuMatrixSqrtOp op : ops) {
            float[] a = op.backward(op.forward(1, d, n, SqrtOptions.of(4, OutputLayout.TRIU), x), gp);
            float[] b = op.backward(op.forward(1, d, n, SqrtOptions.of(4, OutputLayout.FULL), x), gf);
            assertArrayEquals(b, a, op.toString());
            float[] sig = op.covariance(1, d, n, x);
            float[] sa = op.sqrtBackward(op.sqrtForward(1, d, SqrtOptions.of(4, OutputLayout.TRIU), sig), gp);
            float[] sb = op.sqrtBackward(op.sqrtForward(1, d, SqrtOptions.of(4, OutputLayout.FULL), sig), gf);
            assertArrayEquals(sb, sa, op.toString());
        }
    }
}
