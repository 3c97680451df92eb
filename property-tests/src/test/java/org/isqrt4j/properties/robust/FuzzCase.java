package org.isqrt4j.properties.robust;

import java.util.SplittableRandom;

import org.isqrt4j.api.OutputLayout;

/**
 * One fuzz example, derived entirely from its seed ({@link #of(long)}), so that a failure message carrying the
 * seed reproduces it alone. Shapes are small (d &lt;= 17, n &lt;= 33, B &lt;= 4), because the point is the edges:
 * n = 1, d = 1, zero-trace and constant samples, denormals, 1e-30 and 1e30 scales, values near the float range
 * limit, non-symmetric and indefinite Sigma, offsets and slack around every array, and exactly one injected
 * fault (or none) per example.
 *
 * @param seed      the example's seed
 * @param call      which entry point
 * @param alloc     use the allocating overload (offset 0, no output argument)
 * @param batch     B
 * @param d         channels
 * @param n         positions (unused by the square-root calls)
 * @param k         Newton-Schulz iterations
 * @param layout    output layout
 * @param data      kind of X
 * @param xExp      decimal exponent of X's scale
 * @param zeroSample a sample replaced by zeros or a constant, -1 for none
 * @param sigma     kind of Sigma (square-root calls)
 * @param sigmaExp  decimal exponent of Sigma's largest entry
 * @param gradExp   decimal exponent of the incoming gradient's scale; {@link #DENORMAL_EXP} for denormals
 * @param symG      whether the incoming gradient is symmetric
 * @param fault     the injected fault
 * @param role      which array the fault hits (array faults)
 * @param pre       guard cells before each array region, by {@link Role#ordinal()}
 * @param post      guard cells after each array region
 */
