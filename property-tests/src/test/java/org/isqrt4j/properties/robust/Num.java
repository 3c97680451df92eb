package org.isqrt4j.properties.robust;

import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.reference.ReferenceMath;

/**
 * Data generators and float64 expectations for the robustness tests. The expectations come from
 * {@link ReferenceMath} (float64, straight from docs/maths.md), not from the reference back-end, so that the
 * reference back-end is checked too.
 */
final class Num {
    private Num() {
    }

    static double gauss(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** @return len Gaussian floats times scale */
    static float[] gaussian(SplittableRandom r, int len, double scale) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (gauss(r) * scale);
        }
        return a;
    }

    static double[] toDouble(float[] a, int off, int len) {
        double[] r = new double[len];
        for (int i = 0; i < len; i++) {
            r[i] = a[off + i];
        }
        return r;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** @return whether a d x d float matrix at off equals its transpose exactly */
    static boolean symmetric(float[] a, int off, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                if (a[off + i * d + j] != a[off + j * d + i]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Makes a d x d float matrix at off exactly symmetric (upper triangle mirrored). */
    static void symmetrise(float[] a, int off, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                a[off + j * d + i] = a[off + i * d + j];
            }
        }
    }

    /**
     * Error of one sample against its float64 expectation, as a fraction of the allowed error:
     * ||got - want|| / (tol ||want|| + 4 MIN_VALUE sqrt(len)); at most 1 passes. The absolute term is the
     * rounding of results in the denormal range, where float32 has no relative precision to speak of.
     */
    static double errorRatio(float[] got, int off, double[] want, double tol) {
        double e = 0;
        for (int i = 0; i < want.length; i++) {
            double diff = got[off + i] - want[i];
            e += diff * diff;
        }
        return Math.sqrt(e) / (tol * norm(want) + 4 * Float.MIN_VALUE * Math.sqrt(want.length));
    }

    /** @return the sample's values in the given layout from a full d x d matrix */
    static double[] inLayout(double[] full, int d, OutputLayout layout) {
        return layout == OutputLayout.FULL ? full : ReferenceMath.packTriu(full, d);
    }

    /** @return a full d x d incoming gradient from one in the given layout (TRIU: upper triangle, zero below) */
    static double[] fullGradient(double[] g, int d, OutputLayout layout) {
        return layout == OutputLayout.FULL ? g : ReferenceMath.unpackTriu(g, d);
    }

    /** @return sqrt(tr) p_K(Sigma / tr) in float64: spectral for exactly symmetric Sigma, the iteration otherwise */
    static double[] sqrtWant(double[] sigma, int d, int k, boolean sym) {
        return sym ? ReferenceMath.sqrtSpectral(sigma, d, k) : ReferenceMath.sqrtIterative(sigma, d, k);
    }

    /** @return dL/dSigma in float64, spectral for exactly symmetric Sigma, the iteration's gradient otherwise */
    static double[] sqrtBackwardWant(double[] sigma, int d, int k, boolean sym, double[] gFull) {
        return sym ? ReferenceMath.sqrtBackwardSpectral(sigma, d, k, gFull)
                : ReferenceMath.sqrtBackwardIterative(sigma, d, k, gFull);
    }
}
