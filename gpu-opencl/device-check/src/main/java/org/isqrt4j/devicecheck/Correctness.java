package org.isqrt4j.devicecheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.reference.ReferenceMath;
import org.isqrt4j.testsupport.Dense;
import org.isqrt4j.testsupport.ErrorNorms;
import org.isqrt4j.testsupport.OpenClCases;
import org.isqrt4j.testsupport.RandomData;

/**
 * A fixed subset of the OpenCL back-end's correctness tests and contract properties, run against the float64
 * reference ({@link ReferenceMath}) without JUnit: the shapes of gpu-opencl's OpenClCorrectnessTest (sizes that are no
 * multiple of any tile, n below d, K from 1 to 6, both layouts, non-symmetric Sigma and gradients), two workload
 * shapes (W2's d = 64 and W1's d = 256), the covariance alone, zero-trace samples, and the contract's error cases
 * (NaN input, short arrays, closed handles and ops, nothing written outside the output region, no leaked buffers).
 *
 * <p>Shapes, inputs and tolerances are those of OpenClCorrectnessTest, from the test kit's {@link OpenClCases}:
 * relative Frobenius error per sample, 2e-5 forward, 5e-5 backward, 5e-6 for the covariance (derived there from
 * float32 accumulation over the products: ~10x margin at d = 72), scaled by sqrt(d / 72) for larger d, since the
 * accumulation error of a length-d dot product grows like sqrt(d). A wrong index, transpose or term is off by 1e-2 or more.
 */
final class Correctness {
    /** One check's outcome. */
    static final class Result {
        final String name;
        final boolean passed;
        final double error;
        final double tolerance;
        final String detail;

        Result(String name, boolean passed, double error, double tolerance, String detail) {
            this.name = name;
            this.passed = passed;
            this.error = error;
            this.tolerance = tolerance;
            this.detail = detail;
        }

