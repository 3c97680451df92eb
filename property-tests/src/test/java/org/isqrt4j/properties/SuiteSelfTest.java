package org.isqrt4j.properties;

import java.util.function.BiConsumer;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The suite can fail: each mutant is the reference op with one realistic bug, and the property meant to catch
 * that bug must fail on it, with the float32 bounds (the loosest the suite uses) so that the bounds are shown to
 * be tight enough to matter.
 */
@DisplayName("Contract suite self-test: mutants are caught")
class SuiteSelfTest {

    /** A bug and the check that must catch it. */
    enum Mutation {
        /** dL/dSigma transposed (the peer bug): invisible for symmetric G, caught by finite differences along g^T. */
        TRANSPOSED_SQRT_GRADIENT(BackwardChecks::sqrtMatchesFiniteDifferences, "finite difference"),
        /** Same bug, caught by the comparison with the Daleckii-Krein reference for non-symmetric G. */
        TRANSPOSED_SQRT_GRADIENT_VS_REFERENCE(BackwardChecks::sqrtMatchesReference, "vs sqrtBackwardSpectral"),
        /** Layer gradient 1% too large. */
        LAYER_GRADIENT_SCALED(BackwardChecks::layerMatchesFiniteDifferences, "finite difference"),
        /** Covariance normalised by n - 1 instead of n. */
        UNBIASED_COVARIANCE(ForwardChecks::covarianceMatchesReference, "Sigma vs covariance"),
        /** K - 1 iterations (also betrayed by the handle's options). */
        ONE_ITERATION_SHORT(ForwardChecks::sqrtMatchesSpectral, "vs sqrtSpectral|options SqrtOptions"),
        /** The forward writes one float past its output region. */
        WRITES_PAST_OUTPUT(ForwardChecks::layerMatchesReference, "outside the output region"),
        /** The last sample's output is left unwritten. */
        SKIPS_LAST_SAMPLE(ForwardChecks::sqrtMatchesSpectral, "never written"),
        /** Non-finite input silently replaced by 0 instead of rejected. */
        ACCEPTS_NAN(ValidationChecks::badArguments, "no exception"),
        /** A zero-trace Sigma with non-zero entries is silently treated as zero instead of rejected. */
        ACCEPTS_ZERO_TRACE_NON_ZERO(ValidationChecks::badArguments, "no exception"),
        /** The layer backward does not notice that the caller changed the saved x after the forward. */
        IGNORES_CHANGED_INPUT(ValidationChecks::badArguments, "no exception"),
        /** A zero-trace sample gives a tiny non-zero output instead of exact zeros. */
        ZERO_TRACE_NOT_ZERO(ZeroTraceChecks::zeroTraceSigma, "expected exactly 0"),
        /** The TRIU layout scatters its gradient into both triangles. */
        TRIU_GRADIENT_BOTH_TRIANGLES(CompositionChecks::triuBackwardIsFullBackwardOfUpper, "TRIU backward vs FULL");

        final BiConsumer<Ctx, Case> check;
        final String symptom;

        Mutation(BiConsumer<Ctx, Case> check, String symptom) {
            this.check = check;
            this.symptom = symptom;
        }

        /** The argument checks run on small cases, as the contract suite runs them. */
        boolean usesSmallCases() {
            return this == ACCEPTS_NAN || this == ACCEPTS_ZERO_TRACE_NON_ZERO || this == IGNORES_CHANGED_INPUT;
        }
    }

    @ParameterizedTest
    @EnumSource(Mutation.class)
    @DisplayName("a mutant fails its property")
    void mutantIsCaught(Mutation m) {
        Stats stats = new Stats("mutant-" + m);
        try (MatrixSqrtOp op = new MutantOp(MatrixSqrtOps.load("reference"), m)) {
            Ctx ctx = new Ctx(op, Tolerances.float32(1), stats,
                    () -> new MutantOp(MatrixSqrtOps.load("reference"), m));
            AssertionError e = Assertions.assertThrows(AssertionError.class, () -> PropertyRunner.run(stats, op.name(), 0,
                    "self-test " + m, 60,
                    m.usesSmallCases()
                            ? Gens.smallLayerCases(Knobs.cpu()) : Gens.layerCases(Knobs.cpu()),
                    c -> m.check.accept(ctx, c)), m + " was not caught");
            Assertions.assertTrue(e.getMessage().contains("seed"), "failure message names the seed: " + e.getMessage());
            Assertions.assertTrue(java.util.Arrays.stream(m.symptom.split("\\|")).anyMatch(e.getMessage()::contains),
                    m + " failed for another reason: " + e.getMessage());
            ctx.closeSecond();
        }
    }

    /** The reference op with one bug. Handles are the reference's own, so its validation still applies. */
    private static final class MutantOp implements MatrixSqrtOp {
        private final MatrixSqrtOp inner;
        private final Mutation m;

        MutantOp(MatrixSqrtOp inner, Mutation m) {
            this.inner = inner;
            this.m = m;
        }

        @Override
        public String name() {
            return "mutant-" + m;
        }

        @Override
        public void covariance(int batch, int d, int n, float[] x, int xOff, float[] sigma, int sigmaOff) {
            inner.covariance(batch, d, n, x, xOff, sigma, sigmaOff);
            if (m == Mutation.UNBIASED_COVARIANCE && n > 1) {
                for (int i = 0; i < batch * d * d; i++) {
                    sigma[sigmaOff + i] *= n / (n - 1f);
                }
            }
        }

        @Override
        public void covarianceBackward(int batch, int d, int n, float[] x, int xOff, float[] gradSigma, int gOff,
                                       float[] gradX, int gxOff) {
            inner.covarianceBackward(batch, d, n, x, xOff, gradSigma, gOff, gradX, gxOff);
        }

