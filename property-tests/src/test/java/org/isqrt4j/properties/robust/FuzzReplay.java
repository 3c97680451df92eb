package org.isqrt4j.properties.robust;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Re-runs fuzz examples by seed, on demand only: the class name does not match surefire's default includes, so a
 * normal build neither runs nor skips it. Run with
 * {@code mvn -pl property-tests test -Dtest=FuzzReplay -Disqrt4j.robust.replay=seed1,seed2}.
 */
class FuzzReplay {
    /**
     * Replays the examples listed in {@code -Disqrt4j.robust.replay=seed1,seed2,...} (the seeds a failure message
     * prints as {@code FuzzCase.of(seed)}) on every back-end.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.isqrt4j.properties.robust.FuzzTest#ids")
    void replay(String id) {
        String list = System.getProperty("isqrt4j.robust.replay", "");
        if (list.isBlank()) {
            throw new IllegalArgumentException("set -Disqrt4j.robust.replay=seed,... to replay examples");
        }
        try (MatrixSqrtOp op = RobustBackends.open(id);
             MatrixSqrtOp foreign = MatrixSqrtOps.load(id.equals("reference") ? "cpu-scalar" : "reference")) {
            for (String seed : list.split(",")) {
                FuzzCase c = FuzzCase.of(Long.parseLong(seed.trim().replace("L", "")));
                FuzzTest.Tally tally = new FuzzTest.Tally();
                try {
                    new FuzzTest.Runner(op, foreign, c, tally).run();
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("[" + op.name() + " | replay] " + c + ": " + e.getMessage(), e);
                }
                System.out.println("[" + op.name() + " | replay] " + c + ": " + tally);
            }
        }
    }

}
