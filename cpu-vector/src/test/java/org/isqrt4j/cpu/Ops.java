package org.isqrt4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.RandomData;

/** Test fixtures: the op variants available on this JVM, and random inputs. */
final class Ops {
    private Ops() {
    }

    /** scalar and (where available) vector kernels, each with 1 and 2 threads; the caller closes them. */
    static List<CpuMatrixSqrtOp> all() {
        List<CpuMatrixSqrtOp> l = new ArrayList<>();
        l.add(CpuMatrixSqrtOp.scalar(1));
        l.add(CpuMatrixSqrtOp.scalar(2));
        if (CpuMatrixSqrtOp.vectorAvailable()) {
            l.add(CpuMatrixSqrtOp.vector(1));
            l.add(CpuMatrixSqrtOp.vector(2));
        }
        return l;
    }

    /** The best op here with one thread. */
    static CpuMatrixSqrtOp best() {
        return CpuMatrixSqrtOp.vectorAvailable() ? CpuMatrixSqrtOp.vector(1) : CpuMatrixSqrtOp.scalar(1);
    }

    static void closeAll(List<CpuMatrixSqrtOp> ops) {
        for (CpuMatrixSqrtOp op : ops) {
            op.close();
        }
    }

    /**
     * The float64 oracle of the layer as the back-end computes it: ReferenceMath's covariance, then its plain
     * coupled iteration (docs/maths.md (M3)-(M5)), which works on general (non-symmetric) matrices, so that it checks
     * the back-end's symmetric shortcuts rather than sharing them.
     */
    static double[] layer(double[] x, int d, int n, int k) {
        return ReferenceMath.sqrtIterative(ReferenceMath.covariance(x, d, n), d, k);
    }

    /** A symmetric positive semi-definite d x d matrix W W^T / m with m columns (rank min(d, m)). */
    static float[] spd(SplittableRandom r, int d, int m) {
        float[] w = RandomData.gaussianFloats(r, d * m);
        float[] s = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double v = 0;
                for (int p = 0; p < m; p++) {
                    v += (double) w[i * m + p] * w[j * m + p];
                }
                s[i * d + j] = (float) (v / m);
                s[j * d + i] = (float) (v / m);
            }
        }
        return s;
    }

    /** An SPD matrix plus a small non-symmetric perturbation (eps relative to the trace / d). */
    static float[] nonSymmetric(SplittableRandom r, int d, double eps) {
        float[] s = spd(r, d, d + 3);
        double tr = 0;
        for (int i = 0; i < d; i++) {
            tr += s[i * d + i];
        }
        for (int i = 0; i < d * d; i++) {
            s[i] += (float) (eps * tr / d * (r.nextDouble() - 0.5));
        }
        return s;
    }
}
