package org.isqrt4j.bench;

import java.util.Locale;

/**
 * A benchmark shape (B, d, n, K). The four named workloads are those of the benchmark issue, {@code huge} the d = 2048
 * shape of the CPU-speed issue (in no profile: name it with --workloads); {@code tiny} is the
 * smoke profile's shape (n &lt; d, so its covariance is rank-deficient like the imagenet workload's).
 */
public enum Workload {
    /** W1: ResNet-like last stage after the 1x1 reduction. */
    IMAGENET("imagenet", 32, 256, 196, 5),
    /** W2: many small samples. */
    SMALL("small", 128, 64, 49, 5),
    /** W3: fine-grained recognition at 28x28 positions. */
    FINEGRAINED("finegrained", 8, 256, 784, 5),
    /** W4: wide channels (full profile only). */
    WIDE("wide", 4, 1024, 196, 5),
    /** d = 2048 (B = 2, n = 196): the large-d case of the CPU-speed issue; run it with --workloads huge. */
    HUGE("huge", 2, 2048, 196, 5),
    /** Smoke-test shape. */
    TINY("tiny", 4, 32, 24, 5);

    private final String id;
    private final int batch;
    private final int d;
    private final int n;
    private final int iterations;

    Workload(String id, int batch, int d, int n, int iterations) {
        this.id = id;
        this.batch = batch;
        this.d = d;
        this.n = n;
        this.iterations = iterations;
    }

    /** @return the name used in parameters, tables and JSON */
    public String id() {
        return id;
    }

    /** @return the batch size B */
    public int batch() {
        return batch;
    }

    /** @return channels d */
    public int d() {
        return d;
    }

    /** @return positions n */
    public int n() {
        return n;
    }

    /** @return Newton-Schulz iterations K */
    public int iterations() {
        return iterations;
    }

    /**
     * @param id a workload name, case-insensitive
     * @return the workload
     * @throws IllegalArgumentException if there is none of that name
     */
    public static Workload byId(String id) {
        for (Workload w : values()) {
            if (w.id.equalsIgnoreCase(id.trim())) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + id + "'; known: imagenet, small, finegrained, wide, huge, tiny");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(B=%d, d=%d, n=%d, K=%d)", id, batch, d, n, iterations);
    }
}
