package org.isqrt4j.examples;

import java.util.Arrays;
import java.util.Random;

/**
 * A trainable tensor, flattened: its values and the gradient of the loss accumulated by the backward pass.
 * Kept in double so that the hand-written gradients can be checked against finite differences tightly.
 * Not thread-safe.
 */
public final class Param {
    private final String name;
    private final double[] value;
    private final double[] grad;

    /**
     * Creates a zero parameter and its zero gradient.
     *
     * @param name a label for messages
     * @param size number of scalars
     */
    public Param(String name, int size) {
        this.name = name;
        this.value = new double[size];
        this.grad = new double[size];
    }

    /**
     * Returns the label.
     *
     * @return the label
     */
    public String name() {
        return name;
    }

    /**
     * Returns the values (live array, updated by the optimiser).
     *
     * @return the values (live array, updated by the optimiser)
     */
    public double[] value() {
        return value;
    }

    /**
     * Returns dL/dvalue accumulated since the last {@link #zeroGrad()} (live array).
     *
     * @return dL/dvalue accumulated since the last {@link #zeroGrad()} (live array)
     */
    public double[] grad() {
        return grad;
    }

    /**
     * Returns the number of scalars.
     *
     * @return number of scalars
     */
    public int size() {
        return value.length;
    }

    /** Clears the gradient before a new backward pass. */
    public void zeroGrad() {
        Arrays.fill(grad, 0.0);
    }

    /**
     * Fills the values with independent N(0, std^2) draws.
     *
     * @param rnd source of randomness
     * @param std standard deviation
     * @return this
     */
    public Param gaussian(Random rnd, double std) {
        for (int i = 0; i < value.length; i++) {
            value[i] = std * rnd.nextGaussian();
        }
        return this;
    }
}
