package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The OpenCL back-end's range policy, on the host alone: runs without any OpenCL device. */
class PowerOfTwoScalingTest {
    @Test
    void samplesInsideTheSafeBandAndZeroSamplesAreNotScaled() {
        float[] a = {0x1p20f, -0.5f, 0f, 0f, 0x1p-20f, 1f};
        assertNull(PowerOfTwoScaling.exponents(a, 0, 2, 3, false));
        PowerOfTwoScaling.Scaled s = PowerOfTwoScaling.scaled(a, 2, 2, 2, false);
        assertSame(a, s.a(), "the caller's array is uploaded as is");
        assertEquals(2, s.off());
        assertNull(s.e());
        float[] sigma = {0x1p41f - 0x1p17f, 0x1p-40f};
        assertNull(PowerOfTwoScaling.exponents(sigma, 0, 1, 2, true), "Sigma's band is 2^-40..2^41");
    }

    @Test
    void exponentsBringTheLargestMagnitudeNearOne() {
        // X: max |x| 2^e in [1, 2); an all-zero sample keeps 0.
        float[] x = {3f * 0x1p25f, 1f, 0f, 0f, -0x1p-30f, 0x1p-31f, Float.MIN_VALUE, 0f};
        assertArrayEquals(new int[] {-26, 0, 30, 149}, PowerOfTwoScaling.exponents(x, 0, 2, 4, false));
        // Sigma: max |Sigma| 4^k in [1, 4).
        float[] sigma = {0x1p51f, 0x1p-50f, 0x1p50f, 1f};
        int[] k = PowerOfTwoScaling.exponents(sigma, 0, 1, 4, true);
        assertArrayEquals(new int[] {-25, 25, -25, 0}, k);
        for (int b = 0; b < 3; b++) {
            double scaled = Math.scalb((double) sigma[b], 2 * k[b]);
            assertTrue(scaled >= 1 && scaled < 4, b + ": " + scaled);
        }
    }

    @Test
    void scalingThereAndBackIsExact() {
        SplittableRandom rnd = new SplittableRandom(7);
        int per = 50;
        int batch = 3;
        float[] a = new float[1 + batch * per];
        for (int i = 1; i < a.length; i++) {
            a[i] = (float) ((rnd.nextDouble() - 0.5) * (i <= per ? 0x1p60 : i <= 2 * per ? 1 : 0x1p-70));
        }
        PowerOfTwoScaling.Scaled s = PowerOfTwoScaling.scaled(a, 1, per, batch, false);
        assertEquals(0, s.off());
        assertEquals(0, s.e()[1], "the sample near 1 is not scaled");
        for (int i = 0; i < batch * per; i++) {
            double v = Math.abs(s.a()[i]);
            assertTrue(v < 2, "scaled near 1: " + v);
        }
        float[] back = s.a().clone();
        PowerOfTwoScaling.scaleBackAndCheck("x", "test", back, 0, per, batch, s.e(), -1);
        assertArrayEquals(java.util.Arrays.copyOfRange(a, 1, a.length), back);
    }

    @Test
    void aResultThatIsNotFiniteAfterScalingBackIsRejectedNamingTheSample() {
        float[] r = {1f, 2f, 0x1p100f, 3f};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PowerOfTwoScaling.scaleBackAndCheck("output", "too large", r, 0, 2, 2, new int[] {0, 30}, 1));
        assertTrue(e.getMessage().contains("output of sample 1") && e.getMessage().contains("element 0")
                && e.getMessage().contains("too large"), e.getMessage());
        float[] nan = {1f, Float.NaN};
        assertThrows(IllegalArgumentException.class,
                () -> PowerOfTwoScaling.scaleBackAndCheck("gradX", "x", nan, 0, 2, 1, null, 1));
        float[] fine = {1f, -2f};
        PowerOfTwoScaling.scaleBackAndCheck("gradX", "x", fine, 0, 2, 1, new int[] {-3}, 1);
        assertArrayEquals(new float[] {0.125f, -0.25f}, fine);
    }

    @Test
    void combinedExponentsAreTheLinearCombination() {
        assertNull(PowerOfTwoScaling.combine(null, 1, null, -1));
        assertArrayEquals(new int[] {4, -6}, PowerOfTwoScaling.combine(new int[] {2, -3}, 2, null, -1));
        assertArrayEquals(new int[] {-1, 5}, PowerOfTwoScaling.combine(null, 1, new int[] {1, -5}, -1));
        assertArrayEquals(new int[] {1, 2}, PowerOfTwoScaling.combine(new int[] {2, -3}, 1, new int[] {1, -5}, -1));
    }
}
