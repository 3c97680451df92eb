package org.isqrt4j.properties;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Re-runs one example of one property, for debugging a failure:
 * <pre>
 * mvn -pl property-tests test -Dtest=ReproduceTest -Disqrt4j.repro.backend=cpu-vector \
 *     -Disqrt4j.repro.property="backward = layerBackward" -Disqrt4j.repro.case="Case[B=2 d=17 n=5 ...L]"
 * </pre>
 * Skipped unless {@code isqrt4j.repro.case} is set.
 */
@DisplayName("Reproduce one contract case")
@EnabledIfSystemProperty(named = "isqrt4j.repro.case", matches = ".+")
class ReproduceTest {
    @Test
    void reproduce() {
        String backend = System.getProperty("isqrt4j.repro.backend", "cpu-vector");
        ContractProperty p = ContractProperty.byName(System.getProperty("isqrt4j.repro.property", "SQRT_FORWARD"));
        Case c = Case.parse(System.getProperty("isqrt4j.repro.case"));
        Tolerances tol = backend.equals("reference") ? Tolerances.float64Internal() : Tolerances.float32(1);
        Stats stats = new Stats(backend + "-repro");
        try (MatrixSqrtOp op = MatrixSqrtOps.load(backend)) {
            Ctx ctx = new Ctx(op, tol, stats, () -> MatrixSqrtOps.load(backend));
            stats.begin(p.title);
            stats.example();
            try {
                p.check.accept(ctx, c);
            } finally {
                stats.end(0, false);
                ctx.closeSecond();
                System.out.print(stats.report());
            }
        }
    }
}
