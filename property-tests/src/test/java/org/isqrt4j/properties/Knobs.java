package org.isqrt4j.properties;

/**
 * Per back-end settings of the contract suite.
 *
 * @param examples     examples per property (QuickTheories {@code withExamples})
 * @param maxD         largest d generated (awkward sizes above it are dropped)
 * @param bigPercent   share of examples, in percent, with d in 63..maxD; the rest mostly have d &lt;= 40
 * @param shrinkCycles QuickTheories shrink cycles after a failure (each one re-runs the property)
 */
record Knobs(int examples, int maxD, int bigPercent, int shrinkCycles) {

    Knobs {
        if (examples < 1 || maxD < 1 || bigPercent < 0 || bigPercent > 50 || shrinkCycles < 0) {
            throw new IllegalArgumentException("bad knobs " + examples + " " + maxD + " " + bigPercent + " " + shrinkCycles);
        }
    }

    /**
     * The CPU back-ends' settings: 100 examples ({@code -Disqrt4j.examples=N} for a deeper local run), d up to 160
     * with 8% of examples at 63..160.
     */
    static Knobs cpu() {
        return new Knobs(Integer.getInteger("isqrt4j.examples", 100), 160, 8, 40);
    }

    /** @param e examples  @return a copy with that many examples per property */
    Knobs withExamples(int e) {
        return new Knobs(e, maxD, bigPercent, shrinkCycles);
    }

    /** @param p percent  @return a copy with that share of big-d examples */
    Knobs withBigPercent(int p) {
        return new Knobs(examples, maxD, p, shrinkCycles);
    }

    /** @param m largest d  @return a copy with that largest d */
    Knobs withMaxD(int m) {
        return new Knobs(examples, m, bigPercent, shrinkCycles);
    }
}
