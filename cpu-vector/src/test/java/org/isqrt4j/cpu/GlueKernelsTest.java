package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The O(d^2) glue of the vector kernels (double-precision inner products and sums, centring and scaling, max and
 * min) gives the scalar forms' bits at every width the surefire executions force (512, 256, 128 bits), for every
 * length and offset up to a few vectors past 16 lanes, including signed zeros and values that round differently
 * in float and double.
 */
class GlueKernelsTest {

    private static float[] data(SplittableRandom r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            switch (r.nextInt(8)) {
                case 0 -> a[i] = -0.0f;
                case 1 -> a[i] = 0.0f;
                case 2 -> a[i] = (float) (r.nextDouble() * 1e30 - 5e29);
                case 3 -> a[i] = (float) (r.nextDouble() * 1e-30);
                default -> a[i] = (float) (r.nextGaussian() * 3);
            }
        }
        return a;
    }

    @Test
    void vectorGlueIsBitIdenticalToScalar() {
        Kernels v = VectorSupport.vectorKernels();
        if (v == null) {
            // The scalar-path execution: no vector kernels exist, and it must be that execution.
            assertEquals("true", System.getProperty("isqrt4j.expect.scalar"));
            assertNull(v);
            return;
        }
        Kernels s = ScalarKernels.INSTANCE;
        SplittableRandom r = new SplittableRandom(17);
        int checked = 0;
        for (int len = 1; len <= 100; len++) {
            for (int off = 0; off < 3; off++) {
                float[] a = data(r, len + off + 5);
                float[] b = data(r, len + off + 5);
                assertEquals(Double.doubleToRawLongBits(s.dot(a, off, b, off + 1, len)),
                        Double.doubleToRawLongBits(v.dot(a, off, b, off + 1, len)), "dot len " + len);
                assertEquals(Double.doubleToRawLongBits(s.sum(a, off, len)),
                        Double.doubleToRawLongBits(v.sum(a, off, len)), "sum len " + len);
                assertEquals(Float.floatToRawIntBits(s.max(a, off, len)),
                        Float.floatToRawIntBits(v.max(a, off, len)), "max len " + len);
                assertEquals(Float.floatToRawIntBits(s.min(a, off, len)),
                        Float.floatToRawIntBits(v.min(a, off, len)), "min len " + len);
                assertEquals(Float.floatToRawIntBits(s.maxAbs(a, off, len)),
                        Float.floatToRawIntBits(v.maxAbs(a, off, len)), "maxAbs len " + len);
                double mu = off == 0 ? 0.0 : r.nextGaussian();
                double scale = 1 / (1 + r.nextDouble() * 7);
                float[] xs = new float[len + 4];
                float[] xv = new float[len + 4];
                s.centreScale(a, off, mu, scale, xs, 2, len);
                v.centreScale(a, off, mu, scale, xv, 2, len);
                assertArrayEquals(bits(xs), bits(xv), "centreScale len " + len);
                s.mulInto(a, off, scale, xs, 1, len);
                v.mulInto(a, off, scale, xv, 1, len);
                assertArrayEquals(bits(xs), bits(xv), "mulInto len " + len);
                checked++;
            }
        }
        assertEquals(300, checked);
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }
}
