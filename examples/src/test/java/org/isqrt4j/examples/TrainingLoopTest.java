package org.isqrt4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.api.Test;

/** A shortened run of the example: the covariance model must learn, the first-order baseline must not. */
class TrainingLoopTest {

    @Test
    void covariancePoolingBeatsAveragePooling() {
        TrainingLoop.Config cfg = TrainingLoop.Config.defaults().withSizes(1000, 400, 5);
        double chance = 1.0 / cfg.classes();
        try (MatrixSqrtOp op = MatrixSqrtOps.load()) {
            TrainingLoop.Result r = TrainingLoop.train(cfg, op, null);
            String where = op.name() + ": " + r.covarianceAccuracy() + " vs " + r.averageAccuracy();
            double[] loss = r.covarianceLoss();
            for (int e = 1; e < loss.length; e++) {
                assertTrue(loss[e] < loss[e - 1], "covariance model's loss must fall every epoch: "
                        + Arrays.toString(loss));
            }
            assertTrue(loss[loss.length - 1] < 0.5 * loss[0], "covariance model's loss must at least halve: "
                    + Arrays.toString(loss));
            assertTrue(r.covarianceAccuracy() > chance + 0.4, "covariance model well above chance, " + where);
            assertTrue(r.covarianceAccuracy() > r.averageAccuracy() + 0.3, "covariance clearly above avg-pool, "
                    + where);
            // The classes have identical first-order statistics; 400 test samples put chance at 0.25 +- 0.022,
            // so 0.4 is far outside what a baseline without access to correlations can reach honestly.
            assertTrue(r.averageAccuracy() < 0.4, "avg-pool must stay near chance, " + where);
        }
    }

    @Test
    void runsAreReproducible() {
        TrainingLoop.Config cfg = TrainingLoop.Config.defaults().withSizes(128, 64, 2);
        try (MatrixSqrtOp op = MatrixSqrtOps.load()) {
            TrainingLoop.Result a = TrainingLoop.train(cfg, op, null);
            TrainingLoop.Result b = TrainingLoop.train(cfg, op, null);
            assertArrayEquals(a.covarianceLoss(), b.covarianceLoss(), 0.0);
            assertArrayEquals(a.averageLoss(), b.averageLoss(), 0.0);
            assertEquals(a.covarianceAccuracy(), b.covarianceAccuracy(), 0.0);
        }
    }
}
