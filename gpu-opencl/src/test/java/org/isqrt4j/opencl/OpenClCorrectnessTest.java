package org.isqrt4j.opencl;

import static org.isqrt4j.opencl.ClTestSupport.open;
import static org.isqrt4j.testsupport.ErrorNorms.allFinite;
import static org.isqrt4j.testsupport.ErrorNorms.relErr;
import static org.isqrt4j.testsupport.OpenClCases.input;
import static org.isqrt4j.testsupport.RandomData.gaussianFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.OpenClCases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenCL layer against the float64 ReferenceMath (its plain iteration and the backward in its general,
 * transposed form, exact for non-symmetric Sigma and G), with the GEMM kernels (direct, local-memory, the 8 x 8 tiled
 * variant and the tuned choice) and the fused small-d Newton-Schulz steps, both layouts,
 * K from 1 to 6, shapes that are not multiples of the tile sizes, n below d (rank-deficient Sigma), non-symmetric
 * incoming gradients and non-symmetric Sigma for the square root alone.
 *
 * <p>The shapes, inputs and bounds (with their derivation) are {@link OpenClCases}, which the device check
 * (gpu-opencl/device-check) runs too.
 */
class OpenClCorrectnessTest {
    private static final double FORWARD_TOL = OpenClCases.FORWARD_TOL;
    private static final double BACKWARD_TOL = OpenClCases.BACKWARD_TOL;
    private static final double COVARIANCE_TOL = OpenClCases.COVARIANCE_TOL;

    private static final Map<Kernel, OpenClMatrixSqrtOp> OPS = new EnumMap<>(Kernel.class);

    enum Kernel {
        DIRECT("direct", false), LOCAL("local", false), TILED("t8x8_g16x16", false), TUNED("tuned", false),
        /** The direct GEMM with the fused small-d Newton-Schulz steps (newton_schulz_step_small) forced on. */
        FUSED("direct", true);
        final String id;
        final boolean fused;

        Kernel(String id, boolean fused) {
            this.id = id;
            this.fused = fused;
        }
    }

    static synchronized OpenClMatrixSqrtOp op(Kernel k) {
        return OPS.computeIfAbsent(k, kk -> {
            if (!kk.fused) {
                return open(kk.id);
            }
            System.setProperty(ClRuntime.FUSED_PROPERTY, "true");
            try {
                return open(kk.id);
            } finally {
                System.clearProperty(ClRuntime.FUSED_PROPERTY);
            }
        });
    }

