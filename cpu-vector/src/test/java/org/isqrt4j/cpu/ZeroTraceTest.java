package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Samples with trace 0 give zero output and zero gradient, never NaN, without disturbing their neighbours. */
class ZeroTraceTest {
    static List<CpuMatrixSqrtOp> ops;

    @BeforeAll
    static void open() {
        ops = Ops.all();
    }

    @AfterAll
    static void close() {
        Ops.closeAll(ops);
    }

    static boolean allZero(float[] a, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (a[off + i] != 0f || Float.isNaN(a[off + i])) {
                return false;
            }
        }
        return true;
    }

    static boolean anyNonZero(float[] a, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (a[off + i] != 0f) {
                return true;
            }
        }
        return false;
    }

    @Test
    void constantFeaturesGiveZerosInTheLayer() {
        SplittableRandom r = new SplittableRandom(31);
        int d = 6;
        int n = 10;
        float[] x = RandomData.gaussianFloats(r, 3 * d * n);
        for (int c = 0; c < d; c++) {
            for (int p = 0; p < n; p++) {
                x[d * n + c * n + p] = 0.1f * (c + 1); // sample 1: every channel constant (all-zero after centring)
            }
        }
        for (CpuMatrixSqrtOp op : ops) {
            for (OutputLayout layout : OutputLayout.values()) {
                int per = layout.elements(d);
                float[] out = new float[3 * per];
                java.util.Arrays.fill(out, Float.NaN); // must be overwritten
                try (ForwardHandle h = op.forward(3, d, n, SqrtOptions.of(5, layout), x, 0, out, 0)) {
                    assertTrue(allZero(out, per, per), op + " zero-trace output");
                    assertTrue(anyNonZero(out, 0, per) && anyNonZero(out, 2 * per, per), op + " neighbours");
                    float[] g = RandomData.gaussianFloats(r, 3 * per);
                    float[] gx = new float[3 * d * n];
                    java.util.Arrays.fill(gx, Float.NaN);
                    op.backward(h, g, 0, gx, 0);
                    assertTrue(allZero(gx, d * n, d * n), op + " zero-trace gradient");
                    for (float v : gx) {
                        assertTrue(Float.isFinite(v), op + " finite gradient");
                    }
                }
            }
        }
    }

    @Test
    void zeroSigmaGivesZerosInTheSquareRoot() {
        SplittableRandom r = new SplittableRandom(32);
        int d = 5;
        float[] sig = new float[2 * d * d];
        System.arraycopy(Ops.spd(r, d, 7), 0, sig, d * d, d * d);
        for (CpuMatrixSqrtOp op : ops) {
            try (ForwardHandle h = op.sqrtForward(2, d, SqrtOptions.defaults(), sig)) {
                assertTrue(allZero(h.output(), 0, d * d), op.toString());
                assertTrue(anyNonZero(h.output(), d * d, d * d), op.toString());
                float[] gs = op.sqrtBackward(h, RandomData.gaussianFloats(r, 2 * d * d));
                assertTrue(allZero(gs, 0, d * d), op.toString());
                assertTrue(anyNonZero(gs, d * d, d * d), op.toString());
            }
            float[] cov = op.covariance(1, 2, 3, new float[] {1, 1, 1, -2, -2, -2});
            assertTrue(allZero(cov, 0, 4), op.toString());
            float[] gx = op.covarianceBackward(1, 2, 3, new float[] {1, 1, 1, -2, -2, -2}, new float[] {1, 2, 3, 4});
            assertTrue(allZero(gx, 0, 6), op.toString());
        }
    }

    @Test
    void rankOneLayerStaysFinite() {
        // n = 2: Sigma has rank 1; eigenvalues 0 stay 0 and the backward stays bounded (p_K'(0) = 1.5^K).
        SplittableRandom r = new SplittableRandom(33);
        int d = 8;
        float[] x = RandomData.gaussianFloats(r, d * 2);
        for (CpuMatrixSqrtOp op : ops) {
            try (ForwardHandle h = op.forward(1, d, 2, SqrtOptions.of(8, OutputLayout.FULL), x)) {
                float[] gx = op.backward(h, RandomData.gaussianFloats(r, d * d));
                for (float v : gx) {
                    assertTrue(Float.isFinite(v), op.toString());
                }
                assertEquals(d * 2, gx.length);
            }
        }
    }
}
