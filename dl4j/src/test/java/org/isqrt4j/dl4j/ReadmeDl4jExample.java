package org.isqrt4j.dl4j;

// The Deeplearning4j example of docs/dl4j.md, character for character between the markers; ReadmeDl4jExampleTest checks
// that docs/dl4j.md holds the same lines and runs it.
// DL4J-EXAMPLE-START
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.dl4j.IsqrtCovLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

public class ReadmeDl4jExample {
    public static void main(String[] args) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(1, 1).nOut(32).activation(Activation.RELU).build())
                .layer(new IsqrtCovLayer.Builder().iterations(5).layout(OutputLayout.TRIU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(7, 7, 128))     // feature maps (B, C, H, W)
                .build());
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 128, 7, 7);
        INDArray y = Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7).castTo(DataType.FLOAT);
        net.fit(x, y);                                            // forward and backward through iSQRT-COV
        System.out.println("features " + net.feedForward(x).get(2).size(1) + ", output " + net.output(x).size(1));
    }
}
// DL4J-EXAMPLE-END
