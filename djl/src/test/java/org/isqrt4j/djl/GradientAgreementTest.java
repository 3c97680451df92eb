package org.isqrt4j.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Locale;
import java.util.Random;
import org.isqrt4j.api.OutputLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gradient that reaches the weights below the block (a 1x1 projection W) equals, to float32 tolerance, what
 * DJL's autograd gives through the same layer written in float64 NDArray operations ({@link DjlReference}). A
 * {@code System.gc()} runs between the forward and the backward: engine memory freed too early would show up as
 * garbage or NaN here.
 */
class GradientAgreementTest {
    /** float32 layer against float64: measured 1e-7..1e-6 relative; a wrong or missing term gives 1e-2..1. */
    static final double TOL = 1e-4;

    @ParameterizedTest(name = "{0} K={1} B={2} cin={3} d={4} H={5} W={6}")
    @CsvSource({
        "FULL, 5, 3, 6, 5, 3, 4",
        "TRIU, 5, 3, 6, 5, 3, 4",
        "FULL, 1, 2, 4, 3, 5, 0",
        "TRIU, 3, 4, 9, 8, 7, 7",
        "FULL, 5, 2, 16, 16, 14, 14",
    })
    void weightGradientMatchesAutogradReference(OutputLayout layout, int k, int b, int cin, int d, int h, int w) {
        int n = w == 0 ? h : h * w;
        Random rnd = new Random(31L * k + d);
        double[] wv = gaussian(d * cin, rnd, 1.0 / Math.sqrt(cin));
        double[] uv = gaussian(b * cin * n, rnd, 1.0);
        int outPer = layout.elements(d);
        double[] gv = gaussian(b * outPer, rnd, 1.0); // not symmetric
        try (NDManager m = NDManager.newBaseManager(Engine.getEngine("PyTorch").getEngineName());
             IsqrtCovBlock block = IsqrtCovBlock.builder().iterations(k).layout(layout).build()) {
            // ---- the block, float32, two phases
            NDArray w32 = m.create(toFloat(wv), new Shape(d, cin));
            w32.setRequiresGradient(true);
            NDArray u32 = m.create(toFloat(uv), new Shape(b, cin, n));
            NDArray g32 = m.create(toFloat(gv), layout == OutputLayout.FULL ? new Shape(b, d, d) : new Shape(b, outPer));
            float[] c32;
            float[] dw32;
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector();
                 IsqrtTraining.Step step = IsqrtTraining.begin(gc)) {
                NDArray x = w32.matMul(u32);
                if (w > 0) {
                    x = x.reshape(b, d, h, w);
                }
                NDArray c = block.forward(ps, new NDList(x), true).singletonOrThrow();
                c32 = c.toFloatArray();
                NDArray loss = c.mul(g32).sum();
                assertTrue(step.pending() == 1, "the forward registered its backward");
                forceGc();
                step.backward(loss);
                assertTrue(step.pending() == 0);
                dw32 = w32.getGradient().toFloatArray();
            }
            // ---- DJL autograd through NDArray operations, float64
            NDArray w64 = m.create(wv, new Shape(d, cin));
            w64.setRequiresGradient(true);
            NDArray u64 = m.create(uv, new Shape(b, cin, n));
            NDArray g64 = m.create(fullGradient(gv, layout, b, d), new Shape(b, d, d));
            double[] c64;
            double[] dw64;
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray c = DjlReference.layer(w64.matMul(u64), k, m);
                assertTrue(c.getDataType() == DataType.FLOAT64);
                c64 = c.toDoubleArray();
                NDArray loss = c.mul(g64).sum();
                forceGc();
                gc.backward(loss);
                dw64 = w64.getGradient().toDoubleArray();
            }
            double ec = relErr(c32, layout == OutputLayout.FULL ? c64 : pack(c64, b, d));
            double ew = relErr(dw32, dw64);
            System.out.printf(Locale.ROOT, "[djl] %s K=%d B=%d d=%d n=%d: C rel. err %.2e, dL/dW rel. err %.2e%n",
                    layout, k, b, d, n, ec, ew);
            assertTrue(ec < TOL, "C differs from the autograd reference: " + ec);
            assertTrue(ew < TOL, "dL/dW differs from the autograd reference: " + ew);
        }
    }

    static void forceGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The TRIU gradient as a full matrix: packed values in the upper triangle, zeros below. */
    static double[] fullGradient(double[] g, OutputLayout layout, int b, int d) {
        if (layout == OutputLayout.FULL) {
            return g;
        }
        double[] f = new double[b * d * d];
        int e = d * (d + 1) / 2;
        for (int s = 0; s < b; s++) {
            int q = 0;
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    f[s * d * d + i * d + j] = g[s * e + q++];
                }
            }
        }
        return f;
    }

    static double[] pack(double[] c, int b, int d) {
        int e = d * (d + 1) / 2;
        double[] p = new double[b * e];
        for (int s = 0; s < b; s++) {
            int q = 0;
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    p[s * e + q++] = c[s * d * d + i * d + j];
                }
            }
        }
        return p;
    }

    static double relErr(float[] got, double[] ref) {
        assertTrue(got.length == ref.length, "lengths " + got.length + " vs " + ref.length);
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = got[i] - ref[i];
            num += e * e;
            den += ref[i] * ref[i];
        }
        assertTrue(den > 0, "reference is zero");
        return Math.sqrt(num / den); // NaN fails the caller's assertion
    }

    static double[] gaussian(int size, Random rnd, double scale) {
        double[] a = new double[size];
        for (int i = 0; i < size; i++) {
            a[i] = rnd.nextGaussian() * scale;
        }
        return a;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
