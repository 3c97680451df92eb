package org.isqrt4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.examples.Textures;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * End to end: on {@link Textures} (classes that differ only in channel correlation) the loss falls and the trunk's
 * (the convolution's) weights change, so the gradient really flows through the layer's backward.
 */
class Dl4jTrainingTest {
    static final int C_IN = 6;
    static final int SIDE = 4;
    static final int CLASSES = 3;

    /** Textures as NCHW DL4J data. */
    static DataSet textures(Textures t, int count, long seed) {
        org.isqrt4j.examples.DataSet d = t.sample(count, seed);
        INDArray x = Nd4j.create(d.features(), new long[] {count, t.channels(), SIDE, SIDE}, 'c');
        INDArray y = Nd4j.zeros(DataType.FLOAT, count, t.classes());
        for (int i = 0; i < count; i++) {
            y.putScalar(i, d.labels()[i], 1f);
        }
        return new DataSet(x, y);
    }

    static double meanLoss(java.util.function.ToDoubleFunction<DataSet> score, java.util.List<DataSet> batches) {
        double s = 0;
        for (DataSet b : batches) {
            s += score.applyAsDouble(b);
        }
        return s / batches.size();
    }

    @Test
    void multiLayerNetworkLearns() {
        Textures t = new Textures(C_IN, SIDE * SIDE, CLASSES, 1.0, 17);
        java.util.List<DataSet> batches = textures(t, 240, 18).batchBy(24);
        MultiLayerNetwork net = Nets.mln(DataType.FLOAT, new Adam(2e-2), C_IN, C_IN, SIDE, SIDE, CLASSES,
                Nets.cov(OutputLayout.TRIU, null), 19);
        INDArray w0 = net.getParam("0_W").dup();
        double before = meanLoss(b -> net.score(b), batches);
        for (int epoch = 0; epoch < 8; epoch++) {
            for (DataSet b : batches) {
                net.fit(b);
            }
        }
        double after = meanLoss(b -> net.score(b), batches);
        double moved = net.getParam("0_W").sub(w0).norm2Number().doubleValue() / w0.norm2Number().doubleValue();
        System.out.printf("MultiLayerNetwork: loss %.4f -> %.4f, conv weights moved %.3f (relative)%n", before,
                after, moved);
        assertTrue(after < 0.75 * before, before + " -> " + after);
        assertTrue(moved > 0.05, "conv weights moved by " + moved);
        DataSet test = textures(t, 150, 20);
        double acc = net.evaluate(new SingletonDataSetIterator(test)).accuracy();
        assertTrue(acc > 0.8, "test accuracy " + acc);
    }

    @Test
    void computationGraphLearns() {
        Textures t = new Textures(C_IN, SIDE * SIDE, CLASSES, 1.0, 27);
        java.util.List<DataSet> batches = textures(t, 240, 28).batchBy(24);
        ComputationGraph g = Nets.graph(DataType.FLOAT, new Adam(2e-2), C_IN, C_IN, SIDE, SIDE, CLASSES,
                Nets.cov(OutputLayout.FULL, "cpu-scalar"), 29);
        INDArray w0 = g.getParam("conv_W").dup();
        double before = meanLoss(b -> g.score(b), batches);
        DataSetIterator it = new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(batches);
        g.fit(it, 8);
        double after = meanLoss(b -> g.score(b), batches);
        double moved = g.getParam("conv_W").sub(w0).norm2Number().doubleValue() / w0.norm2Number().doubleValue();
        System.out.printf("ComputationGraph: loss %.4f -> %.4f, conv weights moved %.3f (relative)%n", before, after,
                moved);
        assertTrue(after < 0.75 * before, before + " -> " + after);
        assertTrue(moved > 0.05, "conv weights moved by " + moved);
    }
}
