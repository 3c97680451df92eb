package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.isqrt4j.opencl.GemmRoutine.Output;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every GEMM kernel (direct, local, the tiled variants and the tuned choice) against a naive double loop, for sizes that are not multiples of the 4 x 8 tile or of the
 * work-group block, leading dimensions wider than the rows, all four transposition variants and every epilogue
 * term. Error bound: entries lie in [-1, 1), so a dot product of length k has partial sums of typical size
 * sqrt(k) and float32 accumulation (eps = 6e-8) is typically off by about k * 6e-8; the bound 4e-6 * k is 60x that,
 * while a wrong element (bad index, transpose, edge or epilogue term) is off by O(1).
 */
class GemmKernelTest {
    private static final Map<String, OpenClMatrixSqrtOp> OPS = new HashMap<>();

    static synchronized OpenClMatrixSqrtOp op(String kernel) {
        return OPS.computeIfAbsent(kernel, ClTestSupport::open);
    }

    @AfterAll
    static synchronized void close() {
        OPS.values().forEach(OpenClMatrixSqrtOp::close);
        OPS.clear();
    }

    static Stream<Arguments> cases() {
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {4, 8, 16}, {16, 32, 20}, {40, 48, 33}, {13, 29, 31}, {33, 65, 17},
            {70, 9, 130}, {5, 100, 3}};
        List<Arguments> list = new ArrayList<>();
        for (String kernel : GemmRoutine.choices()) {
            for (int[] s : sizes) {
                for (int t = 0; t < 4; t++) {
                    list.add(Arguments.of(kernel, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
                }
            }
        }
        return list.stream();
    }

    private static float[] random(SplittableRandom rnd, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return a;
    }

    /** op(X)(r, c) of sample b. */
    private static double at(float[] x, int b, int rows, int ld, boolean trans, int r, int c) {
        return trans ? x[b * rows * ld + c * ld + r] : x[b * rows * ld + r * ld + c];
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3} transA={4} transB={5}")
    @MethodSource("cases")
    void matchesNaive(String kernel, int m, int n, int k, boolean ta, boolean tb) {
        SplittableRandom rnd = new SplittableRandom(m * 1000L + n * 10L + k + (ta ? 1 : 0) + (tb ? 2 : 0));
        int batch = 3;
        int rowsA = ta ? k : m;
        int lda = (ta ? m : k) + 3;
        int rowsB = tb ? n : k;
        int ldb = (tb ? k : n) + 1;
        int ldc = n + 2;
        float[] a = random(rnd, batch * rowsA * lda);
        float[] bm = random(rnd, batch * rowsB * ldb);
        float[] c = random(rnd, batch * m * ldc);
        float[] c0 = c.clone();
        float alpha = -0.75f;
        float beta = 0.5f;
        float diag = 1.5f;
        int diagLimit = Math.max(1, Math.min(m, n) - 1);
        float[] scale = {1f, 2f, -0.5f};
        OpenClDiagnostics.gemm(op(kernel), batch, m, n, k, a, lda, Transpose.of(ta), bm, ldb, Transpose.of(tb), c, ldc,
                alpha, beta, diag, diagLimit, scale, Output.GENERAL);
        double tol = 1e-6 * k * 4;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < ldc; j++) {
                    int idx = b * m * ldc + i * ldc + j;
                    if (j >= n) {
                        assertEquals(c0[idx], c[idx], "wrote into the leading-dimension gap at " + i + "," + j);
                        continue;
                    }
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        acc += at(a, b, rowsA, lda, ta, i, p) * at(bm, b, rowsB, ldb, tb, p, j);
                    }
                    double want = scale[b] * (alpha * acc + beta * c0[idx] + (i == j && i < diagLimit ? diag : 0));
                    assertEquals(want, c[idx], tol, "sample " + b + " element " + i + "," + j);
                }
            }
        }
    }

    /** symOut: only the upper triangle is computed and mirrored; the result must equal the full product, exactly symmetric. */
    @Test
    void symmetricOutputMirrorsTheUpperTriangle() {
        for (String kernel : GemmRoutine.choices()) {
            for (int d : new int[] {1, 7, 8, 16, 37, 64, 72, 100, 129, 200}) {
                SplittableRandom rnd = new SplittableRandom(d);
                int batch = 2;
                int k = 23;
                int ld = d + 5;
                float[] x = random(rnd, batch * k * ld); // X^T X is symmetric: A = X read transposed, B = X
                float[] c = new float[batch * d * ld];
                float[] dm = random(rnd, batch * d * ld);
                for (int b = 0; b < batch; b++) {
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < i; j++) {
                            dm[b * d * ld + i * ld + j] = dm[b * d * ld + j * ld + i];
                        }
                    }
                }
                System.arraycopy(dm, 0, c, 0, c.length);
                OpenClDiagnostics.gemm(op(kernel), batch, d, d, k, x, ld, Transpose.YES, x, ld, Transpose.NO, c, ld, 1f,
                        0.25f, 1.5f, d, null, Output.SYMMETRIC);
                for (int b = 0; b < batch; b++) {
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < d; j++) {
                            double acc = 0;
                            for (int p = 0; p < k; p++) {
                                acc += (double) x[b * k * ld + p * ld + i] * x[b * k * ld + p * ld + j];
                            }
                            double want = acc + 0.25 * dm[b * d * ld + i * ld + j] + (i == j ? 1.5 : 0);
                            float got = c[b * d * ld + i * ld + j];
                            assertEquals(want, got, 1e-6 * k * 4, kernel + " d=" + d + " element " + i + "," + j);
                            assertEquals(got, c[b * d * ld + j * ld + i], "not exactly symmetric at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    /**
     * The tuned choice picks, per size class, one of the kernels the device accepted, the tiled variants are all
     * there on PoCL, and the choice is remembered per device: a second op on the same device reports the same kernels.
     */
    @Test
    void tuningPicksAnAvailableKernelAndIsCachedPerDevice() {
        OpenClMatrixSqrtOp a = op("tuned");
        ClRuntime rt = a.runtime();
        assertTrue(rt.gemmVariants().containsValue(rt.gemmSmall), rt.gemmSmall.toString());
        assertTrue(rt.gemmVariants().containsValue(rt.gemmLarge), rt.gemmLarge.toString());
        assertTrue(a.gemmKernels().startsWith("tuned: d <= 128: " + rt.gemmSmall.name + ", larger: " + rt.gemmLarge.name),
                a.gemmKernels());
        for (int[] v : GemmRoutine.TILED) {
            assertTrue(rt.gemmVariants().containsKey(GemmRoutine.tiledName(v)), GemmRoutine.tiledName(v));
        }
        try (OpenClMatrixSqrtOp b = ClTestSupport.open("tuned")) {
            assertEquals(a.gemmKernels(), b.gemmKernels());
        }
        assertEquals("direct", op("direct").gemmKernels());
        assertTrue(op(GemmRoutine.tiledName(GemmRoutine.TILED[3])).runtime().gemmFor(300, 300).kernel
                .equals("gemm_t8x8_g16x16"));
    }

    @Test
    void benchmarkEntryPointReportsThroughput() {
        double gflops = op("direct").gemmBenchmark(24, 2, 2);
        assertTrue(gflops > 0 && Double.isFinite(gflops), "GFLOP/s " + gflops);
        assertTrue(op("direct").lastKernelNanos() > 0, "profiling events recorded no kernel time");
    }
}
