package org.isqrt4j.djl;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.PrintStream;
import java.util.Locale;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.examples.DataSet;
import org.isqrt4j.examples.Textures;

/**
 * A small DJL CNN on the synthetic {@link Textures} (classes that share means and variances and differ only in
 * how channels co-vary), with two heads on the same trunk design: the iSQRT-COV block (TRIU) and global average
 * pooling, each followed by a linear classifier; Adam on softmax cross-entropy, the same data and batch order.
 * Prints the loss per epoch, both test accuracies, the time per training step, and the cost of the two-phase
 * scheme against the layer's own time.
 *
 * <p>Run: {@code mvn -q -DskipTests install && mvn -q -pl djl exec:exec@example}.
 */
public final class DjlTexturesExample {
    static final int C_IN = 16;
    static final int D = 8;
    static final int SIDE = 7;
    static final int CLASSES = 4;
    static final int TRAIN = 1000;
    static final int TEST = 400;
    static final int EPOCHS = 8;
    static final int BATCH = 32;
    static final float LR = 0.01f;
    static final double STRENGTH = 0.25;
    static final long SEED = 42L;

    private DjlTexturesExample() {
    }

    /** What a run measured. */
    record Result(double covAccuracy, double avgAccuracy, double covStepMs, double avgStepMs) {
    }

    /**
     * Trains both models and prints the lines described in the class comment.
     *
     * @param args ignored
     * @throws Exception from DJL
     */
    public static void main(String[] args) throws Exception {
        run(Integer.getInteger("epochs", EPOCHS), 300, System.out);
    }

    static Result run(int epochs, int overheadReps, PrintStream out) throws Exception {
        Textures textures = new Textures(C_IN, SIDE * SIDE, CLASSES, STRENGTH, SEED);
        DataSet train = textures.sample(TRAIN, SEED + 1);
        DataSet test = textures.sample(TEST, SEED + 2);
        TimedOp op = new TimedOp(MatrixSqrtOps.load());
        try (op; NDManager data = NDManager.newBaseManager()) {
            out.printf(Locale.ROOT, "DJL %s (%s), isqrt4j back-end %s; CNN 1x1 conv %d->%d, ReLU, 1x1 conv %d->%d on %dx%d"
                            + " textures, %d classes, %d train / %d test samples, batch %d, Adam lr %.3g, K %d%n",
                    Engine.getInstance().getEngineName(), Engine.getInstance().getVersion(), op.name(), C_IN, C_IN,
                    C_IN, D, SIDE, SIDE, CLASSES, TRAIN, TEST, BATCH, LR, 5);
            IsqrtCovBlock block = IsqrtCovBlock.builder().op(op).layout(OutputLayout.TRIU).build();
            Model cov = model("isqrt-cov", block);
            Model avg = model("avg-pool", Pool.globalAvgPool2dBlock());
            try (cov; avg; Trainer tc = trainer(cov); Trainer ta = trainer(avg)) {
                ArrayDataset dc = dataset(tc.getManager(), train);
                ArrayDataset da = dataset(ta.getManager(), train);
                long covNanos = 0;
                long avgNanos = 0;
                long layerNanos = 0;
                int steps = 0;
                long start = System.nanoTime();
                for (int epoch = 0; epoch < epochs; epoch++) {
                    double lc = 0;
                    double la = 0;
                    var ic = tc.iterateDataset(dc).iterator();
                    var ia = ta.iterateDataset(da).iterator();
                    int batches = 0;
                    while (ic.hasNext() && ia.hasNext()) {
                        Batch bc = ic.next();
                        Batch bav = ia.next();
                        op.reset();
                        long t0 = System.nanoTime();
                        IsqrtTraining.trainBatch(tc, bc);
                        tc.step();
                        long t1 = System.nanoTime();
                        EasyTrain.trainBatch(ta, bav);
                        ta.step();
                        long t2 = System.nanoTime();
                        if (epoch > 0) { // the first epoch warms up the JIT and the engine
                            covNanos += t1 - t0;
                            avgNanos += t2 - t1;
                            layerNanos += op.nanos();
                            steps++;
                        }
                        lc += lossOf(tc, bc);
                        la += lossOf(ta, bav);
                        batches++;
                        bc.close();
                        bav.close();
                    }
                    out.printf(Locale.ROOT, "epoch %2d/%d  loss after step  isqrt-cov %.4f  avg-pool %.4f  (%.1f s)%n",
                            epoch + 1, epochs, lc / batches, la / batches, (System.nanoTime() - start) * 1e-9);
                }
                double accC = accuracy(tc, data, test);
                double accA = accuracy(ta, data, test);
                double stepC = steps == 0 ? Double.NaN : covNanos / 1e6 / steps;
                double stepA = steps == 0 ? Double.NaN : avgNanos / 1e6 / steps;
                out.printf(Locale.ROOT, "test accuracy isqrt-cov: %.3f%n", accC);
                out.printf(Locale.ROOT, "test accuracy avg-pool:  %.3f%n", accA);
                out.printf(Locale.ROOT, "training step (forward, backward, Adam; batch %d, mean of %d): isqrt-cov %.2f ms"
                                + " (layer's own forward+backward %.2f ms of it), avg-pool %.2f ms%n", BATCH, steps, stepC,
                        steps == 0 ? Double.NaN : layerNanos / 1e6 / steps, stepA);
                overhead(op, data, overheadReps, BATCH, C_IN, D, SIDE * SIDE, out);
                overhead(op, data, Math.max(1, overheadReps / 10), 128, 64, 64, 49, out); // W2 of the benchmark
                return new Result(accC, accA, stepC, stepA);
            }
        }
    }