        Map<String, Object> toJson(String device, String kernel) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", device);
            m.put("kernel", kernel);
            m.put("name", name);
            m.put("status", passed ? "pass" : "FAIL");
            m.put("error", Double.isNaN(error) ? null : (Object) error);
            m.put("tolerance", Double.isNaN(tolerance) ? null : (Object) tolerance);
            m.put("detail", detail);
            return m;
        }
    }

    private final MatrixSqrtOp op;
    private final IntSupplier liveBuffers;
    private final List<Result> results = new ArrayList<>();

    private Correctness(MatrixSqrtOp op, IntSupplier liveBuffers) {
        this.op = op;
        this.liveBuffers = liveBuffers;
    }

    /**
     * Runs every check on one op (a device with one GEMM kernel choice).
     *
     * @param op          the op, left open (any back-end: the checks use the public API only)
     * @param liveBuffers the op's live device buffers, for the leak check
     * @param closed      opens a second op of the same kind for the closed-op check, or null to skip it
     * @return the outcomes, in order
     */
    static List<Result> run(MatrixSqrtOp op, IntSupplier liveBuffers, Supplier<? extends MatrixSqrtOp> closed) {
        Correctness c = new Correctness(op, liveBuffers);
        for (OpenClCases.Layer s : OpenClCases.LAYER) {
            for (OutputLayout l : OutputLayout.values()) {
                c.guard("layer B=" + s.batch() + " d=" + s.d() + " n=" + s.n() + " K=" + s.k() + " " + l,
                        () -> c.layer(s.batch(), s.d(), s.n(), s.k(), l));
            }
        }
        c.guard("layer W2 shape B=2 d=64 n=49 K=5 FULL", () -> c.layer(2, 64, 49, 5, OutputLayout.FULL));
        c.guard("layer W1 shape B=1 d=256 n=196 K=5 TRIU", () -> c.layer(1, 256, 196, 5, OutputLayout.TRIU));
        for (boolean sym : new boolean[] {true, false}) {
            String t = sym ? "symmetric" : "non-symmetric";
            for (OpenClCases.Sqrt s : OpenClCases.SQRT) {
                c.guard("sqrt " + t + " B=" + s.batch() + " d=" + s.d() + " K=" + s.k() + " " + s.layout(),
                        () -> c.sqrtAlone(sym, s.batch(), s.d(), s.k(), s.layout()));
            }
        }
        c.guard("covariance and its backward B=3 d=11 n=29", c::covariance);
        c.guard("zero-trace sample gives zeros", c::zeroTrace);
        c.guard("contract: NaN in X is rejected naming the sample", c::nanRejected);
        c.guard("contract: a short output array is rejected", c::shortArray);
        c.guard("contract: backward on a closed handle throws IllegalStateException", c::closedHandle);
        c.guard("contract: no device buffer leaks", c::noLeak);
        if (closed != null) {
            c.guard("contract: calls on a closed op throw IllegalStateException", () -> c.closedOp(closed));
        }
        return c.results;
    }

    private interface Check {
        void run() throws Exception;
    }

    private void guard(String name, Check check) {
        int before = results.size();
        try {
            check.run();
            if (results.size() == before) {
                results.add(new Result(name, true, Double.NaN, Double.NaN, "ok"));
            } else {
                // the check recorded its own measured outcome(s): name them
                for (int i = before; i < results.size(); i++) {
                    Result r = results.get(i);
                    results.set(i, new Result(name + (r.name.isEmpty() ? "" : ": " + r.name), r.passed, r.error,
                            r.tolerance, r.detail));
                }
            }
        } catch (Throwable e) {
            results.add(new Result(name, false, Double.NaN, Double.NaN, "threw " + e));
        }
    }

    /** Records err < tol as one measured outcome. */
    private void measured(String what, double err, double tol) {
        results.add(new Result(what, err < tol, err, tol, err < tol ? "ok" : "relative error " + err + " >= " + tol));
    }

    private static double scaleTol(double tol, int d) {
        return tol * Math.max(1.0, Math.sqrt(d / 72.0));
    }

    // ================================================================================ checks

    private void layer(int batch, int d, int n, int k, OutputLayout layout) {
        SplittableRandom rnd = new SplittableRandom(31L * d + 7L * n + k);
        float[] x = OpenClCases.input(rnd, batch, d, n);
        SqrtOptions opt = SqrtOptions.of(k, layout);
        int per = layout.elements(d);
        float[] out = new float[3 + batch * per + 2];
        Arrays.fill(out, 42f);
        float[] xo = new float[5 + x.length];
        System.arraycopy(x, 0, xo, 5, x.length);
        double worstF = 0;
        double worstB = 0;
        try (ForwardHandle h = op.forward(batch, d, n, opt, xo, 5, out, 3)) {
            require(out[0] == 42f && out[1] == 42f && out[2] == 42f && out[out.length - 1] == 42f
                    && out[out.length - 2] == 42f, "forward wrote outside its output region");
            float[] g = RandomData.gaussianFloats(rnd, batch * per);
            float[] gx = new float[batch * d * n + 4];
            Arrays.fill(gx, -7f);
            op.backward(h, g, 0, gx, 2);
            require(gx[0] == -7f && gx[1] == -7f && gx[gx.length - 1] == -7f && gx[gx.length - 2] == -7f,
                    "backward wrote outside its output region");
            for (int b = 0; b < batch; b++) {
                double[] xs = Dense.toDouble(x, b * d * n, d * n);
                double[] c = ReferenceMath.layerForward(xs, d, n, k);
                worstF = Math.max(worstF, ErrorNorms.relErr(out, 3 + b * per, inLayout(c, d, layout)));
                double[] gFull = layout == OutputLayout.FULL ? Dense.toDouble(g, b * per, per)
                        : ReferenceMath.unpackTriu(Dense.toDouble(g, b * per, per), d);
                double[] want = ReferenceMath.layerBackward(xs, d, n, k, gFull);
                worstB = Math.max(worstB, ErrorNorms.relErr(gx, 2 + b * d * n, want));
            }
            float[] gx2 = new float[batch * d * n];
            op.backward(h, g, 0, gx2, 0);
            for (int i = 0; i < gx2.length; i++) {
                require(gx2[i] == gx[2 + i], "a repeated backward differs at element " + i);
            }
        }
        measured("forward", worstF, scaleTol(OpenClCases.FORWARD_TOL, d));
        measured("backward", worstB, scaleTol(OpenClCases.BACKWARD_TOL, d));
    }

    private void sqrtAlone(boolean symmetric, int batch, int d, int k, OutputLayout layout) {
        SplittableRandom rnd = new SplittableRandom(1000L + d * 3L + k + (symmetric ? 1 : 0));
        float[] sigma = new float[batch * d * d];
        for (int b = 0; b < batch; b++) {
            int n = d + 3;
            double[] s = ReferenceMath.covariance(Dense.toDouble(OpenClCases.input(rnd, 1, d, n), 0, d * n), d, n);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double p = symmetric ? 0 : 0.05 * (rnd.nextDouble() - 0.5) * Math.sqrt(s[i * d + i] * s[j * d + j]);
                    sigma[b * d * d + i * d + j] = (float) (s[i * d + j] + p);
                }
            }
        }
        SqrtOptions opt = SqrtOptions.of(k, layout);
        int per = layout.elements(d);
        double worstF = 0;
        double worstB = 0;
        try (ForwardHandle h = op.sqrtForward(batch, d, opt, sigma)) {
            float[] g = RandomData.gaussianFloats(rnd, batch * per);
            float[] gs = op.sqrtBackward(h, g);
            for (int b = 0; b < batch; b++) {
                double[] s = Dense.toDouble(sigma, b * d * d, d * d);
                double[] c = ReferenceMath.sqrtIterative(s, d, k);
                worstF = Math.max(worstF, ErrorNorms.relErr(h.output(), b * per, inLayout(c, d, layout)));
                double[] gFull = layout == OutputLayout.FULL ? Dense.toDouble(g, b * per, per)
                        : ReferenceMath.unpackTriu(Dense.toDouble(g, b * per, per), d);
                worstB = Math.max(worstB, ErrorNorms.relErr(gs, b * d * d, ReferenceMath.sqrtBackwardIterative(s, d, k, gFull)));
            }
        }
        measured("forward", worstF, OpenClCases.FORWARD_TOL);
        measured("backward", worstB, OpenClCases.BACKWARD_TOL);
    }

    private void covariance() {
        SplittableRandom rnd = new SplittableRandom(5);
        int batch = 3;
        int d = 11;
        int n = 29;
        float[] x = OpenClCases.input(rnd, batch, d, n);
        float[] sigma = op.covariance(batch, d, n, x);
        float[] g = RandomData.gaussianFloats(rnd, batch * d * d);
        float[] gx = op.covarianceBackward(batch, d, n, x, g);
        double ef = 0;
        double eb = 0;
        for (int b = 0; b < batch; b++) {
            double[] xs = Dense.toDouble(x, b * d * n, d * n);
            ef = Math.max(ef, ErrorNorms.relErr(sigma, b * d * d, ReferenceMath.covariance(xs, d, n)));
            eb = Math.max(eb, ErrorNorms.relErr(gx, b * d * n, ReferenceMath.covarianceBackward(xs, d, n, Dense.toDouble(g, b * d * d, d * d))));
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    require(sigma[b * d * d + i * d + j] == sigma[b * d * d + j * d + i], "covariance not exactly symmetric");
                }
            }
        }
        measured("forward", ef, OpenClCases.COVARIANCE_TOL);
        measured("backward", eb, OpenClCases.COVARIANCE_TOL);
    }

    private void zeroTrace() {
        SplittableRandom rnd = new SplittableRandom(3);
        int batch = 3;
        int d = 9;
        int n = 12;
        float[] x = OpenClCases.input(rnd, batch, d, n);
        for (int c = 0; c < d; c++) {
            for (int p = 0; p < n; p++) {
                x[(d + c) * n + p] = 0.1f + 0.37f * c; // sample 1: every channel constant
            }
        }
        try (ForwardHandle h = op.forward(batch, d, n, SqrtOptions.of(5, OutputLayout.FULL), x)) {
            float[] out = h.output();
            for (int i = 0; i < d * d; i++) {
                require(out[d * d + i] == 0f, "output of the zero-trace sample is " + out[d * d + i] + " at " + i);
            }
            float[] gx = op.backward(h, RandomData.gaussianFloats(rnd, batch * d * d));
            for (int i = 0; i < d * n; i++) {
                require(gx[d * n + i] == 0f, "gradient of the zero-trace sample is " + gx[d * n + i] + " at " + i);
            }
            for (float v : gx) {
                require(Float.isFinite(v), "non-finite gradient");
            }
            double e = ErrorNorms.relErr(out, 0, ReferenceMath.layerForward(Dense.toDouble(x, 0, d * n), d, n, 5));
            measured("other samples' forward", e, OpenClCases.FORWARD_TOL);
        }
    }

    private void nanRejected() {
        float[] x = OpenClCases.input(new SplittableRandom(9), 2, 4, 6);
        x[4 * 6 + 3] = Float.NaN;
        try {
            op.forward(2, 4, 6, SqrtOptions.defaults(), x).close();
        } catch (IllegalArgumentException e) {
            require(String.valueOf(e.getMessage()).contains("1"), "message does not name sample 1: " + e.getMessage());
            return;
        }
        throw new AssertionError("a NaN in X was accepted");
    }

    private void shortArray() {
        float[] x = OpenClCases.input(new SplittableRandom(10), 2, 4, 6);
        try {
            op.forward(2, 4, 6, SqrtOptions.defaults(), x, 0, new float[2 * 16 - 1], 0).close();
        } catch (IllegalArgumentException e) {
            return;
        }
        throw new AssertionError("an output array one float short was accepted");
    }

    private void closedHandle() {
        float[] x = OpenClCases.input(new SplittableRandom(11), 2, 4, 6);
        ForwardHandle h = op.forward(2, 4, 6, SqrtOptions.defaults(), x);
        h.close();
        try {
            op.backward(h, new float[2 * 16]);
        } catch (IllegalStateException e) {
            return;
        }
        throw new AssertionError("backward on a closed handle did not throw IllegalStateException");
    }

    private void noLeak() {
        int before = liveBuffers.getAsInt();
        float[] x = OpenClCases.input(new SplittableRandom(12), 3, 10, 20);
        for (int i = 0; i < 3; i++) {
            try (ForwardHandle h = op.forward(3, 10, 20, SqrtOptions.defaults(), x)) {
                op.backward(h, new float[3 * 100]);
            }
        }
        int after = liveBuffers.getAsInt();
        require(after == before, "live device buffers went from " + before + " to " + after);
    }

    private void closedOp(Supplier<? extends MatrixSqrtOp> open) {
        MatrixSqrtOp other = open.get();
        other.close();
        other.close(); // idempotent
        try {
            other.covariance(1, 2, 3, new float[6]);
        } catch (IllegalStateException e) {
            return;
        }
        throw new AssertionError("a call on a closed op did not throw IllegalStateException");
    }

    // ================================================================================ helpers

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static double[] inLayout(double[] full, int d, OutputLayout layout) {
        return layout == OutputLayout.FULL ? full : ReferenceMath.packTriu(full, d);
    }

}
