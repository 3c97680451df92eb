package org.isqrt4j.properties.robust;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.function.Executable;

/** Assertions shared by the robustness tests. */
final class RobustChecks {
    private RobustChecks() {
    }

    /**
     * Every float finite, and each of the {@code want.length} samples within {@code tol} (relative Frobenius, with
     * the denormal floor of {@link Num#errorRatio}) of its float64 value.
     */
    static void matches(String what, float[] got, int off, double[][] want, double tol) {
        int each = want[0].length;
        for (int b = 0; b < want.length; b++) {
            for (int i = 0; i < each; i++) {
                float v = got[off + b * each + i];
                if (!Float.isFinite(v)) {
                    fail(what + ": non-finite " + v + " in sample " + b + " at " + i + " (want " + want[b][i] + ")");
                }
            }
            double ratio = Num.errorRatio(got, off + b * each, want[b], tol);
            assertTrue(ratio <= 1, what + ": sample " + b + " differs from float64 by " + ratio + " x the bound " + tol
                    + " (|want| = " + Num.norm(want[b]) + ")");
        }
    }

    /**
     * {@code scaled} == 2^s {@code base}: to the last bit where {@code bitwise} (exact power-of-two scaling), else
     * to a relative {@code tol} per element (OpenCL C allows sqrt and division a few ulp, which need not commute
     * with scaling bit for bit). Elements are compared where both are normal floats.
     */
    static void scaledBy(String what, float[] base, float[] scaled, int s, boolean bitwise, double tol) {
        assertTrue(base.length == scaled.length, what + ": lengths differ");
        for (int i = 0; i < base.length; i++) {
            double want = Math.scalb((double) base[i], s);
            float got = scaled[i];
            if (!Float.isFinite(got)) {
                fail(what + ": element " + i + " is " + got);
            }
            if (Math.abs(want) < Float.MIN_NORMAL || Math.abs(got) < Float.MIN_NORMAL) {
                continue;
            }
            if (bitwise) {
                if (got != (float) want) {
                    fail(what + ": element " + i + " is " + got + ", expected exactly 2^" + s + " * " + base[i] + " = "
                            + (float) want);
                }
            } else if (Math.abs(got - want) > tol * Math.abs(want)) {
                fail(what + ": element " + i + " is " + got + ", expected 2^" + s + " * " + base[i] + " = " + want
                        + " within " + tol);
            }
        }
    }

    /** @return the IllegalArgumentException, after checking that its message contains every fragment */
    static IllegalArgumentException rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(String.valueOf(e.getMessage()).contains(f), "message should contain '" + f + "': " + e.getMessage());
        }
        return e;
    }

    /** @return a copy of a times 2^s, exact for normal floats */
    static float[] times(float[] a, int s) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) Math.scalb((double) a[i], s);
        }
        return r;
    }
}
