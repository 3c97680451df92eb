package org.isqrt4j.testsupport;

/**
 * The error norms the tests bound: Frobenius norms of differences, relative to the expectation.
 */
public final class ErrorNorms {
    /** Below this the expectation's norm counts as zero (a relative error against zero is infinite). */
    private static final double TINY = 1e-300;

    private ErrorNorms() {
    }

    /**
     * @param got  the computed values
     * @param want the expectation (same length)
     * @return ||got - want||_F / max(||want||_F, 1e-300): relative, and huge unless exact when want is 0
     */
    public static double relErr(double[] got, double[] want) {
        if (got.length != want.length) {
            throw new AssertionError("lengths " + got.length + " vs " + want.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            double e = got[i] - want[i];
            num += e * e;
            den += want[i] * want[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), TINY);
    }

    /**
     * @param got  float32 results, of which want.length are compared
     * @param off  where the compared values start in got
     * @param want the float64 expectation
     * @return ||got - want||_F / max(||want||_F, 1e-300) over those values
     */
    public static double relErr(float[] got, int off, double[] want) {
        return relErr(Dense.toDouble(got, off, want.length), want); // float to double is exact
    }

    /**
     * @param a values
     * @param b values of the same length
     * @return ||a - b||_F
     */
    public static double normDiff(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double t = a[i] - b[i];
            s += t * t;
        }
        return Math.sqrt(s);
    }

    /**
     * @param a values
     * @return ||a||_F; a plain sum of squares, safe for the magnitudes the tests produce
     */
    public static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /**
     * @param a values
     * @return whether none is NaN or infinite
     */
    public static boolean allFinite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
