package org.isqrt4j.properties;

import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * One generated example: the shape, the options and how to build the data. The arrays are rebuilt from
 * {@link #seed()} by {@link Samples}, so this record's {@code toString} (printed by QuickTheories for a
 * falsifying example) is enough to reproduce a failure.
 *
 * @param batch      B
 * @param d          channels
 * @param n          positions; 0 for square-root-alone cases
 * @param k          Newton-Schulz iterations K
 * @param layout     output layout
 * @param spectrum   spectrum shape of X or Sigma
 * @param scaleExp   log10 of the input scale (X entries; Sigma gets its square), per-sample jitter of +-0.5 added
 * @param offset     per-channel mean added to X, in units of the centred data's RMS (0, 1 or 10)
 * @param symmetricG whether the incoming gradient dL/dC is symmetric (applies where the layout is FULL)
 * @param seed       data seed
 */
record Case(int batch, int d, int n, int k, OutputLayout layout, Spectrum spectrum, double scaleExp, int offset,
            boolean symmetricG, long seed) {

    /** @return the op options of this case */
    SqrtOptions options() {
        return SqrtOptions.of(k, layout);
    }

    /** @return output floats per sample in this case's layout */
    int outPerSample() {
        return layout.elements(d);
    }

    /** @return a copy with another layout */
    Case withLayout(OutputLayout l) {
        return new Case(batch, d, n, k, l, spectrum, scaleExp, offset, symmetricG, seed);
    }

    @Override
    public String toString() {
        return "Case[B=" + batch + " d=" + d + (n > 0 ? " n=" + n : "") + " K=" + k + " " + layout + " " + spectrum
                + String.format(" scale=1e%+.2f", scaleExp) + (n > 0 ? " offset=" + offset : "")
                + " G=" + (symmetricG ? "sym" : "nonsym") + " seed=" + seed + "L]";
    }

    private static final java.util.regex.Pattern FORMAT = java.util.regex.Pattern.compile(
            "Case\\[B=(\\d+) d=(\\d+)(?: n=(\\d+))? K=(\\d+) (FULL|TRIU) (\\w+) scale=1e([+-]\\d+\\.\\d+)"
                    + "(?: offset=(\\d+))? G=(sym|nonsym) seed=(\\d+)L\\]");

    /**
     * @param s a case as printed by {@link #toString()} (e.g. copied from a failure message)
     * @return that case
     */
    static Case parse(String s) {
        java.util.regex.Matcher m = FORMAT.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a printed Case: " + s);
        }
        return new Case(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
                OutputLayout.valueOf(m.group(5)), Spectrum.valueOf(m.group(6)), Double.parseDouble(m.group(7)),
                m.group(8) == null ? 0 : Integer.parseInt(m.group(8)), m.group(9).equals("sym"), Long.parseLong(m.group(10)));
    }
}
