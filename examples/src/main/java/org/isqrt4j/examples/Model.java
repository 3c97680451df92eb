package org.isqrt4j.examples;

import java.util.List;

/** A classifier trained by {@link TrainingLoop}: features in, class logits out. Not thread-safe. */
public interface Model {
    /**
     * Returns a short label for printing.
     *
     * @return a short label for printing
     */
    String label();

    /**
     * Returns every trainable parameter.
     *
     * @return every trainable parameter
     */
    List<Param> parameters();

    /**
     * Runs the model forward and returns the logits.
     *
     * @param batch samples
     * @return logits, batch.count() x classes
     */
    double[] logits(DataSet batch);

    /**
     * Clears the gradients, runs forward and backward on the batch, and leaves dL/dparam in every
     * {@link Param#grad()}.
     *
     * @param batch samples with labels
     * @return the mean cross-entropy loss of the batch
     */
    double lossAndGradients(DataSet batch);

    /**
     * Returns the mean cross-entropy loss, without touching gradients.
     *
     * @param batch samples with labels
     * @return the mean cross-entropy loss, without touching gradients
     */
    double loss(DataSet batch);
}
