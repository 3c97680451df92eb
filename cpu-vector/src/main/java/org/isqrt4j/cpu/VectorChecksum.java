package org.isqrt4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The api's saved-input checksum with one Fletcher lane per vector lane: per lane s1 += bits, s2 += s1 modulo
 * 2^32 over the raw float bits, one vector load and two integer adds per vector, then every lane mixed into 64
 * bits. Same guarantees as the scalar form (any single changed element changes s1 of its lane; a permutation
 * changes s2), about ten times faster; the values differ from the scalar form's and between vector widths, which
 * does not matter because the forward and the backward of one op use the same form. Loaded reflectively by
 * {@link VectorSupport}, like {@link VectorKernels}. Stateless and thread-safe.
 */
final class VectorChecksum implements InputChecksum {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int VL = F.length();

    VectorChecksum() {
        if (I.length() != VL) {
            throw new IllegalStateException("int and float species differ: " + I + ", " + F);
        }
    }

    @Override
    public long of(float[] x, int off, int len) {
        IntVector s1 = IntVector.zero(I);
        IntVector s2 = IntVector.zero(I);
        int i = 0;
        for (; i + VL <= len; i += VL) {
            s1 = s1.add(FloatVector.fromArray(F, x, off + i).reinterpretAsInts());
            s2 = s2.add(s1);
        }
        int t1 = 0;
        int t2 = 0;
        for (; i < len; i++) {
            t1 += Float.floatToRawIntBits(x[off + i]);
            t2 += t1;
        }
        long h = mix(len, t1, t2);
        for (int lane = 0; lane < VL; lane++) {
            h = mix(h, s1.lane(lane), s2.lane(lane));
        }
        return h;
    }

    private static long mix(long h, int a, int b) {
        long v = (h ^ (((long) a << 32) | (b & 0xffffffffL))) * 0x9E3779B97F4A7C15L;
        return v ^ (v >>> 31);
    }
}
