package org.isqrt4j.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Validation.checkFinite: every position of every sample, each kind of non-finite value, and extreme finite ones;
 * the one output check, requireRepresentable, and its message.
 */
class ValidationTest {

    @Test
    void findsANonFiniteValueAtEveryPositionAndNamesIt() {
        float[] bads = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        // lengths around the 8-wide unrolling, so the main loop and the tail loop are both exercised
        for (int len = 1; len <= 19; len++) {
            int perSample = len;
            int batch = 3;
            int off = 2;
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < perSample; i++) {
                    for (float bad : bads) {
                        float[] arr = filled(off + batch * perSample + 1, 0.5f);
                        arr[off + b * perSample + i] = bad;
                        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                () -> Validation.checkFinite("x", arr, off, perSample, batch));
                        String m = e.getMessage();
                        assertTrue(m.contains("sample " + b) && m.contains("element " + i + " ")
                                && m.contains(Float.toString(bad)), m);
                    }
                }
            }
        }
    }

    @Test
    void acceptsExtremeFiniteValuesAndIgnoresWhatLiesOutsideTheSamples() {
        float[] extremes = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -0f, 0f, Float.MIN_NORMAL};
        for (int perSample = 1; perSample <= 19; perSample++) {
            float[] arr = new float[perSample * 2 + 2];
            for (int i = 0; i < arr.length; i++) {
                arr[i] = extremes[i % extremes.length];
            }
            arr[0] = Float.NaN; // before the offset
            arr[arr.length - 1] = Float.POSITIVE_INFINITY; // after the last sample
            int n = perSample;
            assertDoesNotThrow(() -> Validation.checkFinite("x", arr, 1, n, 2));
        }
    }

    @Test
    void aResultThatIsNotRepresentableIsReportedWithTheOneMessage() {
        float[] bads = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int len = 1; len <= 9; len++) {
            for (int i = 0; i < len; i++) {
                for (float bad : bads) {
                    float[] arr = filled(len + 3, 1.5f);
                    arr[2 + i] = bad;
                    arr[2 + len] = Float.NaN; // after the sample: not looked at
                    int n = len;
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> Validation.requireRepresentable("gradX", arr, 2, n, 4, "input too large"));
                    assertEquals("gradX of sample 4 is not representable in float32 (element " + i + " is " + bad
                            + "): input too large", e.getMessage());
                }
            }
            float[] ok = filled(len + 2, Float.MAX_VALUE);
            ok[0] = Float.NaN; // before the sample
            int n = len;
            assertDoesNotThrow(() -> Validation.requireRepresentable("output", ok, 1, n, 0, "diverged"));
        }
        // the form docs/contract.md quotes; a double beyond the float range is named as the double
        assertEquals("sigma of sample 0 is not representable in float32 (element 3 is Infinity): input too large",
                Validation.notRepresentable("sigma", 0, 3, Float.POSITIVE_INFINITY, "input too large").getMessage());
        assertEquals("output of sample 1 is not representable in float32 (element 0 is 1.0E40): diverged",
                Validation.notRepresentable("output", 1, 0, 1e40, "diverged").getMessage());
    }

    private static float[] filled(int length, float v) {
        float[] a = new float[length];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void checksumSeesEverySingleChangeAndEverySwap() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        for (int len = 1; len <= 27; len++) {
            float[] arr = new float[len + 3];
            for (int i = 0; i < arr.length; i++) {
                arr[i] = (float) r.nextGaussian();
            }
            long base = Validation.checksum(arr, 2, len);
            assertTrue(base == Validation.checksum(arr.clone(), 2, len), "deterministic");
            for (int i = 0; i < len; i++) {
                float v = arr[2 + i];
                for (float w : new float[] {Math.nextUp(v), -v, v + 1f, 0f, Float.NaN}) {
                    if (Float.floatToRawIntBits(w) == Float.floatToRawIntBits(v)) {
                        continue;
                    }
                    arr[2 + i] = w;
                    assertTrue(base != Validation.checksum(arr, 2, len), "change at " + i + " of " + len);
                    arr[2 + i] = v;
                }
                for (int j = i + 1; j < len; j++) {
                    float t = arr[2 + i];
                    arr[2 + i] = arr[2 + j];
                    arr[2 + j] = t;
                    assertTrue(base != Validation.checksum(arr, 2, len), "swap " + i + "," + j + " of " + len);
                    arr[2 + j] = arr[2 + i];
                    arr[2 + i] = t;
                }
            }
            // elements outside the region do not count
            arr[0] = 42f;
            arr[arr.length - 1] = -42f;
            assertTrue(base == Validation.checksum(arr, 2, len), "outside the region");
        }
    }
}
