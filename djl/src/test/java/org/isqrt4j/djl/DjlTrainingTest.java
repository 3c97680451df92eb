package org.isqrt4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.examples.DataSet;
import org.isqrt4j.examples.Textures;
import org.junit.jupiter.api.Test;

/**
 * A small network (1x1 convolution trunk, the block, a linear head) trained with {@link IsqrtTraining}: the loss
 * falls and the trunk's weights move; the same network under plain {@link EasyTrain#trainBatch} fails loudly
 * before anything is updated; inference is one plain forward.
 */
class DjlTrainingTest {
    static final int CIN = 8;
    static final int D = 6;
    static final int SIDE = 5;
    static final int CLASSES = 3;

    static SequentialBlock network(IsqrtCovBlock block) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(D).optBias(false).build())
                .add(block)
                .add(Linear.builder().setUnits(CLASSES).build());
    }

    static ArrayDataset textures(NDManager m, int count, long seed, int batch) {
        Textures t = new Textures(CIN, SIDE * SIDE, CLASSES, 0.6, 7L);
        DataSet ds = t.sample(count, seed);
        float[] labels = new float[count];
        for (int i = 0; i < count; i++) {
            labels[i] = ds.labels()[i];
        }
        NDArray x = m.create(ds.features(), new Shape(count, CIN, SIDE, SIDE));
        return new ArrayDataset.Builder().setData(x).optLabels(m.create(labels)).setSampling(batch, false).build();
    }

    static Trainer trainer(Model model) {
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.02f)).build());
        Trainer t = model.newTrainer(cfg);
        t.initialize(new Shape(16, CIN, SIDE, SIDE));
        return t;
    }

    @Test
    void lossFallsAndTrunkWeightsChange() throws Exception {
        try (IsqrtCovBlock block = IsqrtCovBlock.builder().layout(OutputLayout.TRIU).build();
             Model model = Model.newInstance("isqrt-cov")) {
            model.setBlock(network(block));
            try (Trainer trainer = trainer(model)) {
                ArrayDataset train = textures(trainer.getManager(), 320, 11L, 16);
                Parameter trunk = model.getBlock().getChildren().get(0).getValue().getParameters().get(0).getValue();
                float[] before = trunk.getArray().toFloatArray();
                List<Double> epochLoss = new ArrayList<>();
                for (int epoch = 0; epoch < 6; epoch++) {
                    double sum = 0;
                    int batches = 0;
                    for (Batch b : trainer.iterateDataset(train)) {
                        IsqrtTraining.trainBatch(trainer, b);
                        trainer.step();
                        sum += lossOf(trainer, b);
                        batches++;
                        b.close();
                    }
                    epochLoss.add(sum / batches);
                }
                float[] after = trunk.getArray().toFloatArray();
                double moved = 0;
                double norm = 0;
                for (int i = 0; i < before.length; i++) {
                    moved += (after[i] - before[i]) * (after[i] - before[i]);
                    norm += before[i] * before[i];
                }
                System.out.println("[djl] training loss per epoch " + epochLoss + ", trunk moved by "
                        + Math.sqrt(moved / norm) + " of its norm");
                assertTrue(epochLoss.get(epochLoss.size() - 1) < 0.8 * epochLoss.get(0), "loss did not fall: " + epochLoss);
                assertTrue(Math.sqrt(moved / norm) > 0.05, "trunk weights barely moved: " + Math.sqrt(moved / norm));
            }
        }
    }

    /** The loss of the batch after the step, evaluated without gradients (a plain forward). */
    private static double lossOf(Trainer trainer, Batch b) {
        NDList preds = trainer.evaluate(b.getData());
        return trainer.getLoss().evaluate(b.getLabels(), preds).getFloat();
    }

    @Test
    void plainEasyTrainFailsLoudlyBeforeAnyUpdate() throws Exception {
        try (IsqrtCovBlock block = IsqrtCovBlock.builder().layout(OutputLayout.TRIU).build();
             Model model = Model.newInstance("isqrt-cov")) {
            model.setBlock(network(block));
            try (Trainer trainer = trainer(model)) {
                ArrayDataset train = textures(trainer.getManager(), 32, 12L, 16);
                Batch b = trainer.iterateDataset(train).iterator().next();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> EasyTrain.trainBatch(trainer, b));
                assertTrue(e.getMessage().contains("IsqrtTraining"), e.getMessage());
                b.close();
            }
        }
    }

    @Test
    void closingAStepWithAPendingForwardThrows() throws Exception {
        try (IsqrtCovBlock block = IsqrtCovBlock.builder().build();
             Model model = Model.newInstance("isqrt-cov")) {
            model.setBlock(network(block));
            try (Trainer trainer = trainer(model)) {
                ArrayDataset train = textures(trainer.getManager(), 16, 13L, 16);
                Batch b = trainer.iterateDataset(train).iterator().next();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                    try (GradientCollector gc = trainer.newGradientCollector();
                         IsqrtTraining.Step step = IsqrtTraining.begin(gc)) {
                        NDArray loss = trainer.getLoss().evaluate(b.getLabels(), trainer.forward(b.getData()));
                        assertEquals(1, step.pending());
                        gc.backward(loss); // the engine's backward only: the second phase is missing
                    }
                });
                assertTrue(e.getMessage().contains("never got their backward"), e.getMessage());
                b.close();
                // The thread's step is closed: a new one opens.
                try (GradientCollector gc = trainer.newGradientCollector();
                     IsqrtTraining.Step step = IsqrtTraining.begin(gc)) {
                    assertEquals(0, step.pending());
                }
            }
        }
    }

    @Test
    void inferenceIsOnePlainForward() throws Exception {
        try (IsqrtCovBlock block = IsqrtCovBlock.builder().layout(OutputLayout.TRIU).iterations(3).build();
             NDManager m = NDManager.newBaseManager()) {
            Textures t = new Textures(D, SIDE * SIDE, CLASSES, 0.6, 7L);
            DataSet ds = t.sample(4, 5L);
            NDArray x = m.create(ds.features(), new Shape(4, D, SIDE, SIDE));
            // training=true outside a gradient collector: nothing is recorded, so no step is needed either
            NDArray c = block.forward(new ai.djl.training.ParameterStore(m, false), new NDList(x), true)
                    .singletonOrThrow();
            assertEquals(new Shape(4, D * (D + 1) / 2), c.getShape());
            float[] expected = block.op().forward(4, D, SIDE * SIDE, block.options(), ds.features()).output();
            assertArrayEquals(expected, c.toFloatArray());
        }
    }
}
