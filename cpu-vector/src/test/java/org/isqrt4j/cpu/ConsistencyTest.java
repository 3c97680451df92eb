package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Vector against scalar, threads against one thread, handle lifecycle, sharing, and rejected input. */
class ConsistencyTest {

    static float[][] run(CpuMatrixSqrtOp op, int batch, int d, int n, SqrtOptions o, float[] x, float[] g) {
        try (ForwardHandle h = op.forward(batch, d, n, o, x)) {
            return new float[][] {h.output(), op.backward(h, g)};
        }
    }

    // Excluded from the scalar-path execution by its tag: where it runs, the vector path must exist.
    @Test
    @Tag("needs-vector")
    void vectorMatchesScalar() {
        assertTrue(CpuMatrixSqrtOp.vectorAvailable(), "vector kernels not available on this JVM");
        SplittableRandom r = new SplittableRandom(41);
        for (int d : new int[] {7, 16, 37, 70, 300}) {
            int n = d > 100 ? 270 : 29; // d = 300: k blocking in the vector products and a 12-column tail
            int batch = d > 100 ? 1 : 3;
            float[] x = RandomData.gaussianFloats(r, batch * d * n);
            float[] g = RandomData.gaussianFloats(r, batch * d * d);
            try (CpuMatrixSqrtOp v = CpuMatrixSqrtOp.vector(1); CpuMatrixSqrtOp s = CpuMatrixSqrtOp.scalar(1)) {
                float[][] a = run(v, batch, d, n, SqrtOptions.defaults(), x, g);
                float[][] b = run(s, batch, d, n, SqrtOptions.defaults(), x, g);
                // Both kernels follow Kernels' accumulation contract and share all element-wise code, so the
                // results agree to the last bit (Java forbids reassociation and fma is exactly rounded).
                assertArrayEquals(b[0], a[0], "forward, d=" + d);
                assertArrayEquals(b[1], a[1], "backward, d=" + d);
                float[] sig = s.covariance(batch, d, n, x);
                assertArrayEquals(sig, v.covariance(batch, d, n, x), "covariance, d=" + d);
            }
        }
    }

    @Test
    void threadsDoNotChangeResults() {
        SplittableRandom r = new SplittableRandom(42);
        int d = 20;
        int n = 15;
        int batch = 7;
        float[] x = RandomData.gaussianFloats(r, batch * d * n);
        float[] g = RandomData.gaussianFloats(r, batch * d * (d + 1) / 2);
        SqrtOptions o = SqrtOptions.of(3, OutputLayout.TRIU);
        try (CpuMatrixSqrtOp one = Ops.best(); CpuMatrixSqrtOp three = CpuMatrixSqrtOp.vectorAvailable()
                ? CpuMatrixSqrtOp.vector(3) : CpuMatrixSqrtOp.scalar(3)) {
            assertEquals(3, three.threads());
            float[][] a = run(one, batch, d, n, o, x, g);
            float[][] b = run(three, batch, d, n, o, x, g);
            assertArrayEquals(a[0], b[0]);
            assertArrayEquals(a[1], b[1]);
        }
    }

    @Test
    void smallBatchesSplitProductsWithoutChangingResults() {
        SplittableRandom r = new SplittableRandom(45);
        int d = 150;
        int n = 90;
        float[] x = RandomData.gaussianFloats(r, d * n);
        float[] g = RandomData.gaussianFloats(r, d * d);
        try (CpuMatrixSqrtOp one = Ops.best(); CpuMatrixSqrtOp three = CpuMatrixSqrtOp.vectorAvailable()
                ? CpuMatrixSqrtOp.vector(3) : CpuMatrixSqrtOp.scalar(3)) {
            float[][] a = run(one, 1, d, n, SqrtOptions.defaults(), x, g);
            float[][] b = run(three, 1, d, n, SqrtOptions.defaults(), x, g);
            assertArrayEquals(a[0], b[0]);
            assertArrayEquals(a[1], b[1]);
            float[] sig = one.covariance(1, d, n, x);
            assertArrayEquals(sig, three.covariance(1, d, n, x));
            try (ForwardHandle h1 = one.sqrtForward(1, d, SqrtOptions.defaults(), sig);
                 ForwardHandle h3 = three.sqrtForward(1, d, SqrtOptions.defaults(), sig)) {
                assertArrayEquals(h1.output(), h3.output());
                assertArrayEquals(one.sqrtBackward(h1, g), three.sqrtBackward(h3, g));
            }
        }
    }

