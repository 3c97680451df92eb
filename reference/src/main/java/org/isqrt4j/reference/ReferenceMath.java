package org.isqrt4j.reference;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.isqrt4j.api.SqrtOptions;

/**
 * Float64 ground truth of the iSQRT-COV layer for one sample: covariance pooling, the trace-normalised,
 * post-compensated coupled Newton-Schulz square root (computed spectrally and by the plain iteration), the true
 * square root, and their exact gradients.
 *
 * <p>All matrices are row-major {@code double[]}: X is d x n, Sigma, C and their gradients are d x d.
 * Arrays must have exactly the length of their shape (d, n &gt;= 1), else {@link IllegalArgumentException}.
 * No method modifies its inputs; every method returns a new array.
 *
 * <p>Notation (docs/maths.md (M3)-(M8)): tau = tr(Sigma), A = Sigma / tau, Y_K = p_K(A) where p_K is the scalar
 * recurrence (y, z) = (lambda, 1); t = (3 - z y) / 2; y = y t; z = t z, applied K times, and
 * C = F(Sigma) = sqrt(tau) Y_K. A sample whose trace is exactly 0 has C = 0 and a zero gradient.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReferenceMath {
    private ReferenceMath() {
    }

    // ------------------------------------------------------------------------------------------ covariance

    /**
     * Covariance pooling Sigma = (1/n) Xc Xc^T, Xc = X minus the per-channel (row) mean.
     *
     * @param x row-major d x n
     * @param d channels
     * @param n positions
     * @return Sigma, d x d, exactly symmetric
     */
    public static double[] covariance(double[] x, int d, int n) {
        checkLength("x", x, d * n);
        double[] xc = centre(x, d, n);
        double[] sigma = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double s = 0;
                for (int p = 0; p < n; p++) {
                    s += xc[i * n + p] * xc[j * n + p];
                }
                // Computing only i <= j and mirroring makes Sigma exactly symmetric, which the spectral path assumes.
                sigma[i * d + j] = s / n;
                sigma[j * d + i] = s / n;
            }
        }
        return sigma;
    }

    /**
     * Covariance backward dL/dX = (G + G^T) Xc / n for any G = dL/dSigma. (The centring projector needs no
     * explicit term: Xc 1 = 0.)
     *
     * @param x      the forward's input, d x n
     * @param d      channels
     * @param n      positions
     * @param gSigma dL/dSigma, d x d, not necessarily symmetric
     * @return dL/dX, d x n
     */
    public static double[] covarianceBackward(double[] x, int d, int n, double[] gSigma) {
        checkLength("x", x, d * n);
        checkLength("gSigma", gSigma, d * d);
        double[] xc = centre(x, d, n);
        double[] gs = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                gs[i * d + j] = gSigma[i * d + j] + gSigma[j * d + i];
            }
        }
        double[] gx = mul(gs, d, d, xc, n);
        for (int i = 0; i < gx.length; i++) {
            gx[i] /= n;
        }
        return gx;
    }

    /** Two-pass centring: for a constant float row the double sum is exact, so Xc is exactly zero there. */
    private static double[] centre(double[] x, int d, int n) {
        double[] xc = new double[d * n];
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int p = 0; p < n; p++) {
                s += x[i * n + p];
            }
            double mean = s / n;
            for (int p = 0; p < n; p++) {
                xc[i * n + p] = x[i * n + p] - mean;
            }
        }
        return xc;
    }

    // ------------------------------------------------------------------------------------------ forward

    /**
     * The true positive semi-definite square root of a symmetric Sigma (not normalised, no iteration):
     * V sqrt(max(L, 0)) V^T. Eigenvalues below zero (rounding in rank-deficient input) are clamped to 0.
     *
     * @param sigma symmetric d x d (its symmetric part is used)
     * @param d     size
     * @return sqrt(Sigma), d x d, symmetric
     */
    public static double[] sqrtExact(double[] sigma, int d) {
        checkLength("sigma", sigma, d * d);
        Eigen e = eigSymmetric(sigma, d, 1.0);
        double[] f = new double[d];
        for (int i = 0; i < d; i++) {
            f[i] = Math.sqrt(Math.max(e.values[i], 0.0));
        }
        return e.reconstruct(f);
    }

    /**
     * The spectral Newton-Schulz square root: sqrt(tau) V p_K(L / tau) V^T with Sigma = V L V^T. Equal to the
     * coupled iteration of {@link #sqrtIterative} in exact arithmetic (Y_K is the polynomial p_K of A), but free
     * of the iteration's rounding. No clamping: p_K is a polynomial and is applied to tiny negative eigenvalues
     * as the iteration would.
     *
     * @param sigma symmetric d x d (its symmetric part is used); trace must be &gt;= 0
     * @param d     size
     * @param k     iterations K &gt;= 1
     * @return C, d x d, symmetric; zeros when tr(Sigma) = 0
     */
    public static double[] sqrtSpectral(double[] sigma, int d, int k) {
        checkLength("sigma", sigma, d * d);
        checkK(k);
        double tau = trace(sigma, d);
        if (tau == 0) {
            return new double[d * d];
        }
        Eigen e = eigSymmetric(sigma, d, tau);
        double rt = Math.sqrt(tau);
        double[] f = new double[d];
        for (int i = 0; i < d; i++) {
            f[i] = rt * scalarNewtonSchulz(e.values[i], k);
        }
        return e.reconstruct(f);
    }

    /**
     * The plain coupled Newton-Schulz iteration in double, exactly as docs/maths.md (M3)-(M5) writes it:
     * Y0 = A = Sigma / tau, Z0 = I; K times T = (3I - Z Y) / 2, Y = Y T, Z = T Z; C = sqrt(tau) Y_K.
     * Works for any (also non-symmetric) Sigma with non-negative trace.
     *
     * @param sigma d x d
     * @param d     size
     * @param k     iterations K &gt;= 1
     * @return C, d x d; zeros when tr(Sigma) = 0
     */
    public static double[] sqrtIterative(double[] sigma, int d, int k) {
        checkLength("sigma", sigma, d * d);
        checkK(k);
        double tau = trace(sigma, d);
        if (tau == 0) {
            return new double[d * d];
        }
        double[][] ys = new double[k + 1][];
        double[][] zs = new double[k + 1][];
        newtonSchulz(sigma, d, k, tau, ys, zs);
        return scale(ys[k], Math.sqrt(tau));
    }

    /**
     * Runs the coupled iteration, keeping every Y_j and Z_j (j = 0..K) for the backward; Z_K is not needed and
     * left null.
     */
    private static void newtonSchulz(double[] sigma, int d, int k, double tau, double[][] ys, double[][] zs) {
        newtonSchulz(sigma, d, k, tau, ys, zs, false);
    }

    /** {@link #newtonSchulz(double[], int, int, double, double[][], double[][])}, also forming Z_K when keepZk. */
    private static void newtonSchulz(double[] sigma, int d, int k, double tau, double[][] ys, double[][] zs,
                                boolean keepZk) {
        ys[0] = scale(sigma, 1.0 / tau);
        zs[0] = identity(d);
        for (int j = 1; j <= k; j++) {
            double[] t = threeIMinus(mul(zs[j - 1], d, d, ys[j - 1], d), d);
            ys[j] = mul(ys[j - 1], d, d, t, d);
            if (j < k || keepZk) {
                zs[j] = mul(t, d, d, zs[j - 1], d);
            }
        }
    }

    /**
     * p_K(lambda): the scalar coupled recurrence (y, z) = (lambda, 1); t = (3 - z y) / 2; y = y t; z = t z.
     *
     * @param lambda the eigenvalue of A
     * @param k      iterations K &gt;= 1
     * @return y after K steps
     */
    public static double scalarNewtonSchulz(double lambda, int k) {
        checkK(k);
        double y = lambda;
        double z = 1;
        for (int j = 0; j < k; j++) {
            double t = (3 - z * y) / 2;
            y = y * t;
            z = t * z;
        }
        return y;
    }

    /**
     * Divided difference [a, b] p_K, with [a, a] p_K = p_K'(a). Never forms (p(a) - p(b)) / (a - b), which cancels
     * catastrophically for close eigenvalues: the differences are carried through the recurrence by the Leibniz
     * rule [a,b](f g) = [a,b]f g(b) + f(a) [a,b]g, from [a,b]y0 = 1 and [a,b]z0 = 0.
     *
     * @param a first point
     * @param b second point
     * @param k iterations K &gt;= 1
     * @return [a, b] p_K
     */
    public static double dividedDifference(double a, double b, int k) {
        return dividedDifference(a, b, k, false);
    }

    /**
     * Divided difference [a, b] z_K of the inverse-root polynomial (see {@link #scalarInverseNewtonSchulz}),
     * with [a, a] z_K = z_K'(a), by the same Leibniz recurrence as {@link #dividedDifference(double, double, int)}.
     *
     * @param a first point
     * @param b second point
     * @param k iterations K &gt;= 1
     * @return [a, b] z_K
     */
    public static double dividedDifferenceInverse(double a, double b, int k) {
        return dividedDifference(a, b, k, true);
    }

    private static double dividedDifference(double a, double b, int k, boolean ofZ) {
        checkK(k);
        double ya = a;
        double yb = b;
        double za = 1;
        double zb = 1;
        double dy = 1;
        double dz = 0;
        for (int j = 0; j < k; j++) {
            double ta = (3 - za * ya) / 2;
            double tb = (3 - zb * yb) / 2;
            double dzy = dz * yb + za * dy;
            double dt = -dzy / 2;
            double dyNew = dy * tb + ya * dt;
            double dzNew = dt * zb + ta * dz;
            dy = dyNew;
            dz = dzNew;
            ya *= ta;
            yb *= tb;
            za = ta * za;
            zb = tb * zb;
        }
        return ofZ ? dz : dy;
    }

    /**
     * z_K(lambda): the Z side of the scalar coupled recurrence of {@link #scalarNewtonSchulz}, which approaches
     * lambda^(-1/2) on (0, 1]. z_K(0) = 1.5^K: on the null space of a rank-deficient Sigma the inverse root is
     * finite but grows with K. For lambda in [0, 1] every z_k lies in [1, 1.5^k].
     *
     * @param lambda the eigenvalue of A
     * @param k      iterations K &gt;= 1
     * @return z after K steps
     */
    public static double scalarInverseNewtonSchulz(double lambda, int k) {
        checkK(k);
        double y = lambda;
        double z = 1;
        for (int j = 0; j < k; j++) {
            double t = (3 - z * y) / 2;
            y = y * t;
            z = t * z;
        }
        return z;
    }

    // ------------------------------------------------------------------------------------------ options

    /**
     * The exact inverse square root V max(L, 0)^(-1/2) V^T of a symmetric positive definite Sigma.
     *
     * @param sigma symmetric d x d (its symmetric part is used)
     * @param d     size
     * @return Sigma^(-1/2), d x d, symmetric
     * @throws IllegalArgumentException if an eigenvalue is not positive
     */
    public static double[] invSqrtExact(double[] sigma, int d) {
        checkLength("sigma", sigma, d * d);
        Eigen e = eigSymmetric(sigma, d, 1.0);
        double[] f = new double[d];
        for (int i = 0; i < d; i++) {
            if (!(e.values[i] > 0)) {
                throw new IllegalArgumentException("Sigma is not positive definite: eigenvalue " + e.values[i]);
            }
            f[i] = 1 / Math.sqrt(e.values[i]);
        }
        return e.reconstruct(f);
    }

    /**
     * Sigma + eps I (a copy).
     *
     * @param sigma d x d
     * @param d     size
     * @param eps   the regularisation
     * @return Sigma + eps I
     */
    public static double[] regularised(double[] sigma, int d, double eps) {
        checkLength("sigma", sigma, d * d);
        double[] r = sigma.clone();
        for (int i = 0; i < d; i++) {
            r[i * d + i] += eps;
        }
        return r;
    }

    /**
     * The pre-normalisation nu of S = Sigma + eps I: tr(S) or ||S||_F.
     *
     * @param s    Sigma + eps I, d x d
     * @param d    size
     * @param norm which
     * @return nu &gt;= 0
     */
    public static double normaliser(double[] s, int d, SqrtOptions.Normalisation norm) {
        checkLength("s", s, d * d);
        double tr = trace(s, d);
        return norm == SqrtOptions.Normalisation.TRACE ? tr : Math.sqrt(dot(s, s));
    }

    /**
     * The normalised Newton-Schulz root with every option, spectrally: with S = Sigma + eps I = nu V L V^T,
     * C = sqrt(nu) V p_K(L) V^T (SQRT) or V z_K(L) V^T / sqrt(nu) (INV_SQRT). The layout is ignored (full C).
     * For the default options this is {@link #sqrtSpectral} up to rounding.
     *
     * @param sigma symmetric d x d (its symmetric part is used); trace must be &gt;= 0
     * @param d     size
     * @param o     the options
     * @return C, d x d; zeros when nu = 0 for SQRT
     * @throws IllegalArgumentException for INV_SQRT when nu = 0
     */
    public static double[] rootSpectral(double[] sigma, int d, SqrtOptions o) {
        checkLength("sigma", sigma, d * d);
        double[] s = regularised(sigma, d, o.epsilon());
        double nu = normaliser(s, d, o.normalisation());
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        if (nu == 0) {
            return zeroOrThrow(d, inv);
        }
        Eigen e = eigSymmetric(s, d, nu);
        double h = inv ? 1 / Math.sqrt(nu) : Math.sqrt(nu);
        double[] f = new double[d];
        for (int i = 0; i < d; i++) {
            f[i] = h * (inv ? scalarInverseNewtonSchulz(e.values[i], o.iterations())
                    : scalarNewtonSchulz(e.values[i], o.iterations()));
        }
        return e.reconstruct(f);
    }

    /**
     * The plain coupled iteration in double with every option, for any (also non-symmetric) Sigma with
     * non-negative trace: S = Sigma + eps I, A = S / nu, then Y_K or Z_K as DESIGN.md writes the iteration.
     *
     * @param sigma d x d
     * @param d     size
     * @param o     the options
     * @return C, d x d; zeros when nu = 0 for SQRT
     * @throws IllegalArgumentException for INV_SQRT when nu = 0
     */
    public static double[] rootIterative(double[] sigma, int d, SqrtOptions o) {
        checkLength("sigma", sigma, d * d);
        double[] s = regularised(sigma, d, o.epsilon());
        double nu = normaliser(s, d, o.normalisation());
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        if (nu == 0) {
            return zeroOrThrow(d, inv);
        }
        int k = o.iterations();
        double[][] ys = new double[k + 1][];
        double[][] zs = new double[k + 1][];
        newtonSchulz(s, d, k, nu, ys, zs, inv);
        return inv ? scale(zs[k], 1 / Math.sqrt(nu)) : scale(ys[k], Math.sqrt(nu));
    }

    /**
     * Exact gradient of {@link #rootSpectral} by the Daleckii-Krein formula, for any dL/dC. With f = p_K
     * (SQRT, h(nu) = sqrt(nu)) or f = z_K (INV_SQRT, h(nu) = nu^(-1/2)) and C = h(nu) F(A), F(A) = V f(L) V^T:
     * dL/dA = h V (Kmat o (V^T G V)) V^T with Kmat_ij = [l_i, l_j] f; s = h'(nu) &lt;G, F(A)&gt;;
     * dL/dSigma = dL/dA / nu + (s - &lt;dL/dA, A&gt; / nu) dnu/dS, where dnu/dS = I (TRACE) or A (FROBENIUS).
     * eps is a constant shift, so dL/dSigma = dL/dS.
     *
     * @param sigma symmetric d x d; trace must be &gt;= 0
     * @param d     size
     * @param o     the options
     * @param gC    dL/dC, d x d, any matrix
     * @return dL/dSigma, d x d; zeros when nu = 0 for SQRT
     */
    public static double[] rootBackwardSpectral(double[] sigma, int d, SqrtOptions o, double[] gC) {
        checkLength("sigma", sigma, d * d);
        checkLength("gC", gC, d * d);
        double[] s = regularised(sigma, d, o.epsilon());
        double nu = normaliser(s, d, o.normalisation());
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        if (nu == 0) {
            return zeroOrThrow(d, inv);
        }
        int k = o.iterations();
        Eigen e = eigSymmetric(s, d, nu);
        double[] l = e.values;
        double[] f = new double[d];
        for (int i = 0; i < d; i++) {
            f[i] = inv ? scalarInverseNewtonSchulz(l[i], k) : scalarNewtonSchulz(l[i], k);
        }
        double[] kmat = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double dd = dividedDifference(l[i], l[j], k, inv);
                kmat[i * d + j] = dd;
                kmat[j * d + i] = dd;
            }
        }
        double h = inv ? 1 / Math.sqrt(nu) : Math.sqrt(nu);
        double hPrime = inv ? -0.5 / (nu * Math.sqrt(nu)) : 0.5 / Math.sqrt(nu);
        double[] v = e.vectors;
        double[] m = mul(transpose(v, d, d), d, d, mul(gC, d, d, v, d), d);
        double gcDotF = 0;
        for (int i = 0; i < d; i++) {
            gcDotF += f[i] * m[i * d + i];
        }
        for (int i = 0; i < d * d; i++) {
            m[i] *= h * kmat[i];
        }
        double[] gA = mul(v, d, d, mul(m, d, d, transpose(v, d, d), d), d);
        return normaliseBackwardWithOptions(gA, s, d, nu, hPrime * gcDotF, o.normalisation());
    }

    /**
     * Exact gradient of {@link #rootIterative} by the step recurrences (see {@link #sqrtBackwardIterative}),
     * for any Sigma and any dL/dC: for INV_SQRT the last step starts from G_Y' = 0, G_Z' = dL/dC / sqrt(nu).
     *
     * @param sigma d x d, any matrix with non-negative trace
     * @param d     size
     * @param o     the options
     * @param gC    dL/dC, d x d
     * @return dL/dSigma, d x d; zeros when nu = 0 for SQRT
     */
    public static double[] rootBackwardIterative(double[] sigma, int d, SqrtOptions o, double[] gC) {
        checkLength("sigma", sigma, d * d);
        checkLength("gC", gC, d * d);
        double[] s = regularised(sigma, d, o.epsilon());
        double nu = normaliser(s, d, o.normalisation());
        boolean inv = o.root() == SqrtOptions.Root.INV_SQRT;
        if (nu == 0) {
            return zeroOrThrow(d, inv);
        }
        int k = o.iterations();
        double[][] ys = new double[k + 1][];
        double[][] zs = new double[k + 1][];
        newtonSchulz(s, d, k, nu, ys, zs, inv);
        double rt = Math.sqrt(nu);
        double sTerm;
        double[] gy;
        double[] gz;
        if (inv) {
            sTerm = -dot(gC, zs[k]) / (2 * nu * rt);
            gy = new double[d * d];
            gz = scale(gC, 1 / rt);
        } else {
            sTerm = dot(gC, ys[k]) / (2 * rt);
            gy = scale(gC, rt);
            gz = new double[d * d];
        }
        for (int j = k; j >= 1; j--) {
            double[] y = ys[j - 1];
            double[] z = zs[j - 1];
            double[] yt = transpose(y, d, d);
            double[] zt = transpose(z, d, d);
            double[] tt = threeIMinus(mul(yt, d, d, zt, d), d);
            double[] gt = add(mul(yt, d, d, gy, d), mul(gz, d, d, zt, d));
            double[] gyPrev = sub(mul(gy, d, d, tt, d), scale(mul(zt, d, d, gt, d), 0.5));
            double[] gzPrev = sub(mul(tt, d, d, gz, d), scale(mul(gt, d, d, yt, d), 0.5));
            gy = gyPrev;
            gz = gzPrev;
        }
        return normaliseBackwardWithOptions(gy, s, d, nu, sTerm, o.normalisation());
    }

    /** dL/dS = gA / nu + (s - &lt;gA, S&gt; / nu^2) dnu/dS, dnu/dS = I (trace) or S / nu (Frobenius). */
    private static double[] normaliseBackwardWithOptions(double[] gA, double[] s, int d, double nu, double sTerm,
                                            SqrtOptions.Normalisation norm) {
        double c = sTerm - dot(gA, s) / (nu * nu);
        double[] g = scale(gA, 1.0 / nu);
        if (norm == SqrtOptions.Normalisation.TRACE) {
            for (int i = 0; i < d; i++) {
                g[i * d + i] += c;
            }
        } else {
            for (int i = 0; i < d * d; i++) {
                g[i] += c * s[i] / nu;
            }
        }
        return g;
    }

    private static double[] zeroOrThrow(int d, boolean inv) {
        if (inv) {
            throw new IllegalArgumentException("Sigma + eps I = 0 has no inverse square root: set eps > 0");
        }
        return new double[d * d];
    }

    /**
     * The whole layer with every option: {@link #covariance} then {@link #rootSpectral}.
     *
     * @param x d x n
     * @param d channels
     * @param n positions
     * @param o the options (layout ignored: full C)
     * @return C, d x d
     */
    public static double[] layerForward(double[] x, int d, int n, SqrtOptions o) {
        return rootSpectral(covariance(x, d, n), d, o);
    }

    /**
     * Exact gradient of {@link #layerForward(double[], int, int, SqrtOptions)}.
     *
     * @param x  d x n
     * @param d  channels
     * @param n  positions
     * @param o  the options
     * @param gC dL/dC, full d x d
     * @return dL/dX, d x n
     */
    public static double[] layerBackward(double[] x, int d, int n, SqrtOptions o, double[] gC) {
        double[] sigma = covariance(x, d, n);
        return covarianceBackward(x, d, n, rootBackwardSpectral(sigma, d, o, gC));
    }

    /**
     * ZCA whitening W = C (X - mean), C = {@link #rootSpectral} of the covariance with the options (their root
     * should be INV_SQRT; this method uses whichever root they name).
     *
     * @param x d x n
     * @param d channels
     * @param n positions
     * @param o the options
     * @return W, d x n
     */
    public static double[] whitenForward(double[] x, int d, int n, SqrtOptions o) {
        checkLength("x", x, d * n);
        double[] c = rootSpectral(covariance(x, d, n), d, o);
        return mul(c, d, d, centre(x, d, n), n);
    }

    /**
     * Exact gradient of {@link #whitenForward}: with Xc = X - mean and G = dL/dW, dL/dC = G Xc^T,
     * dL/dSigma from {@link #rootBackwardSpectral}, dL/dXc = C^T G + (G_S + G_S^T) Xc / n, and dL/dX is dL/dXc
     * minus its row means (the backward of the centring).
     *
     * @param x  d x n
     * @param d  channels
     * @param n  positions
     * @param o  the options
     * @param gW dL/dW, d x n
     * @return dL/dX, d x n
     */
    public static double[] whitenBackward(double[] x, int d, int n, SqrtOptions o, double[] gW) {
        checkLength("x", x, d * n);
        checkLength("gW", gW, d * n);
        double[] sigma = covariance(x, d, n);
        double[] c = rootSpectral(sigma, d, o);
        double[] xc = centre(x, d, n);
        double[] gC = mul(gW, d, n, transpose(xc, d, n), d);
        double[] gS = rootBackwardSpectral(sigma, d, o, gC);
        double[] gx = add(mul(transpose(c, d, d), d, d, gW, n), covarianceBackward(x, d, n, gS));
        for (int i = 0; i < d; i++) {
            double m = 0;
            for (int p = 0; p < n; p++) {
                m += gx[i * n + p];
            }
            m /= n;
            for (int p = 0; p < n; p++) {
                gx[i * n + p] -= m;
            }
        }
        return gx;
    }

    // ------------------------------------------------------------------------------------------ backward

    /**
     * Exact gradient of C = F(Sigma) = sqrt(tau) p_K(Sigma / tau) by the Daleckii-Krein formula.
     *
     * <p>p_K is a polynomial, so its Frechet derivative at the symmetric A = V L V^T in any direction E is
     * V (Kmat o (V^T E V)) V^T with Kmat_ij = [l_i, l_j] p_K. Kmat is symmetric, so the adjoint is the same map,
     * and the result is the gradient for any incoming gC, symmetric or not (it is then not symmetric itself).
     * The trace terms: dL/dY_K = sqrt(tau) gC, s = &lt;gC, Y_K&gt; / (2 sqrt(tau)), dL/dA = DK(dL/dY_K),
     * dL/dSigma = dL/dA / tau + (s - &lt;dL/dA, Sigma&gt; / tau^2) I.
     *
     * @param sigma symmetric d x d (its symmetric part is decomposed); trace must be &gt;= 0
     * @param d     size
     * @param k     iterations K &gt;= 1
     * @param gC    dL/dC, d x d, any matrix
     * @return dL/dSigma, d x d; zeros when tr(Sigma) = 0
     */
    public static double[] sqrtBackwardSpectral(double[] sigma, int d, int k, double[] gC) {
        checkLength("sigma", sigma, d * d);
        checkLength("gC", gC, d * d);
        checkK(k);
        double tau = trace(sigma, d);
        if (tau == 0) {
            return new double[d * d];
        }
        double rt = Math.sqrt(tau);
        Eigen e = eigSymmetric(sigma, d, tau);
        double[] l = e.values;
        double[] p = new double[d];
        for (int i = 0; i < d; i++) {
            p[i] = scalarNewtonSchulz(l[i], k);
        }
        double[] kmat = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double dd = dividedDifference(l[i], l[j], k);
                kmat[i * d + j] = dd;
                kmat[j * d + i] = dd;
            }
        }
        double[] v = e.vectors;
        // Eigenbasis: M = V^T gC V, so <gC, Y_K> = sum_i p_i M_ii, and dL/dA = V (Kmat o (sqrt(tau) M)) V^T.
        double[] m = mul(transpose(v, d, d), d, d, mul(gC, d, d, v, d), d);
        double gcDotY = 0;
        for (int i = 0; i < d; i++) {
            gcDotY += p[i] * m[i * d + i];
        }
        double s = gcDotY / (2 * rt);
        for (int i = 0; i < d * d; i++) {
            m[i] *= rt * kmat[i];
        }
        double[] gA = mul(v, d, d, mul(m, d, d, transpose(v, d, d), d), d);
        return normaliseBackward(gA, sigma, d, tau, s);
    }

    /**
     * Exact gradient of {@link #sqrtIterative} by docs/maths.md (B3)-(B7), in double. Written with
     * transposes, so that it is the exact gradient of the iteration for any Sigma, symmetric or not; for symmetric
     * Sigma (symmetric Y and Z) the transposes drop and these are (B8)-(B9) verbatim. A step from
     * (Y, Z) to (Y', Z') = (Y T, T Z), T = (3I - Z Y) / 2, with G_T = Y^T G_Y' + G_Z' Z^T:
     * <pre>
     *   dL/dY = G_Y' T^T - Z^T G_T / 2     (= (G_Y'(3I - YZ) - Z G_Z' Z - Z Y G_Y') / 2 when symmetric)
     *   dL/dZ = T^T G_Z' - G_T Y^T / 2     (= ((3I - YZ) G_Z' - Y G_Y' Y - G_Z' Z Y) / 2 when symmetric)
     * </pre>
     * The last step starts from G_Z' = 0; the first step has Z = I constant and gives dL/dA = dL/dY_0. The trace
     * terms are those of {@link #sqrtBackwardSpectral}.
     *
     * @param sigma d x d, any matrix with non-negative trace
     * @param d     size
     * @param k     iterations K &gt;= 1
     * @param gC    dL/dC, d x d, any matrix
     * @return dL/dSigma, d x d; zeros when tr(Sigma) = 0
     */
    public static double[] sqrtBackwardIterative(double[] sigma, int d, int k, double[] gC) {
        checkLength("sigma", sigma, d * d);
        checkLength("gC", gC, d * d);
        checkK(k);
        double tau = trace(sigma, d);
        if (tau == 0) {
            return new double[d * d];
        }
        double rt = Math.sqrt(tau);
        double[][] ys = new double[k + 1][];
        double[][] zs = new double[k + 1][];
        newtonSchulz(sigma, d, k, tau, ys, zs);
        double s = dot(gC, ys[k]) / (2 * rt);
        double[] gy = scale(gC, rt);
        double[] gz = new double[d * d];
        for (int j = k; j >= 1; j--) {
            double[] y = ys[j - 1];
            double[] z = zs[j - 1];
            double[] yt = transpose(y, d, d);
            double[] zt = transpose(z, d, d);
            double[] tt = threeIMinus(mul(yt, d, d, zt, d), d); // T^T = (3I - Y^T Z^T) / 2
            double[] gt = add(mul(yt, d, d, gy, d), mul(gz, d, d, zt, d));
            double[] gyPrev = sub(mul(gy, d, d, tt, d), scale(mul(zt, d, d, gt, d), 0.5));
            double[] gzPrev = sub(mul(tt, d, d, gz, d), scale(mul(gt, d, d, yt, d), 0.5));
            gy = gyPrev;
            gz = gzPrev; // at j = 1 this is the gradient of the constant Z0 = I and is dropped
        }
        return normaliseBackward(gy, sigma, d, tau, s);
    }

    /** dL/dSigma = dL/dA / tau + (s - &lt;dL/dA, Sigma&gt; / tau^2) I, from A = Sigma / tau and C = sqrt(tau) Y_K. */
    private static double[] normaliseBackward(double[] gA, double[] sigma, int d, double tau, double s) {
        double diag = s - dot(gA, sigma) / (tau * tau);
        double[] g = scale(gA, 1.0 / tau);
        for (int i = 0; i < d; i++) {
            g[i * d + i] += diag;
        }
        return g;
    }

    // ------------------------------------------------------------------------------------------ layer

    /**
     * The whole layer: {@link #covariance} then {@link #sqrtSpectral}.
     *
     * @param x d x n
     * @param d channels
     * @param n positions
     * @param k iterations K &gt;= 1
     * @return C, full d x d
     */
    public static double[] layerForward(double[] x, int d, int n, int k) {
        return sqrtSpectral(covariance(x, d, n), d, k);
    }

    /**
     * Exact gradient of {@link #layerForward}: {@link #sqrtBackwardSpectral} then {@link #covarianceBackward}.
     *
     * @param x  d x n
     * @param d  channels
     * @param n  positions
     * @param k  iterations K &gt;= 1
     * @param gC dL/dC, full d x d, any matrix
     * @return dL/dX, d x n
     */
    public static double[] layerBackward(double[] x, int d, int n, int k, double[] gC) {
        double[] sigma = covariance(x, d, n);
        return covarianceBackward(x, d, n, sqrtBackwardSpectral(sigma, d, k, gC));
    }

    // ------------------------------------------------------------------------------------------ packing

    /**
     * The upper triangle, diagonal included, row by row (the order of torch.triu_indices).
     *
     * @param full d x d
     * @param d    size
     * @return d(d+1)/2 values
     */
    public static double[] packTriu(double[] full, int d) {
        checkLength("full", full, d * d);
        double[] packed = new double[d * (d + 1) / 2];
        int q = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                packed[q++] = full[i * d + j];
            }
        }
        return packed;
    }

    /**
     * Inverse placement of {@link #packTriu}: values go to the upper triangle, the strict lower triangle is zero
     * (this is the backward of packing: the lower triangle of C does not reach the output).
     *
     * @param packed d(d+1)/2 values
     * @param d      size
     * @return d x d
     */
    public static double[] unpackTriu(double[] packed, int d) {
        checkLength("packed", packed, d * (d + 1) / 2);
        double[] full = new double[d * d];
        int q = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                full[i * d + j] = packed[q++];
            }
        }
        return full;
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Eigen-decomposition of sym(Sigma) / scale: values l_i and orthonormal eigenvectors as the columns of V. */
    private static final class Eigen {
        final int d;
        final double[] values;
        final double[] vectors; // row-major d x d, column i is the eigenvector of values[i]

        Eigen(int d, double[] values, double[] vectors) {
            this.d = d;
            this.values = values;
            this.vectors = vectors;
        }

        /** V diag(f) V^T, averaged with its transpose so that it is exactly symmetric. */
        double[] reconstruct(double[] f) {
            double[] vf = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    vf[i * d + j] = vectors[i * d + j] * f[j];
                }
            }
            double[] r = mul(vf, d, d, transpose(vectors, d, d), d);
            for (int i = 0; i < d; i++) {
                for (int j = i + 1; j < d; j++) {
                    double a = (r[i * d + j] + r[j * d + i]) / 2;
                    r[i * d + j] = a;
                    r[j * d + i] = a;
                }
            }
            return r;
        }
    }

    private static Eigen eigSymmetric(double[] sigma, int d, double scale) {
        DMatrixRMaj a = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                a.set(i, j, (sigma[i * d + j] + sigma[j * d + i]) / 2 / scale);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(a)) {
            throw new ArithmeticException("EJML symmetric eigendecomposition failed to converge (d=" + d + ")");
        }
        double[] values = new double[d];
        double[] vectors = new double[d * d];
        for (int c = 0; c < d; c++) {
            values[c] = eig.getEigenvalue(c).getReal();
            DMatrixRMaj v = eig.getEigenVector(c);
            if (v == null) {
                throw new ArithmeticException("EJML returned no eigenvector " + c + " (d=" + d + ")");
            }
            for (int r = 0; r < d; r++) {
                vectors[r * d + c] = v.get(r);
            }
        }
        return new Eigen(d, values, vectors);
    }

    private static double trace(double[] m, int d) {
        double t = 0;
        for (int i = 0; i < d; i++) {
            t += m[i * d + i];
        }
        if (!(t >= 0)) {
            throw new IllegalArgumentException("trace " + t + " is negative or NaN: Sigma is not positive semi-definite");
        }
        return t;
    }

    /** (3I - m) / 2. */
    private static double[] threeIMinus(double[] m, int d) {
        double[] r = new double[d * d];
        for (int i = 0; i < d * d; i++) {
            r[i] = -m[i] / 2;
        }
        for (int i = 0; i < d; i++) {
            r[i * d + i] += 1.5;
        }
        return r;
    }

    /** (rows x inner) times (inner x cols), through EJML. */
    private static double[] mul(double[] a, int rows, int inner, double[] b, int cols) {
        DMatrixRMaj c = new DMatrixRMaj(rows, cols);
        CommonOps_DDRM.mult(DMatrixRMaj.wrap(rows, inner, a), DMatrixRMaj.wrap(inner, cols, b), c);
        return c.data;
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    private static double[] identity(int d) {
        double[] r = new double[d * d];
        for (int i = 0; i < d; i++) {
            r[i * d + i] = 1;
        }
        return r;
    }

    private static double[] scale(double[] a, double s) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] * s;
        }
        return r;
    }

    private static double[] add(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] + b[i];
        }
        return r;
    }

    private static double[] sub(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }

    /** Frobenius inner product &lt;a, b&gt; = tr(a^T b). */
    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void checkK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("iterations K must be >= 1, got " + k);
        }
    }

    private static void checkLength(String name, double[] a, int needed) {
        if (needed <= 0) {
            throw new IllegalArgumentException("dimensions must be >= 1 (" + name + " would hold " + needed + " values)");
        }
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (a.length != needed) {
            throw new IllegalArgumentException(name + " has length " + a.length + ", expected " + needed);
        }
    }
}
