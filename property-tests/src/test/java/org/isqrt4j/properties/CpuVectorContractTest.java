package org.isqrt4j.properties;

import java.util.SplittableRandom;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.cpu.CpuMatrixSqrtOp;
import org.isqrt4j.testsupport.Dense;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The contract on the CPU back-end's Vector API kernels (surefire resolves jdk.incubator.vector, so the vector
 * path must be the one loaded), plus agreement of the vector and scalar paths on the same inputs.
 */
@DisplayName("Contract: cpu-vector (float32, Vector API)")
class CpuVectorContractTest extends ContractSuite {
    private MatrixSqrtOp vector1;
    private MatrixSqrtOp scalar1;

    @Override
    protected MatrixSqrtOp createOp() {
        MatrixSqrtOp op = MatrixSqrtOps.load("cpu-vector");
        Calls.require(op.name().startsWith("cpu-vector["), "load(\"cpu-vector\") gave " + op.name()
                + " although jdk.incubator.vector is resolved (vectorAvailable=" + CpuMatrixSqrtOp.vectorAvailable() + ")");
        String bits = System.getProperty("isqrt4j.expect.bits");
        Calls.require(bits == null || op.name().equals("cpu-vector[" + bits + "-bit]"), "the surefire execution forces "
                + bits + "-bit vectors but load(\"cpu-vector\") gave " + op.name());
        return op;
    }

    @Override
    protected Tolerances tolerances() {
        return Tolerances.float32(1);
    }

    @BeforeAll
    void openPaths() {
        vector1 = CpuMatrixSqrtOp.vector(1);
        scalar1 = CpuMatrixSqrtOp.scalar(1);
    }

    @AfterAll
    void closePaths() {
        if (vector1 != null) {
            vector1.close();
        }
        if (scalar1 != null) {
            scalar1.close();
        }
    }

    /**
     * The vector and scalar kernels (one thread each) agree on every stage, forward and backward. Bound: both are
     * within their float32 bound of the same float64 truth, so 2x that bound apart.
     */
    @Test
    @Order(70)
    @DisplayName("5b vector path == scalar path (forward and backward of every stage)")
    void vectorPathMatchesScalarPath() {
        Ctx ctx = ctx();
        property("vector path = scalar path", knobs().examples(), Gens.layerCases(knobs()), c -> {
            int d = c.d();
            int n = c.n();
            int per = c.outPerSample();
            SplittableRandom rv = Samples.random(c);
            SplittableRandom rs = Samples.random(c);
            float[] x = Samples.x(c, rv);
            Samples.x(c, rs); // keep both streams in step
            float[] sigma = Samples.sigma(c, rv);
            Samples.sigma(c, rs);
            float[] g = Samples.gradOut(c, rv);
            Samples.gradOut(c, rs);
            Calls.Fwd lv = Calls.layerForward(vector1, c, x, rv);
            Calls.Fwd ls = Calls.layerForward(scalar1, c, x, rs);
            float[] gxv = Calls.layerBackward(vector1, c, lv, g, rv);
            float[] gxs = Calls.layerBackward(scalar1, c, ls, g, rs);
            Calls.Fwd sv = Calls.sqrtForward(vector1, c, sigma, rv);
            Calls.Fwd ss = Calls.sqrtForward(scalar1, c, sigma, rs);
            float[] gsv = Calls.sqrtBackward(vector1, c, sv, g, rv);
            float[] gss = Calls.sqrtBackward(scalar1, c, ss, g, rs);
            float[] cv = Calls.covariance(vector1, c, x, rv);
            float[] cs = Calls.covariance(scalar1, c, x, rs);
            Tolerances t = ctx.tol;
            for (int b = 0; b < c.batch(); b++) {
                ctx.check("layer forward", c, b, Ctx.relErr(lv.sample(b, per), ls.sample(b, per)),
                        2 * t.layerForward(d, n, c.k()));
                ctx.check("layer backward", c, b, Ctx.relErr(Dense.toDouble(gxv, b * d * n, d * n),
                        Dense.toDouble(gxs, b * d * n, d * n)), 2 * t.layerBackward(d, n, c.k(), c.offset()));
                ctx.check("sqrt forward", c, b, Ctx.relErr(sv.sample(b, per), ss.sample(b, per)),
                        2 * t.sqrtForward(d, c.k()));
                ctx.check("sqrt backward", c, b, Ctx.relErr(Dense.toDouble(gsv, b * d * d, d * d),
                        Dense.toDouble(gss, b * d * d, d * d)), 2 * t.sqrtBackward(d, c.k()));
                ctx.check("covariance", c, b, Ctx.relErr(Dense.toDouble(cv, b * d * d, d * d),
                        Dense.toDouble(cs, b * d * d, d * d)), 2 * t.covariance(d, n));
            }
            for (Calls.Fwd f : new Calls.Fwd[] {lv, ls, sv, ss}) {
                Calls.close(f.handle);
            }
        });
    }
}
