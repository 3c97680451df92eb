package org.isqrt4j.cpu;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Recycles the large per-sample saved-state arrays of closed handles, so a training loop that closes its
 * handles stops allocating (and zeroing) megabytes per sample. Soft references let the collector take the
 * pooled arrays back under memory pressure; at most {@link #MAX_PER_LENGTH} are kept per length. Arrays come
 * back with stale contents: the forward overwrites every element it later reads. Thread-safe.
 */
final class ArrayPool {
    static final int MAX_PER_LENGTH = 512;

    private final Map<Integer, ArrayDeque<SoftReference<float[]>>> free = new HashMap<>();

    /** @return an array of exactly {@code length} floats, recycled or new */
    float[] obtain(int length) {
        synchronized (free) {
            ArrayDeque<SoftReference<float[]>> q = free.get(length);
            if (q != null) {
                SoftReference<float[]> r;
                while ((r = q.pollLast()) != null) {
                    float[] a = r.get();
                    if (a != null) {
                        return a;
                    }
                }
            }
        }
        return new float[length];
    }

    /** Offers an array no one uses any more. */
    void recycle(float[] a) {
        synchronized (free) {
            ArrayDeque<SoftReference<float[]>> q = free.computeIfAbsent(a.length, l -> new ArrayDeque<>());
            if (q.size() < MAX_PER_LENGTH) {
                q.addLast(new SoftReference<>(a));
            }
        }
    }

    /** Drops everything pooled. */
    void clear() {
        synchronized (free) {
            free.clear();
        }
    }
}
