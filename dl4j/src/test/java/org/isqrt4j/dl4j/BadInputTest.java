package org.isqrt4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.OutputLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Bad input through a network gives a clear exception, never a crash, a NaN loss or a NaN update. */
class BadInputTest {

    /** A NaN in the features reaches the layer through the convolution: isqrt4j names it and the sample. */
    @Test
    void nanActivationIsRejectedBeforeAnyUpdate() {
        MultiLayerNetwork net = Nets.mln(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3,
                Nets.cov(OutputLayout.TRIU, null), 5);
        INDArray x = Nets.features(DataType.FLOAT, 6, 4, 4, 4, 1);
        x.putScalar(new long[] {4, 2, 1, 3}, Float.NaN);
        INDArray before = net.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.fit(new DataSet(x, Nets.labels(DataType.FLOAT, 6, 3))));
        String m = e.getMessage();
        assertTrue(m.contains("NaN") && m.contains("sample 4") && m.contains("cov") && m.contains("layer index: 1"), m);
        assertEquals(before, net.params(), "no update from a failed step");
        assertFalse(net.params().isNaN().any());
        assertThrows(IllegalArgumentException.class, () -> net.output(x));

        // An infinity, here one that only appears when a double network's value is rounded to float32.
        ComputationGraph dbl = direct(4, DataType.DOUBLE);
        INDArray big = Nets.features(DataType.DOUBLE, 2, 4, 4, 4, 2);
        big.putScalar(new long[] {1, 0, 0, 0}, 1e300);
        e = assertThrows(IllegalArgumentException.class, () -> dbl.outputSingle(big));
        assertTrue(e.getMessage().contains("Infinity") && e.getMessage().contains("sample 1"), e.getMessage());
    }

    /** Input straight into the layer, then a softmax output. */
    static ComputationGraph direct(int channels, DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type)
                .graphBuilder().addInputs("in")
                .addLayer("cov", Nets.cov(OutputLayout.TRIU, null), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "cov")
                .setOutputs("out").setInputTypes(InputType.convolutional(4, 4, channels)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** Input with another channel count than the network was configured for. */
    @Test
    void channelMismatch() {
        ComputationGraph g = direct(3, DataType.FLOAT);
        assertEquals(2, g.outputSingle(Nets.features(DataType.FLOAT, 2, 3, 4, 4, 1)).size(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.outputSingle(Nets.features(DataType.FLOAT, 2, 4, 4, 4, 1)));
        assertTrue(e.getMessage().contains("configured for 3 input channels, got 4"), e.getMessage());
    }

    @Test
    void wrongRankOrEpsilon() {
        IsqrtCovLayerImpl l = Nets.standalone(Nets.cov(OutputLayout.FULL, null), DataType.FLOAT,
                InputType.convolutional(4, 4, 3));
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> l.activate(Nd4j.rand(DataType.FLOAT, 2, 3), true, mgr));
        assertTrue(e.getMessage().contains("expects CNN input (B, C, H, W) or recurrent input (B, C, T)"), e.getMessage());

        l.activate(Nets.features(DataType.FLOAT, 2, 3, 4, 4, 1), true, mgr);
        e = assertThrows(IllegalArgumentException.class, () -> l.backpropGradient(Nd4j.rand(DataType.FLOAT, 2, 6), mgr));
        assertTrue(e.getMessage().contains("epsilon must have shape [2, 9]"), e.getMessage());
        INDArray nan = Nd4j.rand(DataType.FLOAT, 2, 9);
        nan.putScalar(1, 5, Float.NaN);
        e = assertThrows(IllegalArgumentException.class, () -> l.backpropGradient(nan, mgr));
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("sample 1"), e.getMessage());
    }

    /** Feed-forward input cannot be pooled: the configuration says so when the network is built. */
    @Test
    void feedForwardInputType() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NeuralNetConfiguration.Builder().list()
                        .layer(new DenseLayer.Builder().nOut(4).build())
                        .layer(Nets.cov(OutputLayout.TRIU, null))
                        .layer(new OutputLayer.Builder().nOut(2).build())
                        .setInputType(InputType.feedForward(5)).build());
        assertTrue(e.getMessage().contains("pools a feature map"), e.getMessage());
    }

    /** Masked sequences would need a masked covariance: rejected, not silently ignored. */
    @Test
    void masksAreRejected() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in")
                .addLayer("cov", Nets.cov(OutputLayout.TRIU, null), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "cov")
                .setOutputs("out").setInputTypes(InputType.recurrent(3, 5, RNNFormat.NCW)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 5);
        INDArray mask = Nd4j.ones(DataType.FLOAT, 2, 5);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> g.output(false, new INDArray[] {x}, new INDArray[] {mask}));
        assertTrue(e.getMessage().contains("does not support mask arrays"), e.getMessage());
    }

    @Test
    void unknownBackend() {
        MultiLayerNetwork net = Nets.mln(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3,
                Nets.cov(OutputLayout.TRIU, "no-such-backend"), 5);
        Isqrt4jException e = assertThrows(Isqrt4jException.class,
                () -> net.output(Nets.features(DataType.FLOAT, 2, 4, 4, 4, 1)));
        assertTrue(e.getMessage().contains("no isqrt4j back-end 'no-such-backend'; registered: [")
                && e.getMessage().contains("cpu-vector"), e.getMessage());
    }

    @Test
    void builderRejectsBadOptions() {
        assertThrows(IllegalArgumentException.class, () -> new IsqrtCovLayer.Builder().iterations(0));
        assertThrows(IllegalArgumentException.class, () -> new IsqrtCovLayer.Builder().layout(null));
        assertThrows(IllegalArgumentException.class, () -> new IsqrtCovLayer.Builder().backend(" "));
        assertThrows(IllegalArgumentException.class, () -> new IsqrtCovLayer.Builder().options(null));
        assertThrows(IllegalArgumentException.class, () -> new IsqrtCovLayer().setIterations(-1));
    }
}