record FuzzCase(long seed, Call call, boolean alloc, int batch, int d, int n, int k, OutputLayout layout, Data data,
                int xExp, int zeroSample, SigmaKind sigma, int sigmaExp, int gradExp, boolean symG, Fault fault,
                Role role, int[] pre, int[] post) {

    /** Marks denormal data: values of about 1e-42. */
    static final int DENORMAL_EXP = -42;

    /** The entry points. */
    enum Call { COVARIANCE, COV_BACKWARD, SQRT_FORWARD, SQRT_BACKWARD, FORWARD, BACKWARD;
        boolean handleBased() {
            return this == SQRT_BACKWARD || this == BACKWARD;
        }
        boolean sqrtStage() {
            return this == SQRT_FORWARD || this == SQRT_BACKWARD;
        }
        boolean takesOptions() {
            return this == SQRT_FORWARD || this == FORWARD;
        }
    }

    /** Kinds of X. */
    enum Data { GAUSS, ZERO, CONST_SAMPLE, CONST_CHANNELS, PARTIAL_CONST, DENORMAL, MIXED_SCALES, RANK1, SPARSE, NEAR_CONST }

    /** Kinds of Sigma. */
    enum SigmaKind { COV, RANK_DEF, ZERO, DIAG, NONSYM, INDEFINITE, NEG_TRACE, DENORMAL }

    /** Injected faults; NONE must succeed unless the exact result is not representable in float. */
    enum Fault { NONE, BAD_DIM, HUGE_DIM, BAD_K, NULL_OPTIONS, NULL_ARRAY, NEG_OFFSET, SHORT, POISON, HANDLE_NULL,
        HANDLE_CLOSED, HANDLE_FOREIGN, HANDLE_STAGE }

    /** The arrays of a call: its main input (x or Sigma), the incoming gradient, the output. */
    enum Role { IN, GRAD, OUT }

    /** K beyond float32's stable range on rank-deficient input: only "finite or IllegalArgumentException" is checked. */
    private static final int[] LARGE_KS = {12, 20, 40};
    /** Largest K whose results are compared with float64 (see {@code LargeIterationsTest} for why). */
    static final int MAX_COMPARED_K = 10;

    private static final int[] X_EXPS = {0, 0, 0, -30, -20, -10, 10, 20, 30};
    private static final int[] SIGMA_EXPS = {0, 0, -40, -30, -20, -10, 10, 20, 30, 38};
    private static final int[] GRAD_EXPS = {0, 0, 0, 0, -30, -10, 10, 30, DENORMAL_EXP};

    /**
     * @param seed any long
     * @return the example it stands for
     */
    static FuzzCase of(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Call call = Call.values()[r.nextInt(Call.values().length)];
        boolean alloc = r.nextInt(6) == 0;
        int batch = r.nextInt(10) < 4 ? 1 : 2 + r.nextInt(3);
        int d = pickSize(r, 9, 17);
        int n = pickSize(r, 10, 33);
        int k = r.nextInt(25) == 0 ? LARGE_KS[r.nextInt(LARGE_KS.length)] : 1 + r.nextInt(8);
        OutputLayout layout = r.nextBoolean() ? OutputLayout.FULL : OutputLayout.TRIU;
        Data data = Data.values()[r.nextInt(Data.values().length)];
        int xExp = X_EXPS[r.nextInt(X_EXPS.length)];
        int zeroSample = batch > 1 && r.nextInt(4) == 0 ? r.nextInt(batch) : -1;
        SigmaKind sigma = SigmaKind.values()[r.nextInt(SigmaKind.values().length)];
        if (sigma == SigmaKind.NEG_TRACE && call != Call.SQRT_FORWARD) {
            sigma = SigmaKind.COV; // a rejected forward leaves no handle to test a backward with
        }
        int sigmaExp = SIGMA_EXPS[r.nextInt(SIGMA_EXPS.length)];
        int gradExp = GRAD_EXPS[r.nextInt(GRAD_EXPS.length)];
        boolean symG = r.nextBoolean();
        Fault fault = Fault.NONE;
        Role role = Role.IN;
        if (r.nextInt(100) >= 55) {
            fault = pickFault(r, call, alloc);
            role = pickRole(r, call, alloc, fault);
        }
        int[] pre = new int[3];
        int[] post = new int[3];
        for (int i = 0; i < 3; i++) {
            pre[i] = alloc ? 0 : (r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(5));
            post[i] = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(4);
        }
        return new FuzzCase(seed, call, alloc, batch, d, n, k, layout, data, xExp, zeroSample, sigma, sigmaExp,
                gradExp, symG, fault, role, pre, post);
    }

    private static int pickSize(SplittableRandom r, int common, int rare) {
        int p = r.nextInt(20);
        if (p < 3) {
            return 1;
        }
        if (p == 3) {
            return rare;
        }
        return 2 + r.nextInt(common - 1);
    }

    private static Fault pickFault(SplittableRandom r, Call call, boolean alloc) {
        java.util.List<Fault> ok = new java.util.ArrayList<>();
        ok.add(Fault.NULL_ARRAY);
        ok.add(Fault.SHORT);
        ok.add(Fault.POISON);
        ok.add(Fault.POISON);
        if (!alloc) {
            ok.add(Fault.NEG_OFFSET);
        }
        if (call.handleBased()) {
            ok.add(Fault.HANDLE_NULL);
            ok.add(Fault.HANDLE_CLOSED);
            ok.add(Fault.HANDLE_FOREIGN);
            ok.add(Fault.HANDLE_STAGE);
        } else {
            ok.add(Fault.BAD_DIM);
            ok.add(Fault.HUGE_DIM);
        }
        if (call.takesOptions()) {
            ok.add(Fault.BAD_K);
            ok.add(Fault.NULL_OPTIONS);
        }
        return ok.get(r.nextInt(ok.size()));
    }

    private static Role pickRole(SplittableRandom r, Call call, boolean alloc, Fault fault) {
        java.util.List<Role> roles = new java.util.ArrayList<>();
        if (!call.handleBased()) {
            roles.add(Role.IN);
        }
        if (call.handleBased() || call == Call.COV_BACKWARD) {
            roles.add(Role.GRAD);
        }
        if (!alloc && fault != Fault.POISON) {
            roles.add(Role.OUT);
        }
        return roles.get(r.nextInt(roles.size()));
    }

    /** @return the floats per sample of the output layout */
    int perOut() {
        return layout.elements(d);
    }

    @Override
    public String toString() {
        return "FuzzCase.of(" + seed + "L)[" + call + (alloc ? " alloc" : "") + " B=" + batch + " d=" + d
                + (call.sqrtStage() ? "" : " n=" + n) + (call.takesOptions() || call.handleBased() ? " K=" + k + " " + layout : "")
                + (call.sqrtStage() ? " sigma=" + sigma + " 1e" + sigmaExp : " x=" + data + " 1e" + xExp)
                + (zeroSample >= 0 ? " zeroSample=" + zeroSample : "")
                + (call == Call.COV_BACKWARD || call.handleBased() ? " G=1e" + gradExp + (symG ? " sym" : " nonsym") : "")
                + " fault=" + fault + (fault == Fault.NONE ? "" : "/" + role)
                + " pre=" + java.util.Arrays.toString(pre) + " post=" + java.util.Arrays.toString(post) + "]";
    }
}
