package org.isqrt4j.djl;

// The DJL example of docs/djl.md, character for character between the markers; ReadmeDjlExampleTest checks that
// docs/djl.md holds the same lines and runs it.
// DJL-EXAMPLE-START
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.djl.IsqrtCovBlock;
import org.isqrt4j.djl.IsqrtTraining;

public class ReadmeDjlExample {
    public static void main(String[] args) throws Exception {
        try (IsqrtCovBlock cov = IsqrtCovBlock.builder()       // K = 5, best back-end; .backend("cpu-scalar") forces one
                     .iterations(5).layout(OutputLayout.TRIU).build();
             Model model = Model.newInstance("isqrt-cov")) {
            model.setBlock(new SequentialBlock()
                    .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(32).build())
                    .add(Activation.reluBlock())
                    .add(cov)                                  // (B, 32, 7, 7) -> (B, 32*33/2)
                    .add(Linear.builder().setUnits(10).build()));
            Shape input = new Shape(16, 64, 7, 7);                // (B, C, H, W)
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
                trainer.initialize(input);
                NDManager m = trainer.getManager();
                ArrayDataset data = new ArrayDataset.Builder()
                        .setData(m.randomNormal(new Shape(64, 64, 7, 7)))
                        .optLabels(m.randomInteger(0, 10, new Shape(64), DataType.INT32))
                        .setSampling(16, true).build();
                IsqrtTraining.fit(trainer, 2, data, null);       // EasyTrain.fit with the block's backward
                System.out.println(cov + ": output " + model.getBlock().getOutputShapes(new Shape[] {input})[0]);
            }
        }
    }
}
// DJL-EXAMPLE-END
