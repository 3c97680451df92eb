package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

import org.isqrt4j.api.Isqrt4jException;
import org.junit.jupiter.api.Assumptions;

/** Shared test helpers: opening the back-end (or skipping/failing when no device exists), data, error norms. */
final class ClTestSupport {
    private ClTestSupport() {
    }

    /**
     * Opens an op on the default device. Without any OpenCL device the calling test fails when the environment
     * variable CI is "true" (a CI machine must have one, e.g. PoCL) and is skipped with the reason otherwise.
     *
     * @param gemm "direct", "local" or null for the device's default GEMM kernel
     * @return a new op; the caller closes it
     */
    static OpenClMatrixSqrtOp open(String gemm) {
        ClDevice dev = deviceOrAbort();
        return new OpenClMatrixSqrtOp(dev, gemm);
    }

    /** @return the default op */
    static OpenClMatrixSqrtOp open() {
        return open(null);
    }

    /** @return the device the default selection picks, or abort/fail as {@link #open(String)} says */
    static ClDevice deviceOrAbort() {
        try {
            return DeviceSelector.select(null, null);
        } catch (Isqrt4jException e) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but no OpenCL device is available: " + e.getMessage(), e);
            }
            Assumptions.abort("no OpenCL device available (set CI=true to make this a failure): " + e.getMessage());
            throw e; // not reached
        }
    }

    static float[] gaussian(SplittableRandom rnd, int len, double scale) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            // Box-Muller; one value per pair is enough here.
            double u = 1 - rnd.nextDouble();
            double v = rnd.nextDouble();
            a[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return a;
    }

    /** ||got - want||_F / max(||want||_F, tiny) over one sample's values. */
    static double relError(float[] got, int off, double[] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            double e = got[off + i] - want[i];
            num += e * e;
            den += want[i] * want[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
    }

    static double[] flat(double[][] m) {
        double[] out = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        }
        return out;
    }

    static boolean allFinite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
