package org.isqrt4j.bench;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * One row of the GEMM table.
 *
 * @param backend     cpu-vector, openblas or opencl
 * @param d           matrix size
 * @param threads     threads, empty for "device" (OpenCL: the device decides)
 * @param status      "ok", "n/a: why" or "FAILED: why"
 * @param gflops      GFLOP/s (wall clock)
 * @param fraction    of the FMA peak on as many threads (none on a GPU)
 * @param gflopsCpu   one thread: GFLOP/s per thread CPU second (see {@link GemmBenchmark})
 * @param errorPct    the spot check's error, percent
 * @param description what ran
 */
record GemmRow(String backend, int d, OptionalInt threads, String status, OptionalDouble gflops,
               OptionalDouble fraction, OptionalDouble gflopsCpu, OptionalDouble errorPct,
               Optional<String> description) {

    /** @return a row without measurement ("n/a: ..." or "FAILED: ...") */
    static GemmRow without(String backend, int d, OptionalInt threads, String status) {
        return new GemmRow(backend, d, threads, status, OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.empty(), OptionalDouble.empty(), Optional.empty());
    }

    /** @return the threads column: the count, or "device" */
    String threadsText() {
        return threads.isPresent() ? Integer.toString(threads.getAsInt()) : "device";
    }
}
