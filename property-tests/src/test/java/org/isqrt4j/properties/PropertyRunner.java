package org.isqrt4j.properties;

import static org.quicktheories.QuickTheory.qt;

import java.util.function.Consumer;

import org.quicktheories.core.Gen;

/**
 * Runs one QuickTheories property with a fixed seed, counts the examples it really executed, and prefixes every
 * failure with the back-end, the property and the seed.
 */
final class PropertyRunner {
    /** Base of the per-property seeds; {@code -Disqrt4j.seed=N} explores other examples. */
    static final long BASE_SEED = Long.getLong("isqrt4j.seed", 20251125L);

    private PropertyRunner() {
    }

    /** @return the seed of a property: fixed, different per property, the same for every back-end */
    static long seedOf(String property) {
        return BASE_SEED * 1_000_003L + property.hashCode();
    }

    /**
     * @param stats        where examples and errors are counted
     * @param backend      the back-end's name, for messages
     * @param shrinkCycles QuickTheories shrink cycles
     * @param name         the property
     * @param examples     examples to run
     * @param gen          the generator
     * @param body         the check of one example
     */
    static <T> void run(Stats stats, String backend, int shrinkCycles, String name, int examples, Gen<T> gen,
                        Consumer<T> body) {
        long seed = seedOf(name);
        String where = "[" + backend + " | " + name + " | seed " + seed + "] ";
        stats.begin(name);
        long before = stats.examples();
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            qt().withFixedSeed(seed).withExamples(examples).withShrinkCycles(shrinkCycles)
                    .forAll(gen).checkAssert(v -> {
                        stats.example();
                        try {
                            body.accept(v);
                        } catch (AssertionError | RuntimeException e) {
                            throw new AssertionError(where + v + ": " + e, e);
                        }
                    });
            ok = true;
        } finally {
            stats.end(System.nanoTime() - t0, !ok);
        }
        long ran = stats.examples() - before;
        // QuickTheories skips exact repeats of a drawn example; more than a few would mean a broken generator.
        if (ran < examples * 9L / 10) {
            throw new AssertionError(where + "only " + ran + " of " + examples + " examples ran");
        }
    }
}
