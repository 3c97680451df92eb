package org.isqrt4j.bench;

import java.util.OptionalDouble;

/**
 * One row of the thread-scaling table: a back-end's samples/s on 1 thread and on the run's thread count.
 *
 * @param backend    contender
 * @param workload   workload
 * @param batch      batch size
 * @param mode       mode
 * @param oneThread  samples/s on one thread
 * @param allThreads samples/s on all threads (the layer table's row)
 * @param status     "ok" or "FAILED: why"
 */
record ScalingRow(String backend, Workload workload, int batch, String mode, OptionalDouble oneThread,
                  OptionalDouble allThreads, String status) {

    /** @return all threads over one, or empty */
    OptionalDouble ratio() {
        return oneThread.isPresent() && allThreads.isPresent()
                ? OptionalDouble.of(allThreads.getAsDouble() / oneThread.getAsDouble()) : OptionalDouble.empty();
    }
}
