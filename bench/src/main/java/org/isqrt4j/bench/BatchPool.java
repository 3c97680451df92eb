package org.isqrt4j.bench;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * Batch parallelism for the baselines: samples are handed out one at a time from a shared counter to
 * {@code threads} workers (the calling thread is one of them), so a slow core on a shared machine does not hold
 * the others back. Each worker has a fixed index, which the baselines use to pick their scratch space.
 */
final class BatchPool implements AutoCloseable {

    /** Work on one sample by one worker. */
    interface SampleTask {
        /**
         * @param worker the worker's index in [0, threads)
         * @param sample the sample index
         */
        void run(int worker, int sample);
    }

    private final int threads;
    private final ExecutorService pool;

    BatchPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        AtomicInteger count = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "isqrt4j-bench-worker-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1, tf) : null;
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code task} for every sample in [0, batch) and returns when all are done.
     *
     * @param batch samples
     * @param task  the work; an exception in any worker is rethrown here
     */
    void forEach(int batch, SampleTask task) {
        AtomicInteger next = new AtomicInteger();
        int helpers = Math.min(threads, batch) - 1;
        List<Future<?>> futures = new ArrayList<>(Math.max(helpers, 0));
        for (int w = 1; w <= helpers; w++) {
            final int worker = w;
            futures.add(pool.submit(() -> drain(worker, batch, next, task)));
        }
        RuntimeException first = null;
        try {
            drain(0, batch, next, task);
        } catch (RuntimeException e) {
            first = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException
                            ? (RuntimeException) e.getCause() : new IllegalStateException(e.getCause());
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void drain(int worker, int batch, AtomicInteger next, SampleTask task) {
        for (int s = next.getAndIncrement(); s < batch; s = next.getAndIncrement()) {
            task.run(worker, s);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
