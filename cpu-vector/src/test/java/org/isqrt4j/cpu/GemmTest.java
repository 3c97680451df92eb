package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The GEMM kernels against a naive triple loop in double, on sizes around the vector length and the 4-row,
 * 2- and 4-vector tiles, with offsets, row strides, the alpha/beta/D epilogue (D aliasing C) and upper mode.
 *
 * <p>Bound: a float dot product of length k accumulated by fused multiply-adds has an error of at most
 * gamma_k (|A||B|)_ij with gamma_k ~ k u, u = 2^-24; the epilogue adds two roundings. The test allows
 * (k + 3) u (|alpha| (|A||B|)_ij + |beta D_ij|) per entry, a rigorous first-order bound, plus the smallest
 * normal float for entries that are exactly zero.
 */
class GemmTest {
    static final int[] SIZES = {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129};
    static final double U = Math.ulp(1f) / 2;

    static List<Kernels> kernels() {
        List<Kernels> l = new ArrayList<>();
        l.add(ScalarKernels.INSTANCE);
        if (VectorSupport.vectorKernels() != null) {
            l.add(VectorSupport.vectorKernels());
        }
        return l;
    }

    static float[] random(SplittableRandom r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** One product with padding around every matrix, checked entry by entry and for untouched padding. */
    static float[] check(Kernels kn, SplittableRandom r, int m, int n, int k, float alpha, float beta,
                         boolean withD, boolean dIsC, boolean upper) {
        int lda = k + 3;
        int ldb = n + 5;
        int ldc = n + 2;
        int aOff = 7;
        int bOff = 11;
        int cOff = 13;
        float[] a = random(r, aOff + m * lda);
        float[] b = random(r, bOff + k * ldb);
        float[] c = random(r, cOff + m * ldc + 3);
        float[] c0 = c.clone();
        float[] dm = null;
        int dOff = 0;
        int ldd = 0;
        if (withD) {
            if (dIsC) {
                dm = c;
                dOff = cOff;
                ldd = ldc;
            } else {
                ldd = n + 1;
                dOff = 5;
                dm = random(r, dOff + m * ldd);
            }
        }
        float[] dSnap = dm == null ? null : dm.clone();
        kn.gemm(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, dm, dOff, ldd, c, cOff, ldc, upper);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                if (upper && j < i) {
                    continue;
                }
                double s = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[aOff + i * lda + p] * b[bOff + p * ldb + j];
                    s += t;
                    abs += Math.abs(t);
                }
                double want = alpha * s;
                double scale = Math.abs(alpha) * abs;
                if (withD) {
                    double dv = dSnap[dOff + i * ldd + j];
                    want += beta * dv;
                    scale += Math.abs(beta * dv);
                }
                double got = c[cOff + i * ldc + j];
                double tol = (k + 3) * U * scale + Float.MIN_NORMAL;
                if (Math.abs(got - want) > tol) {
                    fail(kn.name() + " m=" + m + " n=" + n + " k=" + k + " upper=" + upper + " D=" + withD
                            + " alias=" + dIsC + ": C[" + i + "][" + j + "] = " + got + ", want " + want + " +- " + tol);
                }
            }
        }
        // Padding between rows and around C stays untouched.
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel < m * ldc && rel % ldc < n;
            if (!inside) {
                assertEquals(c0[idx], c[idx], kn.name() + ": wrote outside C at " + idx + " (m=" + m + " n=" + n + ")");
            }
        }
        return c;
    }

    @Test
    void squareSizesMatchNaiveProduct() {
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(1);
            for (int s : SIZES) {
                check(kn, r, s, s, s, 1f, 0f, false, false, false);
            }
        }
    }

    @Test
    void rectangularSizesWithTails() {
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(2);
            for (int m : SIZES) {
                for (int n : SIZES) {
                    int k = SIZES[r.nextInt(SIZES.length)];
                    if ((long) m * n * k > 400_000) {
                        k = 7;
                    }
                    check(kn, r, m, n, k, 1f, 0f, false, false, false);
                }
            }
        }
    }

    @Test
    void epilogueScalesAndAddsD() {
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(3);
            for (int s : new int[] {1, 5, 16, 17, 33, 64, 65, 129}) {
                check(kn, r, s, s, s, -0.5f, 1.5f, true, false, false);
                check(kn, r, s, s + 3, s, 0.25f, 1f, true, true, false);
                check(kn, r, s, s, 3, 2f, -1f, true, true, false);
            }
        }
    }

    @Test
    void upperModeComputesTheUpperTriangle() {
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(4);
            for (int s : SIZES) {
                check(kn, r, s, s, s, 1f, 0f, false, false, true);
                check(kn, r, s, s, 9, -0.5f, 1f, true, true, true);
            }
        }
    }

    @Test
    void longProductsAcrossKBlocks() {
        // k above the vector kernels' block length (256) runs in several k blocks with partial sums in between.
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(6);
            check(kn, r, 65, 70, 600, 1f, 0f, false, false, false);
            check(kn, r, 7, 64, 257, -0.5f, 1.5f, true, true, false);
            check(kn, r, 70, 70, 513, 1f, 1f, true, false, true);
            check(kn, r, 13, 17, 1000, 0.5f, 0f, false, false, false);
        }
    }

    @Test
    void upperModeOnSeveralPanels() {
        // Several 4-vector panels: row blocks inside a diagonal block's lower half run on its right half only.
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(7);
            for (int s : new int[] {128, 150, 192}) {
                check(kn, r, s, s, 40, 1f, 0f, false, false, true);
                check(kn, r, s, s, 33, -0.5f, 1.5f, true, true, true);
            }
        }
    }

    @Test
    void packedKBlocksOnSeveralPanels() {
        // k above the block length with several panels: each k block of B is packed before the row blocks pass.
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(8);
            check(kn, r, 40, 192, 530, 1f, 0f, false, false, false);
            check(kn, r, 130, 130, 300, -0.5f, 1f, true, true, true);
        }
    }

    @Test
    void publicGemmMatchesTheKernelsAndChecksArguments() {
        SplittableRandom r = new SplittableRandom(9);
        int m = 37;
        int n = 70;
        int k = 300;
        float[] a = random(r, m * k);
        float[] b = random(r, k * n);
        float[] c = new float[m * n];
        float[] want = new float[m * n];
        CpuMatrixSqrtOp.gemm(m, n, k, a, b, c);
        Kernels kn = VectorSupport.vectorKernels() != null ? VectorSupport.vectorKernels() : ScalarKernels.INSTANCE;
        kn.gemm(m, n, k, 1f, a, 0, k, b, 0, n, 0f, null, 0, 0, want, 0, n, false);
        assertArrayEquals(want, c);
        double s = 0;
        for (int p = 0; p < k; p++) {
            s += (double) a[5 * k + p] * b[p * n + 9];
        }
        assertEquals(s, c[5 * n + 9], 1e-4);
        assertThrows(IllegalArgumentException.class, () -> CpuMatrixSqrtOp.gemm(m, n, k, a, b, new float[m * n - 1]));
        assertThrows(IllegalArgumentException.class, () -> CpuMatrixSqrtOp.gemm(0, n, k, a, b, c));
        assertThrows(IllegalArgumentException.class, () -> CpuMatrixSqrtOp.gemm(m, m, m, a, a, a));
    }

    @Test
    void mirrorSymmetrizeTransposeAndSymmetricCombineMatchTheScalarForms() {
        // The vector kernels transpose 16 x 16 blocks in registers; sizes around and between whole blocks.
        for (Kernels kn : kernels()) {
            SplittableRandom r = new SplittableRandom(10);
            for (int d : new int[] {1, 5, 15, 16, 17, 32, 33, 48, 64, 70}) {
                int off = 3;
                float[] c = random(r, off + d * d + 2);
                float[] want = c.clone();
                kn.mirror(c, off, d);
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        int src = i <= j ? i * d + j : j * d + i;
                        assertEquals(want[off + src], c[off + i * d + j], kn.name() + " mirror d=" + d);
                    }
                }
                assertEquals(want[0], c[0]);
                assertEquals(want[c.length - 1], c[c.length - 1]);
                float[] g = random(r, d * d);
                float[] p = random(r, d * d);
                float[] out = new float[d * d];
                kn.symCombineUpper(g, p, out, d);
                for (int i = 0; i < d; i++) {
                    for (int j = i; j < d; j++) {
                        float w = 1.5f * g[i * d + j] - 0.5f * (p[i * d + j] + p[j * d + i]);
                        assertEquals(w, out[i * d + j], kn.name() + " symCombineUpper d=" + d + " at " + i + "," + j);
                    }
                }
                int gOff = 2;
                float[] gs = random(r, gOff + d * d);
                float[] sym = new float[d * d];
                float[] symWant = new float[d * d];
                kn.symmetrize(gs, gOff, sym, d);
                ScalarKernels.INSTANCE.symmetrize(gs, gOff, symWant, d);
                assertArrayEquals(symWant, sym, kn.name() + " symmetrize d=" + d);
                for (int rows : new int[] {d, d + 3}) {
                    float[] src = random(r, 1 + rows * d);
                    float[] tr = new float[1 + rows * d];
                    float[] trWant = new float[1 + rows * d];
                    kn.transpose(src, 1, rows, d, tr, 1);
                    ScalarKernels.INSTANCE.transpose(src, 1, rows, d, trWant, 1);
                    assertArrayEquals(trWant, tr, kn.name() + " transpose " + rows + " x " + d);
                }
            }
        }
    }

    // Runs only in the execution with jdk.incubator.vector (the scalar-path execution excludes the tag), so a
    // missing vector path here is a failure, not a skip.
    @Test
    @Tag("needs-vector")
    void vectorAndScalarAgreeBitForBit() {
        Kernels v = VectorSupport.vectorKernels();
        assertNotNull(v, "vector kernels not available on this JVM");
        SplittableRandom r = new SplittableRandom(5);
        for (int s : SIZES) {
            int k = s == 129 ? 700 : s + 2;
            float[] a = random(r, s * k);
            float[] b = random(r, k * s);
            float[] dm = random(r, s * s);
            float[] c1 = new float[s * s];
            float[] c2 = new float[s * s];
            ScalarKernels.INSTANCE.gemm(s, s, k, -0.5f, a, 0, k, b, 0, s, 1.5f, dm, 0, s, c1, 0, s, false);
            v.gemm(s, s, k, -0.5f, a, 0, k, b, 0, s, 1.5f, dm, 0, s, c2, 0, s, false);
            assertArrayEquals(c1, c2, "size " + s);
        }
    }

    /**
     * The narrow (below 512-bit) path packs B strips when B's row stride is at least 128 floats and the panel has 8
     * rows or more; the 512-bit path packs only across k blocks. Both must stay bit-identical to the scalar path
     * with and without D, in upper mode, across k blocks and with leftover rows and columns.
     */
    @Test
    @Tag("needs-vector")
    void packedStripsAgreeBitForBit() {
        Kernels v = VectorSupport.vectorKernels();
        assertNotNull(v, "vector kernels not available on this JVM");
        SplittableRandom r = new SplittableRandom(12);
        int[][] shapes = {{200, 200, 150}, {150, 150, 300}, {13, 260, 90}, {7, 300, 530}, {131, 133, 257}};
        for (int[] sh : shapes) {
            int m = sh[0];
            int n = sh[1];
            int k = sh[2];
            boolean square = m == n;
            for (int mode = 0; mode < (square ? 4 : 2); mode++) {
                boolean withD = (mode & 1) != 0;
                boolean upper = (mode & 2) != 0;
                float[] a = random(r, m * k);
                float[] b = random(r, k * n);
                float[] dm = withD ? random(r, m * n) : null;
                float[] c1 = new float[m * n];
                float[] c2 = new float[m * n];
                ScalarKernels.INSTANCE.gemm(m, n, k, 0.75f, a, 0, k, b, 0, n, -1.25f, dm, 0, n, c1, 0, n, upper);
                v.gemm(m, n, k, 0.75f, a, 0, k, b, 0, n, -1.25f, dm, 0, n, c2, 0, n, upper);
                if (upper) {
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < i; j++) {
                            c1[i * n + j] = 0;
                            c2[i * n + j] = 0;
                        }
                    }
                }
                assertArrayEquals(c1, c2, v.name() + " m=" + m + " n=" + n + " k=" + k + " D=" + withD + " upper=" + upper);
            }
        }
    }

    @Test
    void zeroAlphaGivesBetaD() {
        for (Kernels kn : kernels()) {
            float[] a = {1, 2, 3, 4};
            float[] b = {5, 6, 7, 8};
            float[] dm = {1, -1, 2, -2};
            float[] c = new float[4];
            kn.gemm(2, 2, 2, 0f, a, 0, 2, b, 0, 2, 2f, dm, 0, 2, c, 0, 2, false);
            assertArrayEquals(new float[] {2, -2, 4, -4}, c, kn.name());
            kn.gemm(2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, null, 0, 0, c, 0, 2, false);
            assertArrayEquals(new float[] {19, 22, 43, 50}, c, kn.name());
            assertTrue(kn.name().startsWith("cpu-"));
        }
    }
}
