package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.testsupport.RandomData;
import org.junit.jupiter.api.Test;

/**
 * Four threads share one op. The kernels are deterministic (fixed reduction orders), so every concurrent result
 * must equal, bit for bit, the one computed alone beforehand: any interleaving of kernel arguments, buffers or
 * queue work between calls would show up as a difference.
 */
class OpenClConcurrencyTest {

    private record Case(int batch, int d, int n, SqrtOptions opt, float[] x, float[] g) {
    }

    @Test
    void fourThreadsOnOneOpGetTheSequentialResults() throws Exception {
        try (OpenClMatrixSqrtOp op = ClTestSupport.open()) {
            SplittableRandom rnd = new SplittableRandom(9);
            List<Case> cases = new ArrayList<>();
            int[][] shapes = {{2, 5, 7}, {1, 16, 20}, {3, 9, 4}, {2, 24, 30}};
            for (int t = 0; t < 4; t++) {
                int[] s = shapes[t];
                SqrtOptions opt = SqrtOptions.of(2 + t, t % 2 == 0 ? OutputLayout.FULL : OutputLayout.TRIU);
                cases.add(new Case(s[0], s[1], s[2], opt, RandomData.gaussianFloats(rnd, s[0] * s[1] * s[2]),
                        RandomData.gaussianFloats(rnd, s[0] * opt.layout().elements(s[1]))));
            }
            List<float[][]> expected = new ArrayList<>();
            for (Case c : cases) {
                expected.add(run(op, c));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int id = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        int checked = 0;
                        for (int i = 0; i < 40; i++) {
                            int which = (id + i) % 4; // every thread runs every shape
                            float[][] got = run(op, cases.get(which));
                            assertArrayEquals(expected.get(which)[0], got[0], "thread " + id + " forward, call " + i);
                            assertArrayEquals(expected.get(which)[1], got[1], "thread " + id + " backward, call " + i);
                            checked++;
                        }
                        return checked;
                    }));
                }
                start.countDown();
                for (Future<Integer> f : futures) {
                    assertEquals(40, f.get(120, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, op.liveBuffers());
        }
    }

    private static float[][] run(OpenClMatrixSqrtOp op, Case c) {
        try (ForwardHandle h = op.forward(c.batch, c.d, c.n, c.opt, c.x)) {
            return new float[][] {h.output(), op.backward(h, c.g)};
        }
    }
}
