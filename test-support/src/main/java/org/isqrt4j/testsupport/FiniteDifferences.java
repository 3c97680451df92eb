package org.isqrt4j.testsupport;

import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Central finite differences of float64 functions: the independent check of every analytic gradient.
 */
public final class FiniteDifferences {
    /**
     * Relative step of {@link #directional}: h ||E|| = STEP ||P||. Calibrated on the float64 reference
     * (ReferenceMath.sqrtBackwardSpectral and layerBackward against these quotients): at 1e-4 the O(h^4) truncation
     * left after the Richardson step and the O(eps/h) cancellation are both far below the float32 bounds.
     */
    public static final double STEP = 1e-4;
    /**
     * Relative accuracy assumed for one float64 evaluation of the reference (plain iteration or covariance plus
     * iteration, ~3K products of length d in double): 1e-13 covers d &lt;= 160, K &lt;= 8 with room.
     */
    public static final double EVAL_ACCURACY = 1e-13;

    private FiniteDifferences() {
    }

    /** Estimate and error bound of a directional derivative. */
    public static final class Result {
        /** The estimate. */
        public final double value;
        /** A bound of its error. */
        public final double error;

        Result(double value, double error) {
            this.value = value;
            this.error = error;
        }
    }

    /**
     * dF(P)[E] from F(P +- hE) and F(P +- 2hE): D1 and D2 are central differences with steps h and 2h, both with
     * error c h^2 + O(h^4); (4 D1 - D2)/3 cancels the h^2 term. |D1 - D2| (three times D1's h^2 error) bounds what
     * remains; the rounding of the four evaluations adds EVAL_ACCURACY * fScale / h.
     *
     * @param f      the function
     * @param p      the point
     * @param e      the direction
     * @param fScale an upper bound of |F| near P (e.g. ||G||_F ||C||_F for F = &lt;G, C&gt;)
     * @return the estimate and its error bound
     */
    public static Result directional(ToDoubleFunction<double[]> f, double[] p, double[] e, double fScale) {
        double ne = ErrorNorms.norm(e);
        double np = ErrorNorms.norm(p);
        double h = STEP * (np > 0 ? np : 1) / ne;
        double d1 = (f.applyAsDouble(Dense.axpy(p, h, e)) - f.applyAsDouble(Dense.axpy(p, -h, e))) / (2 * h);
        double d2 = (f.applyAsDouble(Dense.axpy(p, 2 * h, e)) - f.applyAsDouble(Dense.axpy(p, -2 * h, e))) / (4 * h);
        double value = (4 * d1 - d2) / 3;
        double error = Math.abs(d1 - d2) + EVAL_ACCURACY * fScale / h;
        return new Result(value, error);
    }

    /**
     * The gradient of L(v) = &lt;G, F(v)&gt; with respect to every entry of v, by central differences with the
     * step h max(1, |v_i|).
     *
     * @param f the function
     * @param v the point; restored on return
     * @param g G
     * @param h the relative step
     * @return dL/dv
     */
    public static double[] gradient(Function<double[], double[]> f, double[] v, double[] g, double h) {
        double[] grad = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double keep = v[i];
            double step = h * Math.max(1, Math.abs(keep));
            v[i] = keep + step;
            double up = Dense.dot(g, f.apply(v));
            v[i] = keep - step;
            double down = Dense.dot(g, f.apply(v));
            v[i] = keep;
            grad[i] = (up - down) / (2 * step);
        }
        return grad;
    }
}
