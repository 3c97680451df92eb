package org.isqrt4j.dl4j;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.examples.Textures;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small Deeplearning4j CNN trained on the examples' synthetic {@link Textures} (classes share means and variances
 * and differ only in channel correlation), once with iSQRT-COV pooling and once with global average pooling; the
 * trunk (3x3 convolution with tanh, 1x1 reduction to d channels), the data, the initial trunk weights and the batch
 * order are the same. Prints the loss and test accuracy per epoch, the samples/s of a training step and both final
 * test accuracies.
 *
 * <p>Why tanh: an odd activation keeps the features' distribution symmetric about zero, so (as for the examples'
 * linear model) their average carries nearly nothing that tells the classes apart and average pooling stays near
 * chance. After a ReLU it does not: E relu(u) = sigma_u / sqrt(2 pi) for a centred Gaussian u, so the average of
 * rectified features measures standard deviations, a part of the second-order statistics, and average pooling
 * learns the textures too (the argument {@code relu} runs that variant).
 *
 * <p>Run with {@code mvn -q -DskipTests install && mvn -q -pl dl4j test-compile exec:exec@example}
 * (add {@code -Dexample.args=relu} for the ReLU trunk).
 */
public final class TexturesExample {

    private TexturesExample() {
    }

    /**
     * Sizes of a run.
     *
     * @param channelsIn input channels
     * @param side       feature map side (positions = side^2)
     * @param kernel     kernel size of the first convolution
     * @param hidden     channels of the first convolution
     * @param activation the first convolution's activation
     * @param d          channels after the 1x1 reduction (the covariance is d x d)
     * @param classes    classes
     * @param trainSize  training samples
     * @param testSize   test samples
     * @param epochs     passes over the training set
     * @param batchSize  samples per step
     * @param lr         Adam's step size
     * @param strength   class strength of the textures
     * @param seed       seeds everything
     */
    public record Config(int channelsIn, int side, int kernel, int hidden, Activation activation, int d, int classes, int trainSize, int testSize,
                         int epochs, int batchSize, double lr, double strength, long seed) {
        /**
         * Returns the printed example's sizes.
         *
         * @return c_in 16, 7x7, 3x3 convolution to 16 channels with tanh, 1x1 to d = 8, 4 classes, 1000/1000
         *         samples, 10 epochs of 32, Adam 0.01, class strength 0.25
         */
        public static Config defaults() {
            return new Config(16, 7, 3, 16, Activation.TANH, 8, 4, 1000, 1000, 10, 32, 0.01, 0.25, 42L);
        }

        /**
         * Returns a copy with another activation after the first convolution.
         *
         * @param a the activation
         * @return the copy
         */
        public Config withActivation(Activation a) {
            return new Config(channelsIn, side, kernel, hidden, a, d, classes, trainSize, testSize, epochs, batchSize,
                    lr, strength, seed);
        }

        /**
         * Returns a copy with other sizes.
         *
         * @param train  training samples
         * @param test   test samples
         * @param epochs passes over the training set
         * @return the copy
         */
        public Config withSizes(int train, int test, int epochs) {
            return new Config(channelsIn, side, kernel, hidden, activation, d, classes, train, test, epochs,
                    batchSize, lr, strength, seed);
        }
    }

    /**
     * What a run measured.
     *
     * @param covAccuracy    test accuracy with iSQRT-COV pooling
     * @param avgAccuracy    test accuracy with global average pooling
     * @param covSamplesPerS training-step throughput with iSQRT-COV pooling
     * @param avgSamplesPerS training-step throughput with average pooling
     */
    public record Result(double covAccuracy, double avgAccuracy, double covSamplesPerS, double avgSamplesPerS) {
    }

    static DataSet toDl4j(org.isqrt4j.examples.DataSet d, int side) {
        INDArray x = Nd4j.create(d.features(), new long[] {d.count(), d.channels(), side, side}, 'c');
        INDArray y = Nd4j.zeros(DataType.FLOAT, d.count(), 1 + java.util.Arrays.stream(d.labels()).max().orElse(0));
        for (int i = 0; i < d.count(); i++) {
            y.putScalar(i, d.labels()[i], 1f);
        }
        return new DataSet(x, y);
    }

