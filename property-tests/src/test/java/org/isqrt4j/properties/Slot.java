package org.isqrt4j.properties;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.isqrt4j.testsupport.Dense;

/**
 * An argument region inside a larger array, at a random offset with guard cells around it.
 * <ul>
 *   <li>Inputs are surrounded by quiet NaN: a kernel that reads outside its region poisons its output, which the
 *       finiteness check then catches. The whole array is snapshotted to prove the op never writes an input.</li>
 *   <li>Outputs are pre-filled, region included, with a NaN carrying a recognisable payload: a cell the op
 *       forgot to write (or accumulated into) stays non-finite, and a guard cell the op wrote no longer has the
 *       payload bits.</li>
 * </ul>
 */
final class Slot {
    /** Quiet NaN with a payload no arithmetic produces. */
    static final int SENTINEL_BITS = 0x7fc5a5a5;
    static final float SENTINEL = Float.intBitsToFloat(SENTINEL_BITS);
    private static final int[] OFFSETS = {0, 0, 1, 3, 5, 16, 31};

    final String name;
    final float[] array;
    final int off;
    final int len;
    private final boolean input;
    private final float[] snapshot;

    private Slot(String name, float[] array, int off, int len, boolean input) {
        this.name = name;
        this.array = array;
        this.off = off;
        this.len = len;
        this.input = input;
        this.snapshot = array.clone();
    }

    /** @return data placed at a random offset, NaN before and after */
    static Slot input(String name, float[] data, SplittableRandom rnd) {
        int off = OFFSETS[rnd.nextInt(OFFSETS.length)];
        float[] a = new float[off + data.length + rnd.nextInt(8)];
        Arrays.fill(a, Float.NaN);
        System.arraycopy(data, 0, a, off, data.length);
        return new Slot(name, a, off, data.length, true);
    }

    /** @return an output region of len floats at a random offset, everything pre-filled with the sentinel */
    static Slot output(String name, int len, SplittableRandom rnd) {
        int off = OFFSETS[rnd.nextInt(OFFSETS.length)];
        float[] a = new float[off + len + rnd.nextInt(8)];
        Arrays.fill(a, SENTINEL);
        return new Slot(name, a, off, len, false);
    }

    /** @return an array of exactly len floats, offset 0, all sentinel: for "too short" arguments */
    static Slot exactOutput(String name, int len) {
        float[] a = new float[len];
        Arrays.fill(a, SENTINEL);
        return new Slot(name, a, 0, len, false);
    }

    /** @return a copy of the region */
    float[] data() {
        return Arrays.copyOfRange(array, off, off + len);
    }

    /** @return sample b of the region (per floats each) in float64 */
    double[] sample(int b, int per) {
        return Dense.toDouble(array, off + b * per, per);
    }

    /**
     * Fails unless the array is exactly as created (inputs) or, for outputs, the guards are untouched and every
     * region cell was written with a finite value.
     *
     * @param where what was called, for the message
     */
    void verify(String where) {
        if (input) {
            for (int i = 0; i < array.length; i++) {
                if (Float.floatToRawIntBits(array[i]) != Float.floatToRawIntBits(snapshot[i])) {
                    throw new AssertionError(where + ": input " + name + " was modified at index " + i
                            + (i >= off && i < off + len ? " (inside its region)" : " (outside its region)")
                            + ": " + snapshot[i] + " -> " + array[i]);
                }
            }
            return;
        }
        for (int i = 0; i < array.length; i++) {
            boolean inside = i >= off && i < off + len;
            int bits = Float.floatToRawIntBits(array[i]);
            if (!inside && bits != SENTINEL_BITS) {
                throw new AssertionError(where + ": wrote " + array[i] + " outside the output region of " + name
                        + " at index " + i + " (region [" + off + ", " + (off + len) + "), length " + array.length + ")");
            }
            if (inside && bits == SENTINEL_BITS) {
                throw new AssertionError(where + ": output " + name + " element " + (i - off) + " was never written");
            }
            if (inside && !Float.isFinite(array[i])) {
                throw new AssertionError(where + ": output " + name + " element " + (i - off) + " is " + array[i]
                        + " for finite input");
            }
        }
    }

    /** Fails unless the whole array is bit-for-bit as created: a rejected call must not have written anything. */
    void verifyUntouched(String where) {
        for (int i = 0; i < array.length; i++) {
            if (Float.floatToRawIntBits(array[i]) != Float.floatToRawIntBits(snapshot[i])) {
                throw new AssertionError(where + ": rejected call still wrote " + name + " at index " + i);
            }
        }
    }
}
