package org.isqrt4j.properties;

import java.util.function.Supplier;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.testsupport.ErrorNorms;

/**
 * What the checks need from the running suite: the op under test, its bounds, the statistics, and a factory
 * for further instances of the same back-end (foreign-handle and closed-op checks).
 */
final class Ctx {
    /** With {@code -Disqrt4j.calibrate=true} bounds are recorded but not enforced: for measuring a new back-end only. */
    static final boolean CALIBRATE = Boolean.getBoolean("isqrt4j.calibrate");

    final MatrixSqrtOp op;
    final Tolerances tol;
    final Stats stats;
    final Supplier<MatrixSqrtOp> factory;
    private MatrixSqrtOp second;

    Ctx(MatrixSqrtOp op, Tolerances tol, Stats stats, Supplier<MatrixSqrtOp> factory) {
        this.op = op;
        this.tol = tol;
        this.stats = stats;
        this.factory = factory;
    }

    /** @return a second, independent op of the same back-end (made once) */
    MatrixSqrtOp second() {
        if (second == null) {
            second = factory.get();
        }
        return second;
    }

    /** Closes what this context made. */
    void closeSecond() {
        if (second != null) {
            second.close();
        }
    }

    /**
     * Records a measured error and fails if it exceeds its bound.
     *
     * @param what  the comparison, e.g. "C vs sqrtSpectral"
     * @param c     the case
     * @param b     the sample, or -1 for the whole batch
     * @param error measured
     * @param bound allowed
     */
    void check(String what, Case c, int b, double error, double bound) {
        stats.record(what, c, error, bound);
        if (!(error <= bound) && !CALIBRATE) {
            throw new AssertionError(String.format("%s%s: error %.3e > bound %.3e (x%.1f)", what,
                    b >= 0 ? " (sample " + b + ")" : "", error, bound, error / bound));
        }
    }

    /**
     * Relative Frobenius error ||actual - expected|| / ||expected||. A zero expectation demands an exactly zero
     * result (infinite error otherwise): zero-trace samples are specified to give exact zeros.
     */
    static double relErr(double[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != " + expected.length);
        }
        double ne = ErrorNorms.norm(expected);
        double nd = ErrorNorms.normDiff(actual, expected);
        if (ne == 0) {
            return nd == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return nd / ne;
    }
}
