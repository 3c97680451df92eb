package org.isqrt4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.EasyTrain;
import ai.djl.training.listener.TrainingListener.BatchData;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Training with {@link IsqrtCovBlock}: drop-in replacements for DJL's {@link EasyTrain#trainBatch} and
 * {@link EasyTrain#fit} that run each step in two phases, and {@link Step} for training loops of your own.
 *
 * <p>Phase 1 is the engine's backward from the loss, which stops at each block's output C (a leaf) and leaves
 * dL/dC there. Phase 2, for every block forward of the step, newest first (so that a block below another gets its
 * dL/dC before it runs): the library's backward gives dL/dX, which is injected into the graph below the block by a
 * backward of the surrogate {@code sum(x * stopGradient(dL/dX))}; the gradients of the layers below accumulate as
 * if autograd had gone through the block. Then the optimiser steps.
 *
 * <p>The block's input must reach the loss only through the block (as in a {@link ai.djl.nn.SequentialBlock});
 * a skip connection around it would be consumed by phase 1's backward, which frees the graph it passes through.
 * Batches are split over the trainer's devices and the splits run one after the other on the calling thread.
 */
public final class IsqrtTraining {
    private IsqrtTraining() {
    }

    /**
     * {@link EasyTrain#trainBatch} with the second phase: forward, loss and both backward phases for every split
     * of the batch, then the trainer's listeners ({@code onTrainingBatch}). Does not step the optimiser.
     *
     * @param trainer the trainer
     * @param batch   data and labels
     * @throws IllegalArgumentException if the batch is not on the trainer's engine
     * @throws IllegalStateException    if a block's forward was left without its backward
     */
    public static void trainBatch(Trainer trainer, Batch batch) {
        if (trainer.getManager().getEngine() != batch.getManager().getEngine()) {
            throw new IllegalArgumentException("The data must be on the same engine as the trainer");
        }
        Batch[] splits = batch.split(trainer.getDevices(), false);
        BatchData data = new BatchData(batch, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        try (GradientCollector collector = trainer.newGradientCollector(); Step step = begin(collector)) {
            for (Batch split : splits) {
                NDList x = split.getData();
                NDList labels = split.getLabels();
                NDList preds = trainer.forward(x, labels);
                long t = System.nanoTime();
                NDArray loss = trainer.getLoss().evaluate(labels, preds);
                step.backward(loss);
                trainer.addMetric("backward", t);
                data.getLabels().put(labels.get(0).getDevice(), labels);
                data.getPredictions().put(preds.get(0).getDevice(), preds);
            }
        }
        trainer.notifyListeners(listener -> listener.onTrainingBatch(trainer, data));
    }

    /**
     * {@link EasyTrain#fit} with {@link #trainBatch}: for each epoch, every batch of the training set
     * (two-phase step, then {@code trainer.step()}), then {@link EasyTrain#evaluateDataset} on the validation set
     * and the listeners' {@code onEpoch}.
     *
     * @param trainer  the trainer
     * @param epochs   passes over the training set
     * @param train    the training set
     * @param validate the validation set, or null
     * @throws IOException        from the data sets
     * @throws TranslateException from the data sets
     */
    public static void fit(Trainer trainer, int epochs, Dataset train, Dataset validate)
            throws IOException, TranslateException {
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (Batch batch : trainer.iterateDataset(train)) {
                try {
                    trainBatch(trainer, batch);
                    trainer.step();
                } finally {
                    batch.close();
                }
            }
            EasyTrain.evaluateDataset(trainer, validate);
            trainer.notifyListeners(listener -> listener.onEpoch(trainer));
        }
    }

    /**
     * Opens a training step on this thread, for loops of your own:
     * <pre>{@code
     * try (GradientCollector gc = trainer.newGradientCollector();
     *      IsqrtTraining.Step step = IsqrtTraining.begin(gc)) {
     *     NDArray loss = trainer.getLoss().evaluate(labels, trainer.forward(data, labels));
     *     step.backward(loss);   // instead of gc.backward(loss)
     * }
     * trainer.step();
     * }</pre>
     *
     * @param collector the step's gradient collector
     * @return the open step
     * @throws IllegalStateException if a step is already open on this thread
     */
    public static Step begin(GradientCollector collector) {
        if (collector == null) {
            throw new IllegalArgumentException("collector must not be null");
        }
        Step s = new Step(collector);
        Pending.open(s);
        return s;
    }

    /**
     * One training step on one thread: the block forwards that need a backward register here, and
     * {@link #backward} runs both phases. Closing it with forwards whose backward never ran throws.
     * Not thread-safe.
     */
    public static final class Step implements AutoCloseable {
        private final GradientCollector collector;
        private final Deque<Pending> pending = Pending.newDeque();
        private boolean closed;

        private Step(GradientCollector collector) {
            this.collector = collector;
        }

        void add(Pending p) {
            if (closed) {
                throw new IllegalStateException("the IsqrtTraining.Step is closed");
            }
            pending.push(p);
        }

        /**
         * Returns how many block forwards wait for their backward.
         *
         * @return how many block forwards wait for their backward
         */
        public int pending() {
            return pending.size();
        }

        /**
         * Both phases: the engine's backward from {@code loss}, then the library's backward of every pending block
         * forward, newest first, each injecting dL/dX into the graph below.
         *
         * @param loss the scalar to differentiate
         */
        public void backward(NDArray loss) {
            if (closed) {
                throw new IllegalStateException("the IsqrtTraining.Step is closed");
            }
            collector.backward(loss);
            while (!pending.isEmpty()) {
                pending.pop().complete(collector);
            }
        }

        /**
         * Ends the step.
         *
         * @throws IllegalStateException if a block forward of this step never got its backward (its handle is
         *                               released first)
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            Pending.close(this);
            int left = pending.size();
            Pending.discardAll(pending);
            if (left > 0) {
                throw new IllegalStateException(left + " IsqrtCovBlock forward(s) of this step never got their"
                        + " backward: call step.backward(loss) (not collector.backward) before closing the step");
            }
        }
    }
}