    /**
     * Times the block alone at one shape (B, c_in, d, n), inside a gradient collector: (A) projection, block, a linear
     * loss and both phases; (B) the same projection and loss without the block. A - B - (the layer's own time) is
     * what the two-phase scheme adds: copying X out and C and dL/dX in, the leaf's gradient, the surrogate backward.
     */
    static void overhead(TimedOp op, NDManager parent, int reps, int batch, int cIn, int d, int n, PrintStream out) {
        try (NDManager m = parent.newSubManager();
             IsqrtCovBlock block = IsqrtCovBlock.builder().op(op).layout(OutputLayout.TRIU).build()) {
            NDArray w = m.randomNormal(new Shape(d, cIn)).mul(m.full(new Shape(), (float) (1 / Math.sqrt(cIn))));
            w.setRequiresGradient(true);
            NDArray u = m.randomNormal(new Shape(batch, cIn, n));
            NDArray g = m.randomNormal(new Shape(batch, d * (d + 1) / 2));
            NDArray gx = m.randomNormal(new Shape(batch, d, n));
            ParameterStore ps = new ParameterStore(m, false);
            long a = 0;
            long b = 0;
            long layer = 0;
            for (int r = 0; r < 2 * reps; r++) {
                boolean measure = r >= reps; // the first half warms up
                op.reset();
                long t0 = System.nanoTime();
                try (NDManager step = m.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector();
                     IsqrtTraining.Step s = IsqrtTraining.begin(gc)) {
                    NDArray x = w.matMul(u);
                    step.tempAttachAll(new NDList(x));
                    NDArray c = block.forward(ps, new NDList(x), true).singletonOrThrow();
                    s.backward(c.mul(g).sum());
                }
                long t1 = System.nanoTime();
                try (NDManager step = m.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray x = w.matMul(u);
                    step.tempAttachAll(new NDList(x));
                    gc.backward(x.mul(gx).sum());
                }
                long t2 = System.nanoTime();
                if (measure) {
                    a += t1 - t0;
                    b += t2 - t1;
                    layer += op.nanos();
                }
            }
            double us = 1e-3 / reps;
            out.printf(Locale.ROOT, "two-phase scheme at B %d, d %d, n %d: %.0f us per step on top of the layer's own"
                            + " forward+backward of %.0f us (block step %.0f us, the same step without the block %.0f us)%n",
                    batch, d, n, (a - b - layer) * us, layer * us, a * us, b * us);
        }
    }

    static Model model(String name, Block pooling) {
        SequentialBlock net = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(C_IN).build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(D).optBias(false).build())
                .add(pooling)
                .add(Linear.builder().setUnits(CLASSES).build());
        net.setInitializer(new NormalInitializer(0.1f), ai.djl.nn.Parameter.Type.WEIGHT);
        Model m = Model.newInstance(name);
        m.setBlock(net);
        return m;
    }

    static Trainer trainer(Model model) {
        // The same seed for both models: the trunks start from the same weights.
        Engine.getInstance().setRandomSeed((int) SEED);
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(LR)).build());
        Trainer t = model.newTrainer(cfg);
        t.initialize(new Shape(BATCH, C_IN, SIDE, SIDE));
        return t;
    }

    static ArrayDataset dataset(NDManager m, DataSet ds) {
        float[] labels = new float[ds.count()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = ds.labels()[i];
        }
        return new ArrayDataset.Builder()
                .setData(m.create(ds.features(), new Shape(ds.count(), C_IN, SIDE, SIDE)))
                .optLabels(m.create(labels))
                .setSampling(BATCH, true)
                .build();
    }

    static double lossOf(Trainer t, Batch b) {
        return t.getLoss().evaluate(b.getLabels(), t.evaluate(b.getData())).getFloat();
    }

    static double accuracy(Trainer t, NDManager parent, DataSet ds) {
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.create(ds.features(), new Shape(ds.count(), C_IN, SIDE, SIDE));
            long[] pred = t.evaluate(new NDList(x)).singletonOrThrow().argMax(1).toLongArray();
            int correct = 0;
            for (int i = 0; i < pred.length; i++) {
                correct += pred[i] == ds.labels()[i] ? 1 : 0;
            }
            return (double) correct / pred.length;
        }
    }
}
