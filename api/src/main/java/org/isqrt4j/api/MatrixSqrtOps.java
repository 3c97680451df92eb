package org.isqrt4j.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds back-ends through {@link ServiceLoader}. {@link #load()} takes the back-end named by the system property
 * {@value #BACKEND_PROPERTY} if set, otherwise the available one with the highest priority. Thread-safe.
 */
public final class MatrixSqrtOps {
    /** System property that forces a back-end by id, e.g. {@code -Disqrt4j.backend=cpu-scalar}. */
    public static final String BACKEND_PROPERTY = "isqrt4j.backend";

    private MatrixSqrtOps() {
    }

    /**
     * Returns every registered provider, available or not, highest priority first.
     *
     * @return every registered provider, available or not, highest priority first
     */
    public static List<MatrixSqrtProvider> providers() {
        List<MatrixSqrtProvider> list = discovered();
        return list;
    }

    /** The registered providers in ServiceLoader order, without asking any of them anything. */
    private static List<MatrixSqrtProvider> discovered() {
        List<MatrixSqrtProvider> list = new ArrayList<>();
        for (MatrixSqrtProvider p : ServiceLoader.load(MatrixSqrtProvider.class, MatrixSqrtOps.class.getClassLoader())) {
            list.add(p);
        }
        if (list.isEmpty()) {
            for (MatrixSqrtProvider p : ServiceLoader.load(MatrixSqrtProvider.class)) {
                list.add(p);
            }
        }
        list.sort(Comparator.comparingInt(MatrixSqrtProvider::priority).reversed());
        return list;
    }

    /**
     * Returns a new op of the forced or best available back-end.
     *
     * @return a new op of the forced or best available back-end
     * @throws Isqrt4jException if none is available, or the forced one is not
     */
    public static MatrixSqrtOp load() {
        String forced = System.getProperty(BACKEND_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return load(forced.trim());
        }
        StringBuilder why = new StringBuilder();
        for (MatrixSqrtProvider p : providers()) {
            String reason = p.unavailableReason();
            if (reason == null) {
                return p.create();
            }
            why.append(' ').append(p.id()).append(": ").append(reason).append(';');
        }
        throw new Isqrt4jException("no isqrt4j back-end available:" + (why.length() == 0 ? " none registered" : why));
    }

    /**
     * Returns a new op of that back-end.
     *
     * @param id a provider id
     * @return a new op of that back-end
     * @throws Isqrt4jException if it is not registered or cannot run here (the message says why)
     */
    public static MatrixSqrtOp load(String id) {
        List<String> ids = new ArrayList<>();
        // Only the chosen provider is asked anything: forcing a CPU back-end never loads OpenCL's native code.
        for (MatrixSqrtProvider p : discovered()) {
            ids.add(p.id());
            if (p.id().equals(id)) {
                String reason = p.unavailableReason();
                if (reason != null) {
                    throw new Isqrt4jException("isqrt4j back-end '" + id + "' is not available: " + reason);
                }
                return p.create();
            }
        }
        throw new Isqrt4jException("no isqrt4j back-end '" + id + "'; registered: " + ids);
    }
}
