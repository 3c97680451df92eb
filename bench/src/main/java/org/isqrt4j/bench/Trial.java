package org.isqrt4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.UnaryOperator;

/**
 * What one JMH trial knows besides its score, handed from the benchmark (in a JMH fork or in-process) to the report
 * runner: the outcome of the one-time correctness check, the work of one operation, and a rate measured in CPU
 * time. Stored as one JSON record per benchmark key under {@code trials/} of the work folder (system property
 * {@value Checks#WORK_PROPERTY}); nothing is stored when that property is not set (a benchmark run outside the
 * report).
 *
 * @param passed   the check passed
 * @param errorPct its relative error in percent (0 where nothing is checked, as for the peak loops)
 * @param detail   what ran (the contender's description), or why the check failed
 * @param flops    floating-point operations (or multiplies, for the clock loop) of one JMH operation
 * @param cpuRate  the benchmark's rate per CPU second (see the benchmark: samples/s, GFLOP/s or GHz)
 */
record Trial(boolean passed, double errorPct, String detail, OptionalDouble flops, OptionalDouble cpuRate) {

    /** @param errorPct error  @param detail what ran  @return a passed check without a flop count */
    static Trial passed(double errorPct, String detail) {
        return new Trial(true, errorPct, detail, OptionalDouble.empty(), OptionalDouble.empty());
    }

    /** @param errorPct error  @param flops work of one operation  @param detail what ran  @return a passed check */
    static Trial passed(double errorPct, double flops, String detail) {
        return new Trial(true, errorPct, detail, OptionalDouble.of(flops), OptionalDouble.empty());
    }

    /** @param cause why the set-up or the check failed  @return a failed trial */
    static Trial failed(Throwable cause) {
        return new Trial(false, Double.NaN, cause.toString(), OptionalDouble.empty(), OptionalDouble.empty());
    }

    /** @param rate the rate per CPU second  @return this trial with it */
    Trial withCpuRate(double rate) {
        return new Trial(passed, errorPct, detail, flops, OptionalDouble.of(rate));
    }

    /** @return the status text of a failed trial, as the report's status column shows it */
    String failure() {
        return "fail " + detail;
    }

    // ------------------------------------------------------------------------------------------ store

    /**
     * Stores a trial under {@code key} in the work folder of this JVM, if it has one.
     *
     * @param key   the benchmark's key
     * @param trial what to store
     */
    static void save(String key, Trial trial) {
        Path dir = Checks.workDir();
        if (dir != null) {
            write(file(dir, key), trial);
        }
    }

    /**
     * Changes the stored trial of {@code key} (a CPU-time rate measured at the end of the trial).
     *
     * @param key    the benchmark's key
     * @param change the change; not called when nothing is stored
     */
    static void update(String key, UnaryOperator<Trial> change) {
        Path dir = Checks.workDir();
        if (dir != null) {
            load(dir, key).ifPresent(t -> write(file(dir, key), change.apply(t)));
        }
    }

    /**
     * @param dir the work folder  @param key the benchmark's key
     * @return the stored trial, or empty if none (the benchmark did not run, or its file is unreadable)
     */
    static Optional<Trial> load(Path dir, String key) {
        Path f = file(dir, key);
        try {
            return Files.isRegularFile(f) ? Optional.of(fromJson(Json.tree(Files.readString(f, StandardCharsets.UTF_8))))
                    : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** @param dir the work folder  @return the folder of the trial records */
    static Path folder(Path dir) {
        return dir.resolve("trials");
    }

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("passed", passed);
        Json.put(o, "error_pct", passed ? OptionalDouble.of(errorPct) : OptionalDouble.empty());
        o.put("detail", detail);
        Json.put(o, "flops", flops);
        Json.put(o, "cpu_rate", cpuRate);
        return o;
    }

    static Trial fromJson(JsonNode n) {
        return new Trial(n.path("passed").asBoolean(false), Json.number(n.get("error_pct")).orElse(Double.NaN),
                n.path("detail").asText(""), Json.number(n.get("flops")), Json.number(n.get("cpu_rate")));
    }

    private static Path file(Path dir, String key) {
        return folder(dir).resolve(key.replaceAll("[^A-Za-z0-9._-]", "_") + ".json");
    }

    private static void write(Path file, Trial t) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "trial", ".tmp");
            Files.writeString(tmp, Json.write(t.toJson()), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot record the trial in " + file, e);
        }
    }
}
