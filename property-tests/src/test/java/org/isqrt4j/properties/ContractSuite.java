package org.isqrt4j.properties;

import java.util.function.Consumer;

import org.isqrt4j.api.MatrixSqrtOp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.opentest4j.TestAbortedException;
import org.quicktheories.core.Gen;

/**
 * The contract every {@link MatrixSqrtOp} must pass: each test is a QuickTheories property over generated shapes
 * (d 1..160 with awkward sizes favoured, n 1..3d so that n &lt; d is common, B 1..5, K 1..8), spectra
 * (well-conditioned, clustered, rank-deficient, spread to condition 1e6) and input scales 1e-3..1e3, with
 * random offsets and guard cells around every argument.
 *
 * <p>A back-end joins by subclassing: {@link #createOp()} makes an instance (call
 * {@code Assumptions.abort} there if the back-end cannot run here), {@link #tolerances()} says whether it
 * computes in float32 or float64, and {@link #knobs()} may shrink the example counts and sizes.
 *
 * <p>Seeds are fixed per property ({@code -Disqrt4j.seed=N} changes the base seed); every failure message names
 * the back-end, the property, the seed and the falsifying {@link Case}, which rebuilds the data by itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ContractSuite {
    private MatrixSqrtOp op;
    private Ctx ctx;
    private Stats stats;
    private String unavailable;

    /**
     * @return a new op of the back-end under test; the suite closes it
     */
    protected abstract MatrixSqrtOp createOp();

    /** @return the back-end's error bounds */
    protected abstract Tolerances tolerances();

    /** @return examples per property and size limits; CPU defaults */
    protected Knobs knobs() {
        return Knobs.cpu();
    }

    /** @return examples of the closed-op property, which makes and closes one op per example */
    protected int closedOpExamples() {
        return knobs().examples();
    }

    @BeforeAll
    final void openOp() {
        try {
            op = createOp();
        } catch (TestAbortedException e) {
            // Aborting here would report the class as 0 tests run; each test aborts instead, so the report shows
            // every property as skipped with the reason.
            unavailable = e.getMessage();
            return;
        }
        stats = new Stats(op.name());
        ctx = new Ctx(op, tolerances(), stats, this::createOp);
    }

    @AfterAll
    final void closeOp() {
        if (ctx != null) {
            ctx.closeSecond();
        }
        if (op != null) {
            op.close();
        }
        if (stats != null) {
            System.out.print(stats.report());
        }
    }

    /** @return the running op's check context (for subclasses' extra properties) */
    final Ctx ctx() {
        return ctx;
    }

    /** Runs one contract property on this back-end with its example count. */
    final void check(ContractProperty p) {
        int examples = p == ContractProperty.CLOSED_OP ? closedOpExamples() : knobs().examples();
        property(p.title, examples, p.gen.apply(knobs()), c -> p.check.accept(ctx, c));
    }

    /** Runs one property on this back-end (see {@link PropertyRunner}). */
    final <T> void property(String name, int examples, Gen<T> gen, Consumer<T> body) {
        if (unavailable != null) {
            Assumptions.abort(unavailable);
        }
        PropertyRunner.run(stats, op.name(), knobs().shrinkCycles(), name, examples, gen, body);
    }

    // ------------------------------------------------------------------------------------------ 1. forward

    @Test
    @Order(10)
    @DisplayName("1a sqrtForward == float64 spectral Newton-Schulz (K 1..8, FULL/TRIU)")
    void sqrtForwardMatchesSpectral() {
        check(ContractProperty.SQRT_FORWARD);
    }

    @Test
    @Order(11)
    @DisplayName("1b sqrtForward == exact square root for K 20..30 on well-conditioned Sigma")
    void sqrtForwardConvergesToExact() {
        check(ContractProperty.SQRT_CONVERGED);
    }

    @Test
    @Order(12)
    @DisplayName("1c forward (whole layer) == float64 layerForward")
    void layerForwardMatchesReference() {
        check(ContractProperty.LAYER_FORWARD);
    }

    // ------------------------------------------------------------------------------------------ 2. backward

    @Test
    @Order(20)
    @DisplayName("2a sqrtBackward == float64 Daleckii-Krein gradient (symmetric and non-symmetric G)")
    void sqrtBackwardMatchesReference() {
        check(ContractProperty.SQRT_BACKWARD);
    }

    @Test
    @Order(21)
    @DisplayName("2b sqrtBackward == central differences of float64 sqrtIterative (non-symmetric G and E)")
    void sqrtBackwardMatchesFiniteDifferences() {
        check(ContractProperty.SQRT_BACKWARD_FD);
    }

    @Test
    @Order(22)
    @DisplayName("2c backward (whole layer) == float64 layerBackward")
    void layerBackwardMatchesReference() {
        check(ContractProperty.LAYER_BACKWARD);
    }

    @Test
    @Order(23)
    @DisplayName("2d backward (whole layer) == central differences of float64 layerForward (non-symmetric G)")
    void layerBackwardMatchesFiniteDifferences() {
        check(ContractProperty.LAYER_BACKWARD_FD);
    }

    // ------------------------------------------------------------------------------------------ 3. stages

    @Test
    @Order(30)
    @DisplayName("3a covariance == float64 covariance")
    void covarianceMatchesReference() {
        check(ContractProperty.COVARIANCE);
    }

    @Test
    @Order(31)
    @DisplayName("3b covarianceBackward == float64 covarianceBackward (non-symmetric dL/dSigma)")
    void covarianceBackwardMatchesReference() {
        check(ContractProperty.COVARIANCE_BACKWARD);
    }

    @Test
    @Order(32)
    @DisplayName("3c TRIU forward == packed upper triangle of FULL (square root and layer)")
    void triuForwardIsPackedFull() {
        check(ContractProperty.TRIU_FORWARD);
    }

    @Test
    @Order(33)
    @DisplayName("3d TRIU backward == FULL backward of the upper-triangle-only gradient")
    void triuBackwardIsFullBackwardOfUpper() {
        check(ContractProperty.TRIU_BACKWARD);
    }

    @Test
    @Order(34)
    @DisplayName("3e whole layer == covariance then square root, forward and backward")
    void layerIsComposition() {
        check(ContractProperty.COMPOSITION);
    }

    // ------------------------------------------------------------------------------------------ 4. invariances

    @Test
    @Order(40)
    @DisplayName("4a C(cX) == |c| C(X)")
    void scaling() {
        check(ContractProperty.SCALING);
    }

    @Test
    @Order(41)
    @DisplayName("4b permuting positions leaves C unchanged")
    void permutation() {
        check(ContractProperty.PERMUTATION);
    }

    @Test
    @Order(42)
    @DisplayName("4c adding one vector to every position leaves C unchanged")
    void meanShift() {
        check(ContractProperty.MEAN_SHIFT);
    }

    @Test
    @Order(43)
    @DisplayName("4d rotating channels: C(QX) == Q C(X) Q^T")
    void rotation() {
        check(ContractProperty.ROTATION);
    }

    // ------------------------------------------------------------------------------------------ 5. structure

    @Test
    @Order(50)
    @DisplayName("5a FULL output is symmetric (square root and layer)")
    void outputIsSymmetric() {
        check(ContractProperty.SYMMETRY);
    }

    // ------------------------------------------------------------------------------------------ 6. errors and edges

    @Test
    @Order(60)
    @DisplayName("6a bad arguments, non-finite values (naming the sample), foreign/wrong-stage/closed handles are rejected")
    void badArgumentsAreRejected() {
        check(ContractProperty.BAD_ARGUMENTS);
    }

    @Test
    @Order(61)
    @DisplayName("6b every method of a closed op throws IllegalStateException")
    void closedOpIsRejected() {
        check(ContractProperty.CLOSED_OP);
    }

    @Test
    @Order(62)
    @DisplayName("6c constant features (zero trace) give exactly zero covariance, output and gradients")
    void constantFeaturesGiveZero() {
        check(ContractProperty.CONSTANT_FEATURES);
    }

    @Test
    @Order(63)
    @DisplayName("6d zero-trace Sigma gives exactly zero output and gradient")
    void zeroTraceSigmaGivesZero() {
        check(ContractProperty.ZERO_TRACE_SIGMA);
    }

    // ------------------------------------------------------------------------------------------ 7. roots and whitening

    @Test
    @Order(80)
    @DisplayName("7a sqrtForward with root/normalisation/eps options == float64 spectral p_K or z_K")
    void rootForwardMatchesSpectral() {
        check(ContractProperty.ROOT_FORWARD);
    }

    @Test
    @Order(81)
    @DisplayName("7b INV_SQRT == exact inverse square root for K 20..30 on well-conditioned Sigma")
    void inverseConvergesToExact() {
        check(ContractProperty.INV_CONVERGED);
    }

    @Test
    @Order(82)
    @DisplayName("7c forward (whole layer) with options == float64 layerForward(options)")
    void rootLayerForwardMatchesReference() {
        check(ContractProperty.ROOT_LAYER_FORWARD);
    }

    @Test
    @Order(83)
    @DisplayName("7d INV_SQRT scale law C(a Sigma) == a^-1/2 C(Sigma)")
    void inverseScaleLaw() {
        check(ContractProperty.INV_SCALE_LAW);
    }

    @Test
    @Order(84)
    @DisplayName("7e sqrtBackward with options == Daleckii-Krein and central differences (non-symmetric G, E)")
    void rootBackwardMatches() {
        check(ContractProperty.ROOT_BACKWARD);
    }

    @Test
    @Order(85)
    @DisplayName("7f backward (whole layer) with options == reference and central differences")
    void rootLayerBackwardMatches() {
        check(ContractProperty.ROOT_LAYER_BACKWARD);
    }

    @Test
    @Order(86)
    @DisplayName("7g whitenForward == float64 whitening; W(sX) == sign(s) W(X)")
    void whitenForwardMatches() {
        check(ContractProperty.WHITEN_FORWARD);
    }

    @Test
    @Order(87)
    @DisplayName("7h W W^T / n == I for K 21..28 on full-rank input")
    void whitenedIsIdentity() {
        check(ContractProperty.WHITEN_IDENTITY);
    }

    @Test
    @Order(88)
    @DisplayName("7i whitenBackward == float64 whitening backward and central differences")
    void whitenBackwardMatches() {
        check(ContractProperty.WHITEN_BACKWARD);
    }

    @Test
    @Order(89)
    @DisplayName("7j constant features: eps > 0 whitens to exactly 0 with finite gradients; eps = 0 is rejected")
    void whitenConstantFeatures() {
        check(ContractProperty.WHITEN_CONSTANT);
    }

    @Test
    @Order(90)
    @DisplayName("7k bad options (eps < 0, NaN, infinite, null) and whitening arguments are rejected")
    void rootBadArguments() {
        check(ContractProperty.ROOT_BAD_ARGUMENTS);
    }
}
