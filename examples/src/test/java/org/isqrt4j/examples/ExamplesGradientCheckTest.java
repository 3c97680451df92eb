package org.isqrt4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hand-written backward passes (softmax cross-entropy, linear classifier, average pooling, 1x1 projection)
 * against central finite differences of the loss.
 */
class ExamplesGradientCheckTest {
    private static final int C_IN = 6;
    private static final int D = 4;
    private static final int N = 9;
    private static final int CLASSES = 3;
    private static final int COUNT = 5;

    private static MatrixSqrtOp op;

    @BeforeAll
    static void open() {
        op = MatrixSqrtOps.load();
    }

    @AfterAll
    static void close() {
        op.close();
    }

    private static DataSet batch() {
        return new Textures(C_IN, N, CLASSES, 0.5, 7L).sample(COUNT, 8L);
    }

    /** Random values everywhere, so that no gradient component is trivially zero (the models start V at 0). */
    private static void randomise(Model m, long seed) {
        Random rnd = new Random(seed);
        for (Param p : m.parameters()) {
            p.gaussian(rnd, 0.5);
        }
    }

    /**
     * Compares every component of every parameter's analytic gradient with (L(w+h) - L(w-h)) / 2h.
     *
     * @return the largest |analytic - numeric| over all components, divided by the largest |numeric|
     */
    private static double worstRelativeError(Model m, DataSet batch, double h, Param... only) {
        m.lossAndGradients(batch);
        double worstDiff = 0;
        double worstScale = 0;
        for (Param p : only) {
            double[] analytic = p.grad().clone();
            double[] w = p.value();
            for (int i = 0; i < w.length; i++) {
                double keep = w[i];
                w[i] = keep + h;
                double plus = m.loss(batch);
                w[i] = keep - h;
                double minus = m.loss(batch);
                w[i] = keep;
                double numeric = (plus - minus) / (2 * h);
                worstDiff = Math.max(worstDiff, Math.abs(analytic[i] - numeric));
                worstScale = Math.max(worstScale, Math.abs(numeric));
            }
        }
        assertTrue(worstScale > 1e-3, "gradient unexpectedly ~0, the check would be vacuous: " + worstScale);
        return worstDiff / worstScale;
    }

    @Test
    void averagePoolingModelGradientsMatchFiniteDifferences() {
        AveragePoolingModel m = new AveragePoolingModel(C_IN, D, CLASSES, new Random(1));
        randomise(m, 2);
        // All in double: central differences have O(h^2) truncation (~1e-10 here) and ~1e-16/h rounding (~1e-11).
        double err = worstRelativeError(m, batch(), 1e-5, m.parameters().toArray(new Param[0]));
        assertTrue(err < 1e-7, "avg-pool gradient vs finite differences, relative error " + err);
    }

    @Test
    void covarianceClassifierGradientsMatchFiniteDifferences() {
        for (OutputLayout layout : OutputLayout.values()) {
            CovariancePoolingModel m = new CovariancePoolingModel(op, SqrtOptions.of(5, layout), C_IN, D, CLASSES,
                    new Random(1));
            randomise(m, 3);
            // V and b come after the float32 layer, whose output does not move when they do: the loss is an
            // exact double function of them, so the double tolerance applies.
            double err = worstRelativeError(m, batch(), 1e-5, m.classifier().weight(), m.classifier().bias());
            assertTrue(err < 1e-7, layout + ": classifier gradient vs finite differences, relative error " + err);
        }
    }

    @Test
    void covarianceProjectionGradientThroughTheLayerMatchesFiniteDifferences() {
        for (OutputLayout layout : OutputLayout.values()) {
            CovariancePoolingModel m = new CovariancePoolingModel(op, SqrtOptions.of(5, layout), C_IN, D, CLASSES,
                    new Random(1));
            randomise(m, 4);
            // W sits before the float32 layer: the loss is only float-accurate (relative ~1e-6 after K = 5
            // iterations), so with h = 1e-3 the rounding part of the difference quotient is ~1e-6 / 1e-3 = 1e-3 of
            // the O(1) loss, and the truncation part ~h^2 = 1e-6. 1e-2 leaves margin for that and still catches a
            // transposed or mis-scaled dL/dW (errors of order 1).
            double err = worstRelativeError(m, batch(), 1e-3, m.projection().weight());
            assertTrue(err < 1e-2, layout + " on " + op.name() + ": projection gradient through the layer vs finite"
                    + " differences, relative error " + err);
        }
    }

    @Test
    void softmaxCrossEntropyMatchesItsDefinition() {
        double[] logits = {1.0, -2.0, 0.5, 1000.0, 999.0, -1000.0};
        int[] labels = {2, 1};
        double[] grad = new double[6];
        double loss = SoftmaxCrossEntropy.lossAndGradient(logits, labels, 3, grad);
        double z0 = Math.exp(1.0) + Math.exp(-2.0) + Math.exp(0.5);
        // Second row relative to its largest logit, computed by hand: softmax is shift-invariant.
        double z1 = 1 + Math.exp(-1.0) + Math.exp(-2000.0);
        double expected = (-(0.5 - Math.log(z0)) - (-1.0 - Math.log(z1))) / 2;
        assertTrue(Math.abs(loss - expected) < 1e-12, "loss " + loss + " vs " + expected);
        double sum = 0;
        for (double g : grad) {
            assertTrue(Double.isFinite(g), "gradient must stay finite for large logits");
            sum += g;
        }
        // Each row of softmax - onehot sums to 0.
        assertTrue(Math.abs(sum) < 1e-12, "gradient rows must sum to 0, got " + sum);
        assertTrue(Math.abs(grad[2] - (Math.exp(0.5) / z0 - 1) / 2) < 1e-12, "gradient of the true class");
    }
}
