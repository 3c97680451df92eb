package org.isqrt4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/** The run-time layer against isqrt4j called directly, its formats, handle lifecycle, workspaces and silence. */
class LayerTest {
    static final int B = 3;
    static final int C = 5;
    static final int H = 3;
    static final int W = 4;

    static float[] floats(INDArray a) {
        return a.dup('c').castTo(DataType.FLOAT).data().asFloat();
    }

    static IsqrtCovLayerImpl layer(OutputLayout layout, DataType type, CNN2DFormat format) {
        return Nets.standalone(Nets.cov(layout, "cpu-vector"), type, InputType.convolutional(H, W, C, format));
    }

    /** Ways an ND4J array can hold the same values: own buffer, view with an offset, f order, permuted, double. */
    enum Kind { PLAIN, VIEW, F_ORDER, PERMUTED, DOUBLE }

    static INDArray as(Kind kind, INDArray x) {
        switch (kind) {
            case PLAIN:
                return x;
            case VIEW: {
                INDArray big = Nd4j.zeros(DataType.FLOAT, B + 2, C, H, W);
                big.get(NDArrayIndex.interval(1, B + 1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(x);
                INDArray v = big.get(NDArrayIndex.interval(1, B + 1), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.all());
                assertTrue(v.isView() && v.offset() > 0, "a view with an offset");
                return v;
            }
            case F_ORDER:
                return x.dup('f');
            case PERMUTED:
                return x.permute(0, 2, 3, 1).dup('c').permute(0, 3, 1, 2);
            case DOUBLE:
                return x.castTo(DataType.DOUBLE);
            default:
                throw new AssertionError(kind);
        }
    }

    /** Output and epsilon are bit for bit what isqrt4j gives on the same floats, whatever the array's layout. */
    @ParameterizedTest
    @MethodSource("kindsAndLayouts")
    void matchesTheLibraryBitForBit(Kind kind, OutputLayout layout) {
        INDArray x = Nets.features(DataType.FLOAT, B, C, H, W, 1);
        DataType type = kind == Kind.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        IsqrtCovLayerImpl l = layer(layout, type, CNN2DFormat.NCHW);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray out = l.activate(as(kind, x), true, mgr);
        int e = layout.elements(C);
        assertArrayEquals(new long[] {B, e}, out.shape());
        assertEquals(type, out.dataType());
        INDArray eps = Nets.features(type, B, e, 1, 1, 2).reshape(B, e);
        INDArray gradX = l.backpropGradient(eps, mgr).getSecond();
        assertArrayEquals(x.shape(), gradX.shape());
        assertEquals(type, gradX.dataType());

        try (MatrixSqrtOp op = MatrixSqrtOps.load("cpu-vector")) {
            float[] xf = floats(x);
            ForwardHandle h = op.forward(B, C, H * W, SqrtOptions.of(5, layout), xf);
            assertArrayEquals(h.output(), floats(out));
            assertArrayEquals(op.backward(h, floats(eps)), floats(gradX));
        }
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> kindsAndLayouts() {
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(OutputLayout.values())
                .map(l -> org.junit.jupiter.params.provider.Arguments.of(k, l)));
    }

    /** NHWC input gives the NCHW output, and the NCHW epsilon transposed. */
    @Test
    void channelsLastCnn() {
        INDArray x = Nets.features(DataType.FLOAT, B, C, H, W, 3);
        INDArray eps = Nets.features(DataType.FLOAT, B, 15, 1, 1, 4).reshape(B, 15);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        IsqrtCovLayerImpl nchw = layer(OutputLayout.TRIU, DataType.FLOAT, CNN2DFormat.NCHW);
        IsqrtCovLayerImpl nhwc = layer(OutputLayout.TRIU, DataType.FLOAT, CNN2DFormat.NHWC);
        INDArray o1 = nchw.activate(x, true, mgr);
        INDArray g1 = nchw.backpropGradient(eps, mgr).getSecond();
        INDArray o2 = nhwc.activate(x.permute(0, 2, 3, 1).dup('c'), true, mgr);
        INDArray g2 = nhwc.backpropGradient(eps, mgr).getSecond();
        assertEquals(o1, o2);
        assertEquals(g1.permute(0, 2, 3, 1), g2);
    }

    /** Sequence input (B, C, T), NCW and NWC, is the CNN input (B, C, 1, T). */
    @ParameterizedTest
    @EnumSource(RNNFormat.class)
    void sequenceInput(RNNFormat format) {
        int t = 7;
        INDArray x = Nets.features(DataType.FLOAT, B, C, 1, t, 5);
        INDArray eps = Nets.features(DataType.FLOAT, B, 25, 1, 1, 6).reshape(B, 25);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        IsqrtCovLayerImpl cnn = Nets.standalone(Nets.cov(OutputLayout.FULL, "cpu-vector"), DataType.FLOAT,
                InputType.convolutional(1, t, C));
        IsqrtCovLayerImpl rnn = Nets.standalone(Nets.cov(OutputLayout.FULL, "cpu-vector"), DataType.FLOAT,
                InputType.recurrent(C, t, format));
        INDArray o1 = cnn.activate(x, true, mgr);
        INDArray g1 = cnn.backpropGradient(eps, mgr).getSecond().reshape(B, C, t);
        INDArray seq = x.reshape(B, C, t);
        if (format == RNNFormat.NWC) {
            seq = seq.permute(0, 2, 1).dup('c');
        }
        INDArray o2 = rnn.activate(seq, true, mgr);
        INDArray g2 = rnn.backpropGradient(eps, mgr).getSecond();
        assertEquals(o1, o2);
        assertEquals(format == RNNFormat.NWC ? g1.permute(0, 2, 1) : g1, g2);
    }

    /**
     * The handle is kept after a training forward only, closed by the next forward and by clear(); the backward
     * does not depend on the input array staying unchanged (DL4J may reuse its workspace memory).
     */
    @Test
    void handleLifecycleAndOwnCopy() {
        INDArray x = Nets.features(DataType.FLOAT, B, C, H, W, 7);
        INDArray eps = Nets.features(DataType.FLOAT, B, 25, 1, 1, 8).reshape(B, 25);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        IsqrtCovLayerImpl l = layer(OutputLayout.FULL, DataType.FLOAT, CNN2DFormat.NCHW);
        INDArray expected;
        l.activate(x.dup(), true, mgr);
        expected = l.backpropGradient(eps, mgr).getSecond().dup();

        INDArray input = x.dup();
        l.activate(input, true, mgr);
        ForwardHandle first = l.handle();
        assertNotNull(first);
        assertTrue(l.holdsForwardHandle());
        l.activate(input, true, mgr);
        assertTrue(first.isClosed(), "the next forward closes the previous handle");
        ForwardHandle second = l.handle();
        input.assign(Double.NaN);                 // DL4J reusing the activation's memory
        assertEquals(expected, l.backpropGradient(eps, mgr).getSecond());
        l.clear();
        assertTrue(second.isClosed(), "clear() closes the handle");
        assertNull(l.handle());

        l.activate(x.dup(), false, mgr);
        assertFalse(l.holdsForwardHandle(), "an inference forward keeps no handle");
        // A backward after an inference forward recomputes the forward.
        assertEquals(expected, l.backpropGradient(eps, mgr).getSecond());
        l.close();
        assertFalse(l.holdsForwardHandle());
    }

    static MultiLayerNetwork trained(WorkspaceMode mode) {
        MultiLayerNetwork net = new MultiLayerNetwork(Nets.mlnConf(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3,
                Nets.cov(OutputLayout.TRIU, "cpu-vector"), 11));
        net.getLayerWiseConfigurations().setTrainingWorkspaceMode(mode);
        net.getLayerWiseConfigurations().setInferenceWorkspaceMode(mode);
        net.init();
        for (int i = 0; i < 6; i++) {
            net.fit(new DataSet(Nets.features(DataType.FLOAT, 8, 4, 4, 4, 100 + i), Nets.labels(DataType.FLOAT, 8, 3)));
        }
        return net;
    }

    /** Training with DL4J's workspaces (memory reused between iterations) equals training without, bit for bit. */
    @Test
    void workspacesChangeNothing() {
        MultiLayerNetwork ws = trained(WorkspaceMode.ENABLED);
        MultiLayerNetwork none = trained(WorkspaceMode.NONE);
        assertEquals(none.params(), ws.params());
        INDArray x = Nets.features(DataType.FLOAT, 5, 4, 4, 4, 99);
        assertEquals(none.output(x), ws.output(x));

        ComputationGraph g = Nets.graph(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3,
                Nets.cov(OutputLayout.TRIU, "cpu-vector"), 11);
        ComputationGraph gNone = Nets.graph(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3,
                Nets.cov(OutputLayout.TRIU, "cpu-vector"), 11);
        gNone.getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
        for (int i = 0; i < 4; i++) {
            DataSet ds = new DataSet(Nets.features(DataType.FLOAT, 8, 4, 4, 4, 200 + i), Nets.labels(DataType.FLOAT, 8, 3));
            g.fit(ds);
            gNone.fit(ds);
        }
        assertEquals(gNone.params(), g.params());
    }

    @Test
    void outputTypesAndMemoryReport() {
        IsqrtCovLayer full = Nets.cov(OutputLayout.FULL, null);
        IsqrtCovLayer triu = Nets.cov(OutputLayout.TRIU, null);
        assertEquals(InputType.feedForward(64), full.getOutputType(0, InputType.convolutional(7, 7, 8)));
        assertEquals(InputType.feedForward(36), triu.getOutputType(0, InputType.convolutional(7, 7, 8)));
        assertEquals(InputType.feedForward(36), triu.getOutputType(0, InputType.recurrent(8, 20)));
        assertEquals(InputType.feedForward(36), triu.getOutputType(0, InputType.recurrent(8)));
        assertTrue(triu.getPreProcessorForInputType(InputType.convolutionalFlat(7, 7, 8))
                instanceof FeedForwardToCnnPreProcessor);
        assertNull(triu.getPreProcessorForInputType(InputType.convolutional(7, 7, 8)));
        LayerMemoryReport r = triu.getMemoryReport(InputType.convolutional(7, 7, 8));
        assertEquals(0, r.getParameterSize());
        assertEquals(36, r.getOutputType().arrayElementsPerExample());
    }

    /** Deeplearning4j prints at load time; this layer, trained and used, prints nothing. */
    @Test
    void layerPrintsNothing() {
        MultiLayerNetwork net = Nets.mln(DataType.FLOAT, new Adam(1e-2), 4, 6, 4, 4, 3,
                Nets.cov(OutputLayout.TRIU, null), 5);
        DataSet ds = new DataSet(Nets.features(DataType.FLOAT, 8, 4, 4, 4, 1), Nets.labels(DataType.FLOAT, 8, 3));
        net.fit(ds);    // loads the back-ends and ND4J's ops outside the capture
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8);
        try {
            System.setOut(capture);
            System.setErr(capture);
            for (int i = 0; i < 3; i++) {
                net.fit(ds);
            }
            net.output(ds.getFeatures());
            net.clearLayersStates();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals("", buf.toString(StandardCharsets.UTF_8));
    }
}
