package org.isqrt4j.dl4j;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;

/**
 * One op per back-end id for the whole JVM, shared by every layer instance (isqrt4j's ops are thread-safe).
 * Deeplearning4j never closes its layers (MultiLayerNetwork.close() does not reach them), so per-layer ops would
 * leave one thread pool behind per network; shared ops are created on first use and live as long as the JVM (the
 * CPU back-ends hold only heap memory and daemon threads).
 */
final class SharedOps {
    /** Key of the automatic choice (no back-end id is empty). */
    private static final String AUTOMATIC = "";
    private static final ConcurrentMap<String, MatrixSqrtOp> OPS = new ConcurrentHashMap<>();

    private SharedOps() {
    }

    /**
     * Returns the shared op of that back-end, creating it on first use.
     *
     * @param backend a back-end id, or null for {@link MatrixSqrtOps#load()}
     * @return the op
     * @throws org.isqrt4j.api.Isqrt4jException if the back-end is unknown or unavailable
     */
    static MatrixSqrtOp get(String backend) {
        String key = backend == null ? AUTOMATIC : backend;
        MatrixSqrtOp op = OPS.get(key);
        if (op != null) {
            return op;
        }
        return OPS.computeIfAbsent(key, k -> k.isEmpty() ? MatrixSqrtOps.load() : MatrixSqrtOps.load(k));
    }
}