        @Override
        public ForwardHandle sqrtForward(int batch, int d, SqrtOptions options, float[] sigma, int sigmaOff,
                                         float[] out, int outOff) {
            if (m == Mutation.ACCEPTS_NAN && sigma != null) {
                sigma = sanitized(sigma);
            }
            if (m == Mutation.ACCEPTS_ZERO_TRACE_NON_ZERO && sigma != null && d > 0 && batch > 0 && sigmaOff >= 0) {
                sigma = sigma.clone();
                for (int b = 0; b < batch && (long) sigmaOff + (long) (b + 1) * d * d <= sigma.length; b++) {
                    double tr = 0;
                    for (int i = 0; i < d; i++) {
                        tr += sigma[sigmaOff + b * d * d + i * d + i];
                    }
                    if (tr == 0) {
                        java.util.Arrays.fill(sigma, sigmaOff + b * d * d, sigmaOff + (b + 1) * d * d, 0f);
                    }
                }
            }
            SqrtOptions o = m == Mutation.ONE_ITERATION_SHORT && options != null && options.iterations() > 1
                    ? options.withIterations(options.iterations() - 1) : options;
            ForwardHandle h = inner.sqrtForward(batch, d, o, sigma, sigmaOff, out, outOff);
            int per = options.layout().elements(d);
            if (m == Mutation.TRIU_GRADIENT_BOTH_TRIANGLES) {
                sigmaByHandle.put(h, java.util.Arrays.copyOfRange(sigma, sigmaOff, sigmaOff + batch * d * d));
            }
            if (m == Mutation.SKIPS_LAST_SAMPLE && batch > 1) {
                java.util.Arrays.fill(out, outOff + (batch - 1) * per, outOff + batch * per, Slot.SENTINEL);
            }
            if (m == Mutation.ZERO_TRACE_NOT_ZERO) {
                for (int b = 0; b < batch; b++) {
                    double tr = 0;
                    for (int i = 0; i < d; i++) {
                        tr += sigma[sigmaOff + b * d * d + i * d + i];
                    }
                    if (tr == 0) {
                        out[outOff + b * per] = 1e-30f;
                    }
                }
            }
            return h;
        }

        @Override
        public void sqrtBackward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradSigma, int gsOff) {
            if (m == Mutation.TRIU_GRADIENT_BOTH_TRIANGLES && sigmaByHandle.containsKey(handle)
                    && handle.options().layout() == OutputLayout.TRIU) {
                // Scatters the packed gradient into both triangles: the FULL backward of U + strict(U)^T.
                int d = handle.d();
                int bb = handle.batch();
                int per = d * (d + 1) / 2;
                float[] full = new float[bb * d * d];
                for (int b = 0; b < bb; b++) {
                    int q = gOff + b * per;
                    for (int i = 0; i < d; i++) {
                        for (int j = i; j < d; j++) {
                            full[b * d * d + i * d + j] = gradOut[q];
                            full[b * d * d + j * d + i] = gradOut[q];
                            q++;
                        }
                    }
                }
                ForwardHandle fh = inner.sqrtForward(bb, d, handle.options().withLayout(OutputLayout.FULL),
                        sigmaByHandle.get(handle), 0, new float[bb * d * d], 0);
                inner.sqrtBackward(fh, full, 0, gradSigma, gsOff);
                return;
            }
            inner.sqrtBackward(handle, gradOut, gOff, gradSigma, gsOff);
            if (m == Mutation.TRANSPOSED_SQRT_GRADIENT || m == Mutation.TRANSPOSED_SQRT_GRADIENT_VS_REFERENCE) {
                int d = handle.d();
                for (int b = 0; b < handle.batch(); b++) {
                    int base = gsOff + b * d * d;
                    for (int i = 0; i < d; i++) {
                        for (int j = i + 1; j < d; j++) {
                            float t = gradSigma[base + i * d + j];
                            gradSigma[base + i * d + j] = gradSigma[base + j * d + i];
                            gradSigma[base + j * d + i] = t;
                        }
                    }
                }
            }
        }

        @Override
        public ForwardHandle forward(int batch, int d, int n, SqrtOptions options, float[] x, int xOff, float[] out,
                                     int outOff) {
            if (m == Mutation.ACCEPTS_NAN && x != null) {
                x = sanitized(x);
            }
            SqrtOptions o = m == Mutation.IGNORES_CHANGED_INPUT && options != null
                    ? options.withSavedInputCheck(false) : options;
            ForwardHandle h = inner.forward(batch, d, n, o, x, xOff, out, outOff);
            int end = outOff + batch * options.layout().elements(d);
            if (m == Mutation.WRITES_PAST_OUTPUT && end < out.length) {
                out[end] = 0f;
            }
            return h;
        }

        @Override
        public void backward(ForwardHandle handle, float[] gradOut, int gOff, float[] gradX, int gxOff) {
            inner.backward(handle, gradOut, gOff, gradX, gxOff);
            if (m == Mutation.LAYER_GRADIENT_SCALED) {
                int len = handle.batch() * handle.d() * handle.n();
                for (int i = 0; i < len; i++) {
                    gradX[gxOff + i] *= 1.01f;
                }
            }
        }

        @Override
        public void close() {
            inner.close();
        }

        private final java.util.Map<ForwardHandle, float[]> sigmaByHandle = new java.util.IdentityHashMap<>();

        private static float[] sanitized(float[] a) {
            float[] c = a.clone();
            for (int i = 0; i < c.length; i++) {
                if (!Float.isFinite(c[i])) {
                    c[i] = 0;
                }
            }
            return c;
        }
    }
}
