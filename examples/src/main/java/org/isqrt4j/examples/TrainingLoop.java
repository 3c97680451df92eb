package org.isqrt4j.examples;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Random;

import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * A complete training loop in plain Java around the iSQRT-COV layer. Two classifiers learn the synthetic
 * {@link Textures} (classes that differ only in channel correlation) with mini-batch Adam and cross-entropy:
 * <ul>
 *   <li>{@link CovariancePoolingModel}: projection, iSQRT-COV forward and backward, softmax classifier;</li>
 *   <li>{@link AveragePoolingModel}: the same projection, average pooling, softmax classifier.</li>
 * </ul>
 * Both see the same data, the same initial projection and the same batch order. The covariance model should
 * reach a high test accuracy, the average-pooling model should stay near chance (1 / classes).
 *
 * <p>Run with {@code mvn -q -pl examples exec:exec@vector} (forks a JVM with
 * {@code --add-modules jdk.incubator.vector}, so cpu-vector takes its Vector API path) or
 * {@code mvn -q -pl examples exec:java} (inside Maven's JVM, where the module is not resolved: cpu-vector's scalar
 * fallback, unless {@code MAVEN_OPTS="--add-modules jdk.incubator.vector"}). Force a back-end with
 * {@code -Disqrt4j.backend=cpu-scalar} (or {@code cpu-vector}, {@code reference}, ...).
 */
public final class TrainingLoop {

    private TrainingLoop() {
    }

    /**
     * Sizes and hyper-parameters of a run.
     *
     * @param channelsIn   input channels c_in
     * @param d            channels after the projection (covariance is d x d)
     * @param positions    positions per sample n (7x7 feature map: 49)
     * @param classes      number of classes
     * @param trainSize    training samples
     * @param testSize     test samples
     * @param epochs       passes over the training set
     * @param batchSize    samples per Adam step
     * @param learningRate Adam's step size
     * @param iterations   Newton-Schulz iterations K
     * @param strength     how far apart the classes' correlations are ({@link Textures})
     * @param seed         seeds the class structures, the samples, the initial weights and the batch order
     */
    public record Config(int channelsIn, int d, int positions, int classes, int trainSize, int testSize, int epochs,
                         int batchSize, double learningRate, int iterations, double strength, long seed) {

        /**
         * Returns the configuration of the printed example.
         *
         * @return the printed example: c_in 16, d 8, n 49, 4 classes, 1000/400 samples, 15 epochs of batches of 32,
         *         Adam lr 0.01, K 5, class strength 0.25 (weak enough that the loss falls over several epochs)
         */
        public static Config defaults() {
            return new Config(16, 8, 49, 4, 1000, 400, 15, 32, 0.01, SqrtOptions.DEFAULT_ITERATIONS, 0.25, 42L);
        }

        /**
         * Returns a copy with those sizes.
         *
         * @param trainSize training samples
         * @param testSize  test samples
         * @param epochs    passes over the training set
         * @return a copy with those sizes
         */
        public Config withSizes(int trainSize, int testSize, int epochs) {
            return new Config(channelsIn, d, positions, classes, trainSize, testSize, epochs, batchSize, learningRate,
                    iterations, strength, seed);
        }
    }

    /**
     * What a run measured.
     *
     * @param covarianceLoss  mean training loss per epoch of the covariance model
     * @param averageLoss     mean training loss per epoch of the average-pooling model
     * @param covarianceAccuracy test accuracy of the covariance model
     * @param averageAccuracy test accuracy of the average-pooling model
     */
    public record Result(double[] covarianceLoss, double[] averageLoss, double covarianceAccuracy,
                         double averageAccuracy) {
    }

