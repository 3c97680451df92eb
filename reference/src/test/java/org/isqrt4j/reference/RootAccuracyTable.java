package org.isqrt4j.reference;

import java.util.Locale;

/**
 * Prints the accuracy tables of docs/roots-and-whitening.md (run {@code main}, or see
 * {@code RootAccuracyTableTest}, which checks that the document holds exactly these tables):
 * <ol>
 *   <li>the scalar ratios p_K(lambda) / sqrt(lambda) and z_K(lambda) sqrt(lambda) (they are equal, since
 *       p_K = lambda z_K) over the eigenvalues lambda of A;</li>
 *   <li>the relative Frobenius error of the whole normalised root against the exact Sigma^(1/2) or Sigma^(-1/2)
 *       for d = 64 eigenvalues log-uniform over [1/cond, 1], for each root and pre-normalisation (the error is
 *       a function of the spectrum only, so a diagonal Sigma computes it exactly).</li>
 * </ol>
 */
public final class RootAccuracyTable {
    private RootAccuracyTable() {
    }

    static final double[] LAMBDAS = {1, 0.5, 0.25, 1 / 16.0, 1 / 64.0, 1 / 256.0, 1 / 1024.0, 1e-4, 1e-6};
    static final int[] KS = {3, 5, 8, 10, 15, 20};
    static final double[] CONDS = {10, 1e2, 1e3, 1e4, 1e6};
    static final int D = 64;

    /** @return table 1 as markdown */
    static String scalarTable() {
        StringBuilder sb = new StringBuilder("| lambda of A |");
        for (int k : KS) {
            sb.append(" K = ").append(k).append(" |");
        }
        sb.append("\n| ---: |");
        for (int k : KS) {
            sb.append(" ---: |");
        }
        sb.append('\n');
        for (double l : LAMBDAS) {
            sb.append(String.format(Locale.ROOT, "| %.3g |", l));
            for (int k : KS) {
                sb.append(String.format(Locale.ROOT, " %.4f |", ReferenceMath.scalarNewtonSchulz(l, k) / Math.sqrt(l)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** @return relative Frobenius error of the K-step root with the given choices, d log-uniform eigenvalues */
    static double matrixError(double cond, int k, boolean inverse, boolean frobenius) {
        double[] l = new double[D];
        double tr = 0;
        double f2 = 0;
        for (int i = 0; i < D; i++) {
            l[i] = Math.pow(cond, -i / (double) (D - 1));
            tr += l[i];
            f2 += l[i] * l[i];
        }
        double nu = frobenius ? Math.sqrt(f2) : tr;
        double num = 0;
        double den = 0;
        for (int i = 0; i < D; i++) {
            double a = l[i] / nu;
            double approx = inverse ? ReferenceMath.scalarInverseNewtonSchulz(a, k) / Math.sqrt(nu)
                    : Math.sqrt(nu) * ReferenceMath.scalarNewtonSchulz(a, k);
            double exact = inverse ? 1 / Math.sqrt(l[i]) : Math.sqrt(l[i]);
            num += (approx - exact) * (approx - exact);
            den += exact * exact;
        }
        return Math.sqrt(num / den);
    }

    /** @return table 2 as markdown */
    static String matrixTable() {
        int[] ks = {5, 10, 15};
        StringBuilder sb = new StringBuilder("| cond(Sigma) |");
        for (int k : ks) {
            sb.append(" SQRT TRACE K=").append(k).append(" | SQRT FROB K=").append(k).append(" | INV TRACE K=")
                    .append(k).append(" | INV FROB K=").append(k).append(" |");
        }
        sb.append("\n| ---: |");
        for (int i = 0; i < 4 * ks.length; i++) {
            sb.append(" ---: |");
        }
        sb.append('\n');
        for (double cond : CONDS) {
            sb.append(String.format(Locale.ROOT, "| %.0e |", cond));
            for (int k : ks) {
                for (int inv = 0; inv < 2; inv++) {
                    for (int fro = 0; fro < 2; fro++) {
                        sb.append(String.format(Locale.ROOT, " %.2e |", matrixError(cond, k, inv == 1, fro == 1)));
                    }
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Prints both tables.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        System.out.println(scalarTable());
        System.out.println(matrixTable());
    }
}
