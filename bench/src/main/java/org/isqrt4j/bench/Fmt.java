package org.isqrt4j.bench;

import java.util.Locale;
import java.util.OptionalDouble;

/** Number formats of the report's markdown tables, shared by the renderers. */
final class Fmt {
    private Fmt() {
    }

    /** @param v a value  @return three significant figures or so ("" if not finite) */
    static String sig(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** @param v a value or empty  @return {@link #sig(double)}, "" if empty */
    static String sig(OptionalDouble v) {
        return v.isPresent() ? sig(v.getAsDouble()) : "";
    }

    /** @param v a value or empty  @return {@link #sig(double)}, "n/a" if empty */
    static String sigOrNa(OptionalDouble v) {
        return v.isPresent() ? sig(v.getAsDouble()) : "n/a";
    }

    /** @param f a fraction or empty  @return "12.3 %", {@code empty} if empty */
    static String pct(OptionalDouble f, String empty) {
        return f.isPresent() ? String.format(Locale.ROOT, "%.1f %%", 100 * f.getAsDouble()) : empty;
    }

    /** @param r a ratio or empty  @return "1.23x", "" if empty */
    static String times(OptionalDouble r) {
        return r.isPresent() ? String.format(Locale.ROOT, "%.2fx", r.getAsDouble()) : "";
    }

    /** @param a numerator  @param b denominator  @return a / b, empty if either is */
    static OptionalDouble ratio(OptionalDouble a, OptionalDouble b) {
        return a.isPresent() && b.isPresent() ? OptionalDouble.of(a.getAsDouble() / b.getAsDouble()) : OptionalDouble.empty();
    }

    /** @param s text  @return it without the characters that break a markdown table cell */
    static String cell(String s) {
        return s.replace("|", "/");
    }
}