    /**
     * Trains both models and prints the per-epoch lines and the two test accuracies (the last two lines).
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Config cfg = Config.defaults();
        PrintStream out = System.out;
        try (MatrixSqrtOp op = MatrixSqrtOps.load()) {
            out.printf(Locale.ROOT, "back-end %s; c_in %d, d %d, n %d, %d classes, %d train / %d test samples, "
                            + "batch %d, Adam lr %.3g, K %d%n", op.name(), cfg.channelsIn(), cfg.d(), cfg.positions(),
                    cfg.classes(), cfg.trainSize(), cfg.testSize(), cfg.batchSize(), cfg.learningRate(),
                    cfg.iterations());
            Result r = train(cfg, op, out);
            out.printf(Locale.ROOT, "test accuracy isqrt-cov: %.3f%n", r.covarianceAccuracy());
            out.printf(Locale.ROOT, "test accuracy avg-pool:  %.3f%n", r.averageAccuracy());
        }
    }

    /**
     * Generates the data, trains both models with the same batches and evaluates them on the test set.
     *
     * @param cfg sizes and hyper-parameters
     * @param op  the layer's back-end (left open)
     * @param log where the per-epoch lines go; null for none
     * @return losses per epoch and test accuracies
     */
    public static Result train(Config cfg, MatrixSqrtOp op, PrintStream log) {
        long start = System.nanoTime();
        Textures textures = new Textures(cfg.channelsIn(), cfg.positions(), cfg.classes(), cfg.strength(), cfg.seed());
        DataSet train = textures.sample(cfg.trainSize(), cfg.seed() + 1);
        DataSet test = textures.sample(cfg.testSize(), cfg.seed() + 2);

        SqrtOptions options = SqrtOptions.of(cfg.iterations(), OutputLayout.TRIU);
        // Same seed for both: they start from the same projection W.
        Model cov = new CovariancePoolingModel(op, options, cfg.channelsIn(), cfg.d(), cfg.classes(),
                new Random(cfg.seed() + 3));
        Model avg = new AveragePoolingModel(cfg.channelsIn(), cfg.d(), cfg.classes(), new Random(cfg.seed() + 3));
        Model[] models = {cov, avg};
        Adam[] optimisers = {new Adam(cov.parameters(), cfg.learningRate()),
                new Adam(avg.parameters(), cfg.learningRate())};

        double[][] losses = new double[models.length][cfg.epochs()];
        int[] order = new int[train.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random shuffler = new Random(cfg.seed() + 4);
        for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
            Textures.shuffle(order, shuffler);
            for (int from = 0; from < order.length; from += cfg.batchSize()) {
                DataSet batch = train.gather(order, from, Math.min(cfg.batchSize(), order.length - from));
                for (int m = 0; m < models.length; m++) {
                    losses[m][epoch] += models[m].lossAndGradients(batch) * batch.count();
                    optimisers[m].step();
                }
            }
            for (double[] l : losses) {
                l[epoch] /= order.length;
            }
            if (log != null) {
                log.printf(Locale.ROOT, "epoch %2d/%d  train loss  %s %.4f  %s %.4f  (%.1f s)%n", epoch + 1,
                        cfg.epochs(), cov.label(), losses[0][epoch], avg.label(), losses[1][epoch],
                        (System.nanoTime() - start) * 1e-9);
            }
        }
        return new Result(losses[0], losses[1], accuracy(cov, test, cfg), accuracy(avg, test, cfg));
    }

    /**
     * @param model a classifier
     * @param data  labelled samples
     * @param cfg   for the number of classes
     * @return the fraction of samples whose largest logit is the true class
     */
    static double accuracy(Model model, DataSet data, Config cfg) {
        int[] all = new int[data.count()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        int correct = 0;
        int chunk = 200;
        for (int from = 0; from < all.length; from += chunk) {
            DataSet part = data.gather(all, from, Math.min(chunk, all.length - from));
            int[] pred = SoftmaxCrossEntropy.argmax(model.logits(part), part.count(), cfg.classes());
            for (int i = 0; i < pred.length; i++) {
                if (pred[i] == part.labels()[i]) {
                    correct++;
                }
            }
        }
        return data.count() == 0 ? 0.0 : (double) correct / data.count();
    }
}