    @Test
    void oneOpSharedByThreads() throws Exception {
        SplittableRandom r = new SplittableRandom(43);
        int d = 12;
        int n = 9;
        int batch = 4;
        float[] x = RandomData.gaussianFloats(r, batch * d * n);
        float[] g = RandomData.gaussianFloats(r, batch * d * d);
        ExecutorService ex = Executors.newFixedThreadPool(4);
        try (CpuMatrixSqrtOp op = CpuMatrixSqrtOp.scalar(2)) {
            float[][] want = run(op, batch, d, n, SqrtOptions.defaults(), x, g);
            List<Future<float[][]>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                fs.add(ex.submit(() -> run(op, batch, d, n, SqrtOptions.defaults(), x, g)));
            }
            for (Future<float[][]> f : fs) {
                float[][] got = f.get();
                assertArrayEquals(want[0], got[0]);
                assertArrayEquals(want[1], got[1]);
            }
        } finally {
            ex.shutdown();
        }
    }

    @Test
    void closedHandlesAreRecycledAndRejected() {
        SplittableRandom r = new SplittableRandom(44);
        int d = 10;
        int n = 6;
        float[] x1 = RandomData.gaussianFloats(r, 2 * d * n);
        float[] x2 = RandomData.gaussianFloats(r, 2 * d * n);
        float[] g = RandomData.gaussianFloats(r, 2 * d * d);
        try (CpuMatrixSqrtOp op = Ops.best(); CpuMatrixSqrtOp fresh = Ops.best()) {
            ForwardHandle h1 = op.forward(2, d, n, SqrtOptions.defaults(), x1);
            op.backward(h1, g);
            h1.close();
            h1.close();
            assertThrows(IllegalStateException.class, () -> op.backward(h1, g));
            // The next forward reuses h1's arrays; its results must not depend on their stale contents.
            float[][] a = run(op, 2, d, n, SqrtOptions.defaults(), x2, g);
            float[][] b = run(fresh, 2, d, n, SqrtOptions.defaults(), x2, g);
            assertArrayEquals(b[0], a[0]);
            assertArrayEquals(b[1], a[1]);
            ForwardHandle sq = op.sqrtForward(1, d, SqrtOptions.defaults(), op.covariance(1, d, n, x1));
            assertThrows(IllegalArgumentException.class, () -> op.backward(sq, g));
            ForwardHandle other = fresh.forward(1, d, n, SqrtOptions.defaults(), x1);
            assertThrows(IllegalArgumentException.class, () -> op.backward(other, g));
        }
    }

    @Test
    void closedOpRejectsCalls() {
        CpuMatrixSqrtOp op = CpuMatrixSqrtOp.scalar(2);
        ForwardHandle h = op.forward(1, 2, 3, SqrtOptions.defaults(), new float[] {1, 2, 3, 4, 5, 7});
        op.close();
        op.close();
        assertTrue(op.isClosed());
        assertThrows(IllegalStateException.class, () -> op.forward(1, 2, 3, SqrtOptions.defaults(), new float[6]));
        assertThrows(IllegalStateException.class, () -> op.backward(h, new float[4]));
        h.close();
    }

    @Test
    void divergingNonPsdSigmaIsRejected() {
        try (CpuMatrixSqrtOp op = Ops.best()) {
            float[] sig = {1, 10, 10, 0}; // trace 1, eigenvalues of A about 10.5 and -9.5
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> op.sqrtForward(1, 2, SqrtOptions.defaults(), sig));
            assertTrue(e.getMessage().contains("sample 0"), e.getMessage());
        }
    }

    @Test
    void invalidThreadCountsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CpuMatrixSqrtOp.scalar(0));
        if (CpuMatrixSqrtOp.vectorAvailable()) {
            assertThrows(IllegalArgumentException.class, () -> CpuMatrixSqrtOp.vector(-1));
        }
    }
}
