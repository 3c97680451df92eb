package org.isqrt4j.properties.robust;

import java.util.Arrays;

/**
 * A caller array with a region and guard cells around it. Guards hold a NaN with a recognisable payload, so
 * that (a) a back-end reading outside an input region would trip its own finiteness check, and (b) any write
 * outside an output region changes a bit pattern that {@link #checkGuards} compares exactly. An output region
 * starts filled with a second NaN payload, so a region the back-end forgets to write shows up as non-finite.
 */
final class Buf {
    /** Raw bits of the guard value (a quiet NaN no arithmetic produces). */
    static final int GUARD_BITS = 0x7fc5_a5a5;
    /** Raw bits of the "not yet written" value of an output region. */
    static final int UNWRITTEN_BITS = 0x7fc0_0bad;

    /** The array passed to the op. */
    final float[] array;
    /** The offset passed to the op (may be negative in fault cases). */
    final int offset;
    /** Where the region physically starts. */
    final int start;
    /** Floats the region should hold (the array may be shorter in fault cases). */
    final int length;

    private Buf(float[] array, int offset, int start, int length) {
        this.array = array;
        this.offset = offset;
        this.start = start;
        this.length = length;
    }

    /**
     * @param data   the region's content
     * @param prefix guard cells before it, &gt;= 0
     * @param slack  guard cells after it; negative makes the array too short by that much
     * @param offset the offset to pass (normally {@code prefix})
     * @return the guarded input
     */
    static Buf input(float[] data, int prefix, int slack, int offset) {
        float[] a = new float[Math.max(0, prefix + data.length + slack)];
        Arrays.fill(a, Float.intBitsToFloat(GUARD_BITS));
        System.arraycopy(data, 0, a, prefix, Math.min(data.length, a.length - prefix));
        return new Buf(a, offset, prefix, data.length);
    }

    /** @param length region size @param prefix guards before @param slack guards after (negative: too short) @param offset passed offset @return the guarded output */
    static Buf output(int length, int prefix, int slack, int offset) {
        float[] a = new float[Math.max(0, prefix + length + slack)];
        Arrays.fill(a, Float.intBitsToFloat(GUARD_BITS));
        Arrays.fill(a, prefix, Math.min(a.length, prefix + length), Float.intBitsToFloat(UNWRITTEN_BITS));
        return new Buf(a, offset, prefix, length);
    }

    /** @return a copy of the whole array, guards included */
    float[] snapshot() {
        return array.clone();
    }

    /** @return whether every float of the array has the bit pattern it had in {@code snap} */
    boolean unchangedSince(float[] snap) {
        return firstDifference(array, snap) < 0;
    }

    /** @return index of the first bitwise difference, -1 if none */
    static int firstDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            return Math.min(a.length, b.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return i;
            }
        }
        return -1;
    }

    /** @return null if every cell outside the region still holds the guard, else a description of the first bad one */
    String guardViolation() {
        for (int i = 0; i < array.length; i++) {
            if ((i < start || i >= start + length) && Float.floatToRawIntBits(array[i]) != GUARD_BITS) {
                return "guard cell " + i + " (region " + start + ".." + (start + length) + " of " + array.length
                        + ") was overwritten with " + array[i];
            }
        }
        return null;
    }

    /** @return the region's values (must lie inside the array) */
    float[] region() {
        return Arrays.copyOfRange(array, start, start + length);
    }
}
