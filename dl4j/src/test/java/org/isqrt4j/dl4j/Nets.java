package org.isqrt4j.dl4j;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.isqrt4j.api.OutputLayout;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The small networks the tests share: 1x1 convolution, iSQRT-COV, softmax output. */
final class Nets {
    private Nets() {
    }

    static IsqrtCovLayer cov(OutputLayout layout, String backend) {
        return new IsqrtCovLayer.Builder().iterations(5).layout(layout).backend(backend).name("cov").build();
    }

    /**
     * conv 1x1 (cIn to d, tanh) - iSQRT-COV - softmax output.
     */
    static MultiLayerConfiguration mlnConf(DataType type, IUpdater updater, int cIn, int d, int h, int w,
                                           int classes, IsqrtCovLayer cov, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(type)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(d).activation(Activation.TANH).name("conv").build())
                .layer(cov)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).name("out").build())
                .setInputType(InputType.convolutional(h, w, cIn))
                .build();
    }

    static MultiLayerNetwork mln(DataType type, IUpdater updater, int cIn, int d, int h, int w, int classes,
                                 IsqrtCovLayer cov, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(mlnConf(type, updater, cIn, d, h, w, classes, cov, seed));
        net.init();
        return net;
    }

    static ComputationGraphConfiguration graphConf(DataType type, IUpdater updater, int cIn, int d, int h, int w,
                                                   int classes, IsqrtCovLayer cov, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(type)
                .updater(updater)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(d).activation(Activation.TANH).build(), "in")
                .addLayer("cov", cov, "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "cov")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(h, w, cIn))
                .build();
    }

    static ComputationGraph graph(DataType type, IUpdater updater, int cIn, int d, int h, int w, int classes,
                                  IsqrtCovLayer cov, long seed) {
        ComputationGraph g = new ComputationGraph(graphConf(type, updater, cIn, d, h, w, classes, cov, seed));
        g.init();
        return g;
    }

    /**
     * A run-time layer on its own, configured for CNN input (B, c, h, w) in that format.
     */
    static IsqrtCovLayerImpl standalone(IsqrtCovLayer cfg, DataType type, InputType inputType) {
        cfg.setNIn(inputType, true);
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).layer(cfg).build();
        return (IsqrtCovLayerImpl) cfg.instantiate(conf, null, 0, null, true, type);
    }

    /** Gaussian features (B, c, h, w). */
    static INDArray features(DataType type, int b, int c, int h, int w, long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        double[] v = new double[b * c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        return Nd4j.create(v, new long[] {b, c, h, w}, 'c').castTo(type);
    }

    /** One-hot labels: example i has class i mod classes. */
    static INDArray labels(DataType type, int b, int classes) {
        INDArray y = Nd4j.zeros(type, b, classes);
        for (int i = 0; i < b; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        return y;
    }
}
