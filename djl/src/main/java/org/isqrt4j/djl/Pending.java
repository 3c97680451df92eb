package org.isqrt4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import java.util.ArrayDeque;
import java.util.Deque;
import org.isqrt4j.api.ForwardHandle;

/**
 * One training forward of an {@link IsqrtCovBlock} whose backward has not run yet: the block's input X (still
 * part of the graph below), its output C (a leaf that collects dL/dC in the engine's backward) and the library's
 * handle. The registry of these is per thread and lives in the current {@link IsqrtTraining.Step}.
 */
final class Pending {
    private static final ThreadLocal<IsqrtTraining.Step> CURRENT = new ThreadLocal<>();

    final IsqrtCovBlock block;
    final NDArray x;
    final NDArray c;
    final ForwardHandle handle;

    Pending(IsqrtCovBlock block, NDArray x, NDArray c, ForwardHandle handle) {
        this.block = block;
        this.x = x;
        this.c = c;
        this.handle = handle;
    }

    /** @return the step open on this thread, or null */
    static IsqrtTraining.Step current() {
        return CURRENT.get();
    }

    static void open(IsqrtTraining.Step step) {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("an IsqrtTraining.Step is already open on this thread; close it first");
        }
        CURRENT.set(step);
    }

    static void close(IsqrtTraining.Step step) {
        if (CURRENT.get() == step) {
            CURRENT.remove();
        }
    }

    /**
     * The second phase for one forward: dL/dC from the leaf C, the library's backward to dL/dX, and dL/dX injected
     * into the graph below through the surrogate sum(x * stopGradient(dL/dX)), whose gradient with respect to x is
     * exactly dL/dX.
     */
    void complete(GradientCollector collector) {
        try {
            float[] gradC = c.getGradient().toFloatArray(); // zeros when the loss does not depend on C
            float[] gradX = block.op().backward(handle, gradC);
            // sum(c * 0) anchors the surrogate on the leaf C, so that it has a graph even when X is raw data that
            // needs no gradient (the block as the first layer); it adds zero to C's gradient, already read.
            try (NDArray gx = x.getManager().create(gradX, x.getShape());
                 NDArray fixed = gx.stopGradient();
                 NDArray prod = x.mul(fixed);
                 NDArray zeros = c.zerosLike();
                 NDArray anchor = c.mul(zeros);
                 NDArray s1 = prod.sum();
                 NDArray s2 = anchor.sum();
                 NDArray both = s1.add(s2)) {
                collector.backward(both);
            }
        } finally {
            handle.close();
        }
    }

    static void discardAll(Deque<Pending> pending) {
        while (!pending.isEmpty()) {
            pending.pop().handle.close();
        }
    }

    static Deque<Pending> newDeque() {
        return new ArrayDeque<>();
    }
}
