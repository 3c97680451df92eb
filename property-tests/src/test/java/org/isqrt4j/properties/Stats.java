package org.isqrt4j.properties;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What each property of one back-end ran: examples, time, and the worst measured error as a fraction of its
 * bound (with the case it came from). Written to {@code target/contract-reports/<backend>.txt} after the class,
 * so the headroom of every bound is visible. With {@code -Disqrt4j.errlog=FILE} every comparison is also
 * appended to FILE as CSV, which is how the bounds were calibrated.
 */
final class Stats {
    private final String backend;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Path errlog;
    private String current;

    Stats(String backend) {
        this.backend = backend;
        String p = System.getProperty("isqrt4j.errlog");
        this.errlog = p == null || p.isBlank() ? null : Paths.get(p);
    }

    private static final class Entry {
        long examples;
        long nanos;
        double worstRatio;
        double worstError;
        String worstWhat = "";
        boolean failed;
    }

    /** Starts a property. */
    void begin(String property) {
        current = property;
        entries.computeIfAbsent(property, k -> new Entry());
    }

    /** Counts one executed example of the current property. */
    void example() {
        entries.get(current).examples++;
    }

    /** @return examples the current property executed so far */
    long examples() {
        return entries.get(current).examples;
    }

    /** Ends the current property. */
    void end(long nanos, boolean failed) {
        Entry e = entries.get(current);
        e.nanos += nanos;
        e.failed |= failed;
    }

    /**
     * Records one comparison.
     *
     * @param what  what was compared
     * @param c     the case
     * @param error the measured error
     * @param bound its bound
     */
    void record(String what, Case c, double error, double bound) {
        Entry e = entries.get(current);
        double ratio = bound > 0 ? error / bound : error == 0 ? 0 : Double.POSITIVE_INFINITY;
        if (ratio > e.worstRatio || e.worstWhat.isEmpty()) {
            e.worstRatio = ratio;
            e.worstError = error;
            e.worstWhat = what + " " + c;
        }
        if (errlog != null) {
            String line = String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%s,%s,%d,%.3e,%.3e,%s%n", backend, current,
                    what.replace(',', ';'), c.batch(), c.d(), c.n(), c.k(), c.layout(), c.spectrum(), c.offset(),
                    error, bound, c);
            try {
                Files.writeString(errlog, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }

    /** Writes the summary table to target/contract-reports and returns it. */
    String report() {
        StringBuilder sb = new StringBuilder();
        sb.append("isqrt4j contract suite, back-end ").append(backend).append(", java ")
                .append(System.getProperty("java.version")).append('\n');
        sb.append(String.format(Locale.ROOT, "%-44s %8s %8s %10s %10s  %s%n", "property", "examples", "seconds",
                "worst err", "err/bound", "worst case"));
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            Entry e = me.getValue();
            sb.append(String.format(Locale.ROOT, "%-44s %8d %8.1f %10.2e %10.3f  %s%s%n", me.getKey(), e.examples,
                    e.nanos / 1e9, e.worstError, e.worstRatio, e.worstWhat, e.failed ? "  [FAILED]" : ""));
        }
        String text = sb.toString();
        try {
            Path dir = Paths.get("target", "contract-reports");
            Files.createDirectories(dir);
            String file = backend.replaceAll("[^A-Za-z0-9._-]", "_") + "-java" + Runtime.version().feature() + ".txt";
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve(file), StandardCharsets.UTF_8))) {
                w.print(text);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return text;
    }
}
