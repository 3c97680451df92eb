package org.isqrt4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The root, pre-normalisation and eps options: defaults unchanged, copies, validation, equality. */
class SqrtOptionsTest {
    @Test
    void defaultsAreThePapersAndPrintAsBefore() {
        SqrtOptions o = SqrtOptions.defaults();
        assertEquals(SqrtOptions.Root.SQRT, o.root());
        assertEquals(SqrtOptions.Normalisation.TRACE, o.normalisation());
        assertEquals(0.0, o.epsilon());
        assertTrue(o.isPlainSqrt());
        assertEquals("SqrtOptions[K=5, FULL]", o.toString());
        assertEquals(5 * 31 + OutputLayout.FULL.hashCode(), o.hashCode());
        assertEquals(SqrtOptions.of(7, OutputLayout.TRIU), SqrtOptions.defaults().withIterations(7).withLayout(OutputLayout.TRIU));
    }

    @Test
    void copiesKeepTheOtherFields() {
        SqrtOptions o = SqrtOptions.of(3, OutputLayout.TRIU).withRoot(SqrtOptions.Root.INV_SQRT)
                .withNormalisation(SqrtOptions.Normalisation.FROBENIUS).withEpsilon(1e-3);
        SqrtOptions p = o.withIterations(9).withLayout(OutputLayout.FULL);
        assertEquals(SqrtOptions.Root.INV_SQRT, p.root());
        assertEquals(SqrtOptions.Normalisation.FROBENIUS, p.normalisation());
        assertEquals(1e-3, p.epsilon());
        assertEquals(9, p.iterations());
        assertFalse(p.isPlainSqrt());
        assertNotEquals(o, p);
        assertEquals(o, SqrtOptions.of(3, OutputLayout.TRIU).withEpsilon(1e-3)
                .withNormalisation(SqrtOptions.Normalisation.FROBENIUS).withRoot(SqrtOptions.Root.INV_SQRT));
        assertEquals(o.hashCode(), o.withEpsilon(1e-3).hashCode());
        assertNotEquals(SqrtOptions.defaults(), SqrtOptions.defaults().withEpsilon(1e-9));
        assertEquals(SqrtOptions.defaults(), SqrtOptions.defaults().withEpsilon(-0.0));
        assertTrue(o.toString().contains("INV_SQRT") && o.toString().contains("FROBENIUS") && o.toString().contains("eps=0.001"));
    }

    @Test
    void badValuesAreRejected() {
        SqrtOptions o = SqrtOptions.defaults();
        for (double eps : new double[] {-1e-300, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.withEpsilon(eps));
            assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> o.withRoot(null));
        assertThrows(IllegalArgumentException.class, () -> o.withNormalisation(null));
        assertThrows(IllegalArgumentException.class, () -> o.withLayout(null));
        assertThrows(IllegalArgumentException.class, () -> o.withRoot(SqrtOptions.Root.INV_SQRT).withIterations(0));
    }

    @Test
    void inverseBoundIsSqrtDTimes1Point5PowK() {
        assertEquals(Math.sqrt(3) * Math.pow(1.5, 4), Validation.inverseIterateBound(3, 4), 1e-12);
        float[] z = new float[4];
        z[0] = z[3] = (float) Math.pow(1.5, 4); // Z_4 of A = 0: the largest iterate there is
        Validation.requireInverseConverged(z, 0, OutputLayout.FULL, 2, 1.0, 0, 4);
        z[0] *= 1.01f;
        z[3] *= 1.01f;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Validation.requireInverseConverged(z, 0, OutputLayout.FULL, 2, 1.0, 3, 4));
        assertTrue(e.getMessage().contains("sample 3") && e.getMessage().contains("diverged"), e.getMessage());
    }
}
