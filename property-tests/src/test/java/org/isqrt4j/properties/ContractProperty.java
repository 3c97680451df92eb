package org.isqrt4j.properties;

import java.util.function.BiConsumer;
import java.util.function.Function;

import org.quicktheories.core.Gen;

/**
 * The properties of the contract: name (as printed in failures and reports), generator, and the check of one
 * example. {@link ContractSuite} runs each as a test; {@link ReproduceTest} re-runs one failing case.
 */
enum ContractProperty {
    SQRT_FORWARD("sqrtForward = sqrtSpectral", Gens::sqrtCases, ForwardChecks::sqrtMatchesSpectral),
    SQRT_CONVERGED("sqrtForward(K>=20) = sqrtExact", Gens::convergedSqrtCases, ForwardChecks::sqrtConvergesToExact),
    LAYER_FORWARD("forward = layerForward", Gens::layerCases, ForwardChecks::layerMatchesReference),
    SQRT_BACKWARD("sqrtBackward = sqrtBackwardSpectral", Gens::sqrtCases, BackwardChecks::sqrtMatchesReference),
    SQRT_BACKWARD_FD("sqrtBackward = finite differences", k -> Gens.sqrtCases(fd(k)),
            BackwardChecks::sqrtMatchesFiniteDifferences),
    LAYER_BACKWARD("backward = layerBackward", Gens::layerCases, BackwardChecks::layerMatchesReference),
    LAYER_BACKWARD_FD("backward = finite differences", k -> Gens.layerCases(fd(k)),
            BackwardChecks::layerMatchesFiniteDifferences),
    COVARIANCE("covariance = reference", Gens::layerCases, ForwardChecks::covarianceMatchesReference),
    COVARIANCE_BACKWARD("covarianceBackward = reference", Gens::layerCases,
            BackwardChecks::covarianceBackwardMatchesReference),
    TRIU_FORWARD("TRIU forward = pack(FULL)", Gens::layerCases, CompositionChecks::triuForwardIsPackedFull),
    TRIU_BACKWARD("TRIU backward = FULL backward of upper(g)", Gens::layerCases,
            CompositionChecks::triuBackwardIsFullBackwardOfUpper),
    COMPOSITION("layer = sqrt o covariance", Gens::layerCases, CompositionChecks::layerIsComposition),
    SCALING("C(cX) = |c| C(X)", Gens::layerCases, InvarianceChecks::scaling),
    PERMUTATION("C(XP) = C(X)", Gens::layerCases, InvarianceChecks::permutation),
    MEAN_SHIFT("C(X + m1^T) = C(X)", Gens::layerCases, InvarianceChecks::meanShift),
    ROTATION("C(QX) = Q C(X) Q^T", Gens::layerCases, InvarianceChecks::rotation),
    SYMMETRY("C = C^T", Gens::layerCases, ForwardChecks::outputIsSymmetric),
    BAD_ARGUMENTS("bad arguments rejected", Gens::smallLayerCases, ValidationChecks::badArguments),
    CLOSED_OP("closed op rejected", Gens::smallLayerCases, ValidationChecks::closedOp),
    CONSTANT_FEATURES("constant features -> 0", Gens::layerCases, ZeroTraceChecks::constantFeatures),
    ZERO_TRACE_SIGMA("zero-trace Sigma -> 0", Gens::sqrtCases, ZeroTraceChecks::zeroTraceSigma),
    ROOT_FORWARD("sqrtForward(options) = rootSpectral", Gens::sqrtCases, RootChecks::sqrtMatchesSpectral),
    INV_CONVERGED("INV_SQRT(K>=20) = invSqrtExact", Gens::convergedSqrtCases, RootChecks::inverseConvergesToExact),
    ROOT_LAYER_FORWARD("forward(options) = layerForward(options)", Gens::layerCases, RootChecks::layerMatchesReference),
    INV_SCALE_LAW("C(a Sigma) = a^-1/2 C(Sigma)", Gens::sqrtCases, RootChecks::inverseScaleLaw),
    ROOT_BACKWARD("sqrtBackward(options) = reference and finite differences", k -> Gens.sqrtCases(fd(k)),
            RootChecks::sqrtBackwardMatches),
    ROOT_LAYER_BACKWARD("backward(options) = reference and finite differences", k -> Gens.layerCases(fd(k)),
            RootChecks::layerBackwardMatches),
    WHITEN_FORWARD("whitenForward = reference, W(sX) = sign(s) W(X)", Gens::layerCases,
            RootChecks::whitenMatchesReference),
    WHITEN_IDENTITY("W W^T / n = I for large K", Gens::layerCases, RootChecks::whitenedIsIdentity),
    WHITEN_BACKWARD("whitenBackward = reference and finite differences", k -> Gens.layerCases(fd(k)),
            RootChecks::whitenBackwardMatches),
    WHITEN_CONSTANT("constant features: eps > 0 whitens to 0, eps = 0 rejected", Gens::smallLayerCases,
            RootChecks::constantFeatures),
    ROOT_BAD_ARGUMENTS("bad options and whitening arguments rejected", Gens::smallLayerCases,
            RootChecks::badArguments);

    final String title;
    final Function<Knobs, Gen<Case>> gen;
    final BiConsumer<Ctx, Case> check;

    ContractProperty(String title, Function<Knobs, Gen<Case>> gen, BiConsumer<Ctx, Case> check) {
        this.title = title;
        this.gen = gen;
        this.check = check;
    }

    /** Finite-difference examples cost 8 to 12 float64 forwards each: half the share of big d. */
    private static Knobs fd(Knobs k) {
        return k.withBigPercent(Math.max(2, k.bigPercent() / 2));
    }

    /** @return the property with this title or enum name */
    static ContractProperty byName(String name) {
        for (ContractProperty p : values()) {
            if (p.title.equals(name) || p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no property '" + name + "'");
    }
}