    /** The fused steps run only where asked for (or tuned in); a bad property value is a clear error. */
    @Test
    void fusedStepsAreOnOnlyWhenAskedFor() {
        ClRuntime fused = op(Kernel.FUSED).runtime();
        assertTrue(fused.fusedSteps && fused.nsMaxD >= 16, "fused steps not on: nsMaxD " + fused.nsMaxD);
        assertTrue(op(Kernel.FUSED).gemmKernels().endsWith("fused small-d steps on"), op(Kernel.FUSED).gemmKernels());
        assertTrue(!op(Kernel.DIRECT).runtime().fusedSteps, "fused steps on by default with a fixed GEMM choice");
        System.setProperty(ClRuntime.FUSED_PROPERTY, "maybe");
        try {
            org.isqrt4j.api.Isqrt4jException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.isqrt4j.api.Isqrt4jException.class, () -> open("direct").close());
            assertTrue(e.getMessage().contains(ClRuntime.FUSED_PROPERTY) && e.getMessage().contains("maybe"), e.getMessage());
        } finally {
            System.clearProperty(ClRuntime.FUSED_PROPERTY);
        }
    }

    @AfterAll
    static synchronized void closeOps() {
        OPS.values().forEach(OpenClMatrixSqrtOp::close);
        OPS.clear();
    }

    static Stream<Arguments> layerCases() {
        List<Arguments> list = new ArrayList<>();
        for (Kernel k : Kernel.values()) {
            for (OpenClCases.Layer s : OpenClCases.LAYER) {
                for (OutputLayout l : OutputLayout.values()) {
                    list.add(Arguments.of(k, s.batch(), s.d(), s.n(), s.k(), l));
                }
            }
        }
        return list.stream();
    }

    /** Sample b of a B x r x c float array, in float64. */
    static double[] sample(float[] arr, int b, int r, int c) {
        return Dense.toDouble(arr, b * r * c, r * c);
    }

    /** dL/dC as a full matrix: a TRIU gradient is the upper triangle, zero below. */
    static double[] fullGradient(float[] g, int b, int d, OutputLayout layout) {
        int per = layout.elements(d);
        double[] gb = Dense.toDouble(g, b * per, per);
        return layout == OutputLayout.FULL ? gb : ReferenceMath.unpackTriu(gb, d);
    }

    static double[] inLayout(double[] c, int d, OutputLayout layout) {
        return layout == OutputLayout.FULL ? c : ReferenceMath.packTriu(c, d);
    }

    @ParameterizedTest(name = "{0} B={1} d={2} n={3} K={4} {5}")
    @MethodSource("layerCases")
    void layerForwardAndBackward(Kernel kernel, int batch, int d, int n, int k, OutputLayout layout) {
        OpenClMatrixSqrtOp op = op(kernel);
        SplittableRandom rnd = new SplittableRandom(31L * d + 7L * n + k);
        float[] x = input(rnd, batch, d, n);
        SqrtOptions opt = SqrtOptions.of(k, layout);
        int per = layout.elements(d);
        // Offsets on every array check that the kernels honour them and write nothing outside.
        float[] out = new float[3 + batch * per + 2];
        java.util.Arrays.fill(out, 42f);
        float[] xo = new float[5 + x.length];
        System.arraycopy(x, 0, xo, 5, x.length);
        try (ForwardHandle h = op.forward(batch, d, n, opt, xo, 5, out, 3)) {
            assertEquals(42f, out[0]);
            assertEquals(42f, out[out.length - 1]);
            float[] g = gaussianFloats(rnd, batch * per);
            float[] gx = new float[batch * d * n + 4];
            java.util.Arrays.fill(gx, -7f);
            op.backward(h, g, 0, gx, 2);
            assertEquals(-7f, gx[0]);
            assertEquals(-7f, gx[gx.length - 1]);
            for (int b = 0; b < batch; b++) {
                double[] xs = sample(x, b, d, n);
                double[] sigma = ReferenceMath.covariance(xs, d, n);
                double[] want = inLayout(ReferenceMath.sqrtIterative(sigma, d, k), d, layout);
                double ef = relErr(out, 3 + b * per, want);
                assertTrue(ef < FORWARD_TOL, "forward sample " + b + " relative error " + ef);
                double[] gs = ReferenceMath.sqrtBackwardIterative(sigma, d, k, fullGradient(g, b, d, layout));
                double[] wantGx = ReferenceMath.covarianceBackward(xs, d, n, gs);
                double eb = relErr(gx, 2 + b * d * n, wantGx);
                assertTrue(eb < BACKWARD_TOL, "backward sample " + b + " relative error " + eb);
            }
            // A handle may be used again: the second backward must give the same result.
            float[] gx2 = new float[batch * d * n];
            op.backward(h, g, 0, gx2, 0);
            for (int i = 0; i < gx2.length; i++) {
                assertEquals(gx[2 + i], gx2[i], "repeated backward differs at " + i);
            }
        }
    }

    static Stream<Arguments> sqrtCases() {
        List<Arguments> list = new ArrayList<>();
        for (Kernel k : Kernel.values()) {
            for (boolean sym : new boolean[] {true, false}) {
                for (OpenClCases.Sqrt s : OpenClCases.SQRT) {
                    list.add(Arguments.of(k, sym, s.batch(), s.d(), s.k(), s.layout()));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} symmetric={1} B={2} d={3} K={4} {5}")
    @MethodSource("sqrtCases")
    void sqrtAloneForwardAndBackward(Kernel kernel, boolean symmetric, int batch, int d, int k, OutputLayout layout) {
        OpenClMatrixSqrtOp op = op(kernel);
        SplittableRandom rnd = new SplittableRandom(1000L + d * 3L + k + (symmetric ? 1 : 0));
        float[] sigma = new float[batch * d * d];
        for (int b = 0; b < batch; b++) {
            double[] s = ReferenceMath.covariance(sample(input(rnd, 1, d, d + 3), 0, d, d + 3), d, d + 3);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    // The general path must be exact for any matrix: a non-symmetric perturbation.
                    double p = symmetric ? 0 : 0.05 * (rnd.nextDouble() - 0.5) * Math.sqrt(s[i * d + i] * s[j * d + j]);
                    sigma[b * d * d + i * d + j] = (float) (s[i * d + j] + p);
                }
            }
        }
        SqrtOptions opt = SqrtOptions.of(k, layout);
        int per = layout.elements(d);
        try (ForwardHandle h = op.sqrtForward(batch, d, opt, sigma)) {
            assertEquals(symmetric, ((OpenClHandle) h).symmetric);
            float[] g = gaussianFloats(rnd, batch * per);
            float[] gs = op.sqrtBackward(h, g);
            for (int b = 0; b < batch; b++) {
                double[] s = sample(sigma, b, d, d);
                double ef = relErr(h.output(), b * per, inLayout(ReferenceMath.sqrtIterative(s, d, k), d, layout));
                assertTrue(ef < FORWARD_TOL, "forward sample " + b + " relative error " + ef);
                double[] want = ReferenceMath.sqrtBackwardIterative(s, d, k, fullGradient(g, b, d, layout));
                double eb = relErr(gs, b * d * d, want);
                assertTrue(eb < BACKWARD_TOL, "backward sample " + b + " relative error " + eb);
            }
        }
    }

    @Test
    void covarianceAndItsBackward() {
        OpenClMatrixSqrtOp op = op(Kernel.DIRECT);
        SplittableRandom rnd = new SplittableRandom(5);
        int batch = 3;
        int d = 11;
        int n = 29;
        float[] x = input(rnd, batch, d, n);
        float[] sigma = op.covariance(batch, d, n, x);
        float[] g = gaussianFloats(rnd, batch * d * d);
        float[] gx = op.covarianceBackward(batch, d, n, x, g);
        for (int b = 0; b < batch; b++) {
            double[] xs = sample(x, b, d, n);
            double e = relErr(sigma, b * d * d, ReferenceMath.covariance(xs, d, n));
            assertTrue(e < COVARIANCE_TOL, "covariance sample " + b + " relative error " + e);
            double[] gb = sample(g, b, d, d);
            double eb = relErr(gx, b * d * n, ReferenceMath.covarianceBackward(xs, d, n, gb));
            assertTrue(eb < COVARIANCE_TOL, "covariance backward sample " + b + " relative error " + eb);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    assertEquals(sigma[b * d * d + i * d + j], sigma[b * d * d + j * d + i], "covariance not symmetric");
                }
            }
        }
    }

    /**
     * Zero-trace samples (constant features, as after a ReLU that zeroes a whole map) give zero output and zero
     * gradient, never NaN, while the other samples of the batch stay correct.
     */
    @Test
    void zeroTraceSamplesGiveZeros() {
        for (Kernel kernel : Kernel.values()) {
            OpenClMatrixSqrtOp op = op(kernel);
            SplittableRandom rnd = new SplittableRandom(3);
            int batch = 3;
            int d = 9;
            int n = 12;
            float[] x = input(rnd, batch, d, n);
            for (int c = 0; c < d; c++) {
                for (int p = 0; p < n; p++) {
                    // sample 1: every channel constant over positions, at values whose float sums are inexact
                    x[(d + c) * n + p] = 0.1f + 0.37f * c;
                }
            }
            SqrtOptions opt = SqrtOptions.of(5, OutputLayout.FULL);
            try (ForwardHandle h = op.forward(batch, d, n, opt, x)) {
                float[] out = h.output();
                assertTrue(allFinite(out));
                for (int i = 0; i < d * d; i++) {
                    assertEquals(0f, out[d * d + i], "output of the zero-trace sample");
                }
                float[] gx = op.backward(h, gaussianFloats(rnd, batch * d * d));
                assertTrue(allFinite(gx));
                for (int i = 0; i < d * n; i++) {
                    assertEquals(0f, gx[d * n + i], "gradient of the zero-trace sample");
                }
                double[] sigma0 = ReferenceMath.covariance(sample(x, 0, d, n), d, n);
                assertTrue(relErr(out, 0, ReferenceMath.sqrtIterative(sigma0, d, 5)) < FORWARD_TOL);
            }
            float[] zero = new float[2 * 4 * 4];
            try (ForwardHandle h = op.sqrtForward(2, 4, SqrtOptions.of(3, OutputLayout.TRIU), zero)) {
                for (float v : h.output()) {
                    assertEquals(0f, v);
                }
                for (float v : op.sqrtBackward(h, gaussianFloats(rnd, 2 * 10))) {
                    assertEquals(0f, v);
                }
            }
        }
    }
}
