package org.isqrt4j.properties.robust;

import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.reference.ReferenceMath;

/** The arrays of a {@link FuzzCase}, drawn from its seed. */
final class FuzzData {
    private static final int[] MIXED_EXPS = {-30, -20, -10, 0, 10, 20, 30};

    private FuzzData() {
    }

    /** @return a random generator for the case's data, independent of the draws that made the case */
    static SplittableRandom random(FuzzCase c) {
        return new SplittableRandom(c.seed() * 0x9E3779B97F4A7C15L + 0x51ED);
    }

    /** @return X, B*d*n floats, of the case's kind and scale (one sample zero or constant if the case says so) */
    static float[] x(FuzzCase c, SplittableRandom r) {
        int d = c.d();
        int n = c.n();
        float[] x = new float[c.batch() * d * n];
        for (int b = 0; b < c.batch(); b++) {
            FuzzCase.Data kind = b == c.zeroSample() ? (r.nextBoolean() ? FuzzCase.Data.ZERO : FuzzCase.Data.CONST_SAMPLE)
                    : c.data();
            sampleX(kind, c.xExp(), d, n, r, x, b * d * n);
        }
        return x;
    }

    private static void sampleX(FuzzCase.Data kind, int exp, int d, int n, SplittableRandom r, float[] x, int off) {
        double scale = Math.pow(10, exp);
        double sampleScale = Math.pow(10, MIXED_EXPS[r.nextInt(MIXED_EXPS.length)]);
        double[] u = new double[d];
        double[] v = new double[n];
        for (int c = 0; c < d; c++) {
            u[c] = Num.gauss(r);
        }
        for (int p = 0; p < n; p++) {
            v[p] = Num.gauss(r);
        }
        double constant = Num.gauss(r) * scale;
        for (int c = 0; c < d; c++) {
            boolean constRow = kind == FuzzCase.Data.CONST_CHANNELS
                    || (kind == FuzzCase.Data.PARTIAL_CONST && r.nextBoolean());
            double rowConst = Num.gauss(r) * scale;
            double offset = Num.gauss(r) * 1e3;
            for (int p = 0; p < n; p++) {
                double val;
                switch (kind) {
                    case ZERO -> val = 0;
                    case CONST_SAMPLE -> val = constant;
                    case CONST_CHANNELS, PARTIAL_CONST -> val = constRow ? rowConst : Num.gauss(r) * scale;
                    case DENORMAL -> val = Num.gauss(r) * 1e-42;
                    case MIXED_SCALES -> val = Num.gauss(r) * sampleScale * (c % 2 == 0 ? 1 : 1e-3);
                    case RANK1 -> val = u[c] * v[p] * scale;
                    case SPARSE -> val = r.nextInt(7) == 0 ? Num.gauss(r) * scale : 0;
                    // A large common offset: centring must not lose the spread (1e-3 of the offset, far above its ulp).
                    case NEAR_CONST -> val = (offset + Num.gauss(r)) * scale;
                    default -> val = Num.gauss(r) * scale;
                }
                x[off + c * n + p] = (float) val;
            }
        }
    }

    /**
     * @param target the sample made to have a negative trace for {@link FuzzCase.SigmaKind#NEG_TRACE}
     * @return Sigma, B*d*d floats, of the case's kind, largest entry of each sample about 10^sigmaExp
     */
    static float[] sigma(FuzzCase c, SplittableRandom r, int target) {
        int d = c.d();
        float[] s = new float[c.batch() * d * d];
        for (int b = 0; b < c.batch(); b++) {
            FuzzCase.SigmaKind kind = b == c.zeroSample() ? FuzzCase.SigmaKind.ZERO : c.sigma();
            double[] m = sampleSigma(kind, d, r, b == target);
            double max = Num.maxAbs(m);
            double scale = kind == FuzzCase.SigmaKind.DENORMAL ? 1e-40 : Math.pow(10, c.sigmaExp());
            // At 1e38 the largest entry lands in [1e38, 3.3e38]: finite in float, but d of them overflow a float trace.
            double factor = max == 0 ? 0 : scale / max * (c.sigmaExp() == 38 ? 1 + 2.3 * r.nextDouble() : 1);
            for (int i = 0; i < d * d; i++) {
                s[b * d * d + i] = (float) (m[i] * factor);
            }
        }
        return s;
    }

    private static double[] sampleSigma(FuzzCase.SigmaKind kind, int d, SplittableRandom r, boolean target) {
        switch (kind) {
            case ZERO:
                return new double[d * d];
            case DIAG: {
                double[] m = new double[d * d];
                for (int i = 0; i < d; i++) {
                    m[i * d + i] = Math.exp(Num.gauss(r));
                }
                return m;
            }
            case RANK_DEF:
                return cov(d, Math.max(1, d / 2), r);
            case NONSYM: {
                double[] m = cov(d, d + 3, r);
                double tr = 0;
                for (int i = 0; i < d; i++) {
                    tr += m[i * d + i];
                }
                // A small skew part: A's eigenvalues stay near the positive real axis, where the iteration converges.
                for (int i = 0; i < d; i++) {
                    for (int j = i + 1; j < d; j++) {
                        double s = 0.02 * tr / d * Num.gauss(r);
                        m[i * d + j] += s;
                        m[j * d + i] -= s;
                    }
                }
                return m;
            }
            case INDEFINITE: {
                double[] m = cov(d, d + 3, r);
                if (d == 1) {
                    return m;
                }
                double tr = 0;
                for (int i = 0; i < d; i++) {
                    tr += m[i * d + i];
                }
                double[] u = new double[d];
                double nu = 0;
                for (int i = 0; i < d; i++) {
                    u[i] = Num.gauss(r);
                    nu += u[i] * u[i];
                }
                // Subtract 0.8 tr/d along a random direction: the trace stays positive, an eigenvalue may go negative.
                double a = 0.8 * tr / d / nu;
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        m[i * d + j] -= a * u[i] * u[j];
                    }
                }
                return m;
            }
            case NEG_TRACE: {
                double[] m = cov(d, d + 3, r);
                if (target) {
                    for (int i = 0; i < d * d; i++) {
                        m[i] = -m[i];
                    }
                }
                return m;
            }
            default:
                return cov(d, d + 3, r);
        }
    }

    private static double[] cov(int d, int m, SplittableRandom r) {
        double[] x = new double[d * m];
        for (int i = 0; i < x.length; i++) {
            x[i] = Num.gauss(r);
        }
        return ReferenceMath.covariance(x, d, m);
    }

    /**
     * @param per floats per sample; {@code symmetricD} &gt; 0 makes each sample an exactly symmetric d x d matrix
     * @return an incoming gradient at the case's scale
     */
    static float[] gradient(FuzzCase c, SplittableRandom r, int per, int symmetricD) {
        double scale = Math.pow(10, c.gradExp());
        float[] g = new float[c.batch() * per];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (Num.gauss(r) * scale);
        }
        if (symmetricD > 0) {
            for (int b = 0; b < c.batch(); b++) {
                Num.symmetrise(g, b * per, symmetricD);
            }
        }
        return g;
    }

    /** @return whether the case's incoming gradient dL/dC is made symmetric (FULL layout and symG) */
    static boolean symmetricOutputGradient(FuzzCase c) {
        return c.symG() && c.layout() == OutputLayout.FULL;
    }
}