    static MultiLayerNetwork network(Config c, Layer pooling) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(c.seed() + 3)          // same trunk initialisation for both networks
                .dataType(DataType.FLOAT)
                .updater(new Adam(c.lr()))
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new ConvolutionLayer.Builder(c.kernel(), c.kernel()).convolutionMode(ConvolutionMode.Same)
                        .nOut(c.hidden()).activation(c.activation()).build())
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(c.d()).activation(Activation.IDENTITY).build())
                .layer(pooling)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(c.classes())
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.convolutional(c.side(), c.side(), c.channelsIn()))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * Trains both networks and evaluates them.
     *
     * @param c   sizes
     * @param log where the per-epoch lines go; null for none
     * @return accuracies and throughputs
     */
    public static Result run(Config c, PrintStream log) {
        Textures textures = new Textures(c.channelsIn(), c.side() * c.side(), c.classes(), c.strength(), c.seed());
        DataSet train = toDl4j(textures.sample(c.trainSize(), c.seed() + 1), c.side());
        DataSet test = toDl4j(textures.sample(c.testSize(), c.seed() + 2), c.side());
        MultiLayerNetwork cov = network(c, new IsqrtCovLayer.Builder().iterations(5).layout(OutputLayout.TRIU).build());
        MultiLayerNetwork avg = network(c, new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        MultiLayerNetwork[] nets = {cov, avg};
        if (log != null) {
            log.printf(Locale.ROOT, "isqrt4j back-end %s; textures c_in %d, %dx%d, %d classes, strength %.2f, %d train /"
                            + " %d test; CNN conv%dx%d %d + %s, conv1x1 %d, pooling, softmax; batch %d, Adam lr %.3g,"
                            + " iSQRT-COV K 5 TRIU%n",
                    ((IsqrtCovLayerImpl) cov.getLayer(2)).backendName(), c.channelsIn(), c.side(), c.side(),
                    c.classes(), c.strength(), c.trainSize(), c.testSize(), c.kernel(), c.kernel(), c.hidden(),
                    c.activation(), c.d(), c.batchSize(), c.lr());
        }
        List<DataSet> batches = new ArrayList<>(train.batchBy(c.batchSize()));
        Random order = new Random(c.seed() + 4);
        long[] nanos = new long[2];
        long[] samples = new long[2];
        for (int epoch = 0; epoch < c.epochs(); epoch++) {
            Collections.shuffle(batches, order);
            double[] loss = new double[2];
            for (DataSet b : batches) {
                for (int m = 0; m < 2; m++) {
                    long t0 = System.nanoTime();
                    nets[m].fit(b);
                    long dt = System.nanoTime() - t0;
                    if (epoch > 0) {                 // the first epoch is the JIT's warm-up
                        nanos[m] += dt;
                        samples[m] += b.numExamples();
                    }
                    loss[m] += nets[m].score() * b.numExamples();
                }
            }
            if (log != null) {
                log.printf(Locale.ROOT, "epoch %2d/%d  train loss  isqrt-cov %.4f  avg-pool %.4f   test accuracy %.3f %.3f%n",
                        epoch + 1, c.epochs(), loss[0] / c.trainSize(), loss[1] / c.trainSize(),
                        cov.evaluate(new SingletonDataSetIterator(test)).accuracy(),
                        avg.evaluate(new SingletonDataSetIterator(test)).accuracy());
            }
        }
        double covAcc = cov.evaluate(new SingletonDataSetIterator(test)).accuracy();
        double avgAcc = avg.evaluate(new SingletonDataSetIterator(test)).accuracy();
        return new Result(covAcc, avgAcc, samples[0] / (nanos[0] * 1e-9), samples[1] / (nanos[1] * 1e-9));
    }

    /**
     * Runs the example with {@link Config#defaults()}.
     *
     * @param args optionally the first convolution's activation ({@code tanh}, the default, or {@code relu})
     */
    public static void main(String[] args) {
        long start = System.nanoTime();
        Config c = Config.defaults();
        if (args.length > 0 && !args[0].isBlank()) {
            c = c.withActivation(Activation.valueOf(args[0].toUpperCase(Locale.ROOT)));
        }
        PrintStream out = System.out;
        Result r = run(c, out);
        String omp = System.getenv("OMP_NUM_THREADS");
        out.printf(Locale.ROOT, "training step, batch %d (%s, %d processors, OMP_NUM_THREADS %s): isqrt-cov %.0f "
                        + "samples/s, avg-pool %.0f samples/s%n", c.batchSize(), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), omp == null ? "unset" : omp, r.covSamplesPerS(),
                r.avgSamplesPerS());
        out.printf(Locale.ROOT, "test accuracy isqrt-cov: %.3f%n", r.covAccuracy());
        out.printf(Locale.ROOT, "test accuracy avg-pool:  %.3f%n", r.avgAccuracy());
        out.printf(Locale.ROOT, "(%.1f s)%n", (System.nanoTime() - start) * 1e-9);
    }
}
