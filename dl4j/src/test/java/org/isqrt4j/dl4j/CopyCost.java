package org.isqrt4j.dl4j;

import java.util.Arrays;
import java.util.Locale;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures what the DL4J adapter costs on top of isqrt4j: per training step of the layer (forward + backward,
 * float network, no workspaces), the whole layer against the library alone on preallocated float arrays, and the
 * four copies (input in, output out, epsilon in, gradient out) alone. Not a test: a measurement to run by hand,
 * {@code mvn -q -pl dl4j test-compile exec:exec@copycost}. Prints one line per shape; the numbers are medians of
 * interleaved rounds within one run.
 */
public final class CopyCost {
    private CopyCost() {
    }

    interface Step {
        void run();
    }

    /** ns per call of one round of about 0.2 s. */
    static double round(Step s) {
        int calls = 0;
        long t0 = System.nanoTime();
        long t;
        do {
            s.run();
            calls++;
            t = System.nanoTime();
        } while (t - t0 < 200_000_000L);
        return (double) (t - t0) / calls;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    /**
     * Runs the measurement.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        int[][] shapes = {{32, 8, 49}, {32, 64, 49}, {32, 256, 49}, {8, 256, 196}};
        System.out.printf(Locale.ROOT, "JDK %s, %d processors, OMP_NUM_THREADS %s%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), System.getenv("OMP_NUM_THREADS"));
        for (int[] s : shapes) {
            int b = s[0];
            int d = s[1];
            int n = s[2];
            int side = (int) Math.round(Math.sqrt(n));
            IsqrtCovLayerImpl layer = Nets.standalone(Nets.cov(OutputLayout.TRIU, null), DataType.FLOAT,
                    InputType.convolutional(side, side, d));
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            INDArray x = Nets.features(DataType.FLOAT, b, d, side, side, 1);
            int e = OutputLayout.TRIU.elements(d);
            INDArray eps = Nets.features(DataType.FLOAT, b, e, 1, 1, 2).reshape(b, e);
            MatrixSqrtOp op = SharedOps.get(null);
            float[] xf = new float[b * d * n];
            float[] out = new float[b * e];
            float[] g = new float[b * e];
            float[] gx = new float[b * d * n];
            Nd4jFloats.read(x, xf, mgr, ArrayType.FF_WORKING_MEM);
            Nd4jFloats.read(eps, g, mgr, ArrayType.BP_WORKING_MEM);
            SqrtOptions opts = SqrtOptions.of(5, OutputLayout.TRIU);
            INDArray outArr = Nd4j.createUninitialized(DataType.FLOAT, b, e);
            INDArray gxArr = Nd4j.createUninitialized(DataType.FLOAT, b, d, side, side);

            Step layerStep = () -> {
                layer.activate(x, true, mgr);
                layer.backpropGradient(eps, mgr);
                layer.clear();
            };
            // As inside a network: every array of the step in one DL4J workspace, reset per step.
            WorkspaceConfiguration wsConf = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.2)
                    .policyReset(ResetPolicy.BLOCK_LEFT).policyLearning(LearningPolicy.OVER_TIME)
                    .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
            LayerWorkspaceMgr wsMgr = LayerWorkspaceMgr.builder().defaultWorkspace("CopyCostWS", wsConf).build();
            Step wsStep = () -> {
                try (MemoryWorkspace ws = wsMgr.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
                    layer.activate(x, true, wsMgr);
                    layer.backpropGradient(eps, wsMgr);
                    layer.clear();
                }
            };
            Step libStep = () -> {
                try (ForwardHandle h = op.forward(b, d, n, opts, xf, 0, out, 0)) {
                    op.backward(h, g, 0, gx, 0);
                }
            };
            Step copyStep = () -> {
                Nd4jFloats.read(x, xf, mgr, ArrayType.FF_WORKING_MEM);
                Nd4jFloats.write(out, outArr);
                Nd4jFloats.read(eps, g, mgr, ArrayType.BP_WORKING_MEM);
                Nd4jFloats.write(gx, gxArr);
            };
            for (int w = 0; w < 5; w++) {      // warm-up
                round(layerStep);
                round(wsStep);
                round(libStep);
                round(copyStep);
            }
            // Interleaved rounds, so that the machine's load hits all three alike; medians of per-round ratios.
            int rounds = 11;
            double[] layerT = new double[rounds];
            double[] copyShare = new double[rounds];
            double[] adapterShare = new double[rounds];
            double[] wsShare = new double[rounds];
            for (int k = 0; k < rounds; k++) {
                double tl = round(layerStep);
                double tw = round(wsStep);
                double tb = round(libStep);
                wsShare[k] = (tw - tb) / tw;
                double tc = round(copyStep);
                layerT[k] = tl;
                copyShare[k] = tc / tl;
                adapterShare[k] = (tl - tb) / tl;
            }
            double tLayer = median(layerT);
            System.out.printf(Locale.ROOT, "%s B %d, d %d, n %d: layer fwd+bwd %.1f us; the 4 copies %.2f %% of it;"
                            + " layer minus isqrt4j alone (copies, ND4J arrays, checks) %.1f %% without workspaces,"
                            + " %.1f %% in a workspace%n",
                    op.name(), b, d, n, tLayer / 1e3, 100 * median(copyShare), 100 * median(adapterShare),
                    100 * median(wsShare));
        }
    }
}
