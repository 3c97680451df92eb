package org.isqrt4j.examples;

import java.io.PrintStream;
import java.util.Random;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.MatrixSqrtProvider;
import org.isqrt4j.api.SqrtOptions;

/**
 * Lists the back-ends that {@link MatrixSqrtOps} finds, with the module each one comes from, and runs the layer
 * (forward and backward) on one small random batch on each, comparing with the {@code reference} back-end when it
 * is there. Works on the module path ({@code java --module-path ... -m org.isqrt4j.examples/org.isqrt4j.examples.ListBackends},
 * where service binding resolves every module that provides a back-end) and on the class path alike.
 *
 * <p>One line per back-end: {@code backend id=... priority=... module=... name=... forward=... backward=...}, the
 * last two being relative Frobenius differences from the reference, or {@code unavailable=reason}.
 */
public final class ListBackends {
    private static final int BATCH = 3;
    private static final int D = 12;
    private static final int N = 20;

    private ListBackends() {
    }

    /**
     * Prints one line per back-end.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        Random r = new Random(11);
        float[] x = new float[BATCH * D * N];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] g = new float[BATCH * D * D];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        float[][] ref = null;
        if (MatrixSqrtOps.providers().stream().anyMatch(p -> p.id().equals("reference") && p.unavailableReason() == null)) {
            try (MatrixSqrtOp op = MatrixSqrtOps.load("reference")) {
                ref = run(op, x, g);
            }
        }
        out.println("api module=" + moduleName(MatrixSqrtOps.class) + " reference=" + (ref != null));
        for (MatrixSqrtProvider p : MatrixSqrtOps.providers()) {
            StringBuilder line = new StringBuilder("backend id=").append(p.id()).append(" priority=").append(p.priority())
                    .append(" module=").append(moduleName(p.getClass()));
            String reason = p.unavailableReason();
            if (reason != null) {
                line.append(" unavailable=").append(reason);
            } else {
                try (MatrixSqrtOp op = p.create()) {
                    float[][] got = run(op, x, g);
                    line.append(" name=").append(op.name());
                    if (ref != null) {
                        line.append(" forward=").append(String.format("%.3g", relDiff(got[0], ref[0])))
                                .append(" backward=").append(String.format("%.3g", relDiff(got[1], ref[1])));
                    }
                }
            }
            out.println(line);
        }
    }

    private static String moduleName(Class<?> c) {
        Module m = c.getModule();
        return m.isNamed() ? m.getName() : "unnamed";
    }

    /** @return {C, dL/dX} of the layer with K = 5 */
    private static float[][] run(MatrixSqrtOp op, float[] x, float[] g) {
        try (ForwardHandle h = op.forward(BATCH, D, N, SqrtOptions.defaults(), x)) {
            return new float[][] {h.output().clone(), op.backward(h, g)};
        }
    }

    private static double relDiff(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            double e = (double) a[i] - b[i];
            num += e * e;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
