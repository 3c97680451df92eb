package org.isqrt4j.dl4j;

import java.util.Arrays;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.SqrtOptions;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The run-time iSQRT-COV layer that {@link IsqrtCovLayer} instantiates: {@link #activate} runs isqrt4j's forward,
 * {@link #backpropGradient} its hand-derived backward. Not thread-safe (as every DL4J layer).
 *
 * <h2>Memory</h2>
 * The input is copied (converted to float32 and, for NHWC / NWC input, transposed to channels-first) into a float
 * array the layer owns, because isqrt4j's forward handle keeps a reference to its input until the backward, and
 * DL4J reuses workspace memory between the forward and later iterations. The output and the returned epsilon are
 * created through the workspace manager ({@link ArrayType#ACTIVATIONS}, {@link ArrayType#ACTIVATION_GRAD}) in the
 * network's data type. The forward handle is kept only after a training-mode forward; the next forward or
 * {@link #clear()} closes it, an inference forward closes it at once. The layer's heap buffers are reused between
 * iterations and grow to the largest mini-batch seen.
 *
 * <h2>Errors</h2>
 * Input that is not rank 3 or 4, a channel count that differs from the configured input type, a mask array, an
 * epsilon of the wrong shape, and isqrt4j's own checks (NaN or infinity in the input or the incoming gradient,
 * naming the sample) throw {@link IllegalArgumentException} (or {@link UnsupportedOperationException} for masks)
 * with the layer's name and index in the message.
 */
public class IsqrtCovLayerImpl extends AbstractLayer<IsqrtCovLayer> {
    private static final long serialVersionUID = 1L;

    private transient ForwardHandle handle;
    /** The input array (object identity) the handle was computed from. */
    private transient INDArray handleInput;
    private transient float[] xBuf;
    private transient float[] outBuf;
    private transient float[] gradOutBuf;
    private transient float[] gradXBuf;

    /**
     * Creates the layer (called by {@link IsqrtCovLayer#instantiate}).
     *
     * @param conf     the layer's configuration
     * @param dataType the network's data type
     */
    public IsqrtCovLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // No parameters.
    }

    @Override
    public Type type() {
        return Type.SUBSAMPLING;
    }

    @Override
    public Layer clone() {
        return new IsqrtCovLayerImpl(conf, dataType);
    }

    /** The (B, d, n) view of the input, channels first, and its sizes. */
    private static final class Shape3 {
        final INDArray ncn;
        final int batch;
        final int d;
        final int n;

        Shape3(INDArray ncn, int batch, int d, int n) {
            this.ncn = ncn;
            this.batch = batch;
            this.d = d;
            this.n = n;
        }
    }

    private Shape3 shapeOfInput() {
        IsqrtCovLayer c = layerConf();
        INDArray in = input;
        long b;
        long d;
        long n;
        if (in.rank() == 4) {
            if (c.getCnn2dFormat() == CNN2DFormat.NHWC) {
                in = in.permute(0, 3, 1, 2);
            }
            b = in.size(0);
            d = in.size(1);
            n = in.size(2) * in.size(3);
        } else if (in.rank() == 3) {
            if (c.getRnnFormat() == RNNFormat.NWC) {
                in = in.permute(0, 2, 1);
            }
            b = in.size(0);
            d = in.size(1);
            n = in.size(2);
        } else {
            throw new IllegalArgumentException(layerId() + " expects CNN input (B, C, H, W) or recurrent input (B, C, T);"
                    + " got rank " + input.rank() + " input of shape " + Arrays.toString(input.shape()));
        }
        if (c.getChannels() > 0 && d != c.getChannels()) {
            throw new IllegalArgumentException(layerId() + ": the network was configured for " + c.getChannels()
                    + " input channels, got " + d + " (input shape " + Arrays.toString(input.shape()) + ", "
                    + (input.rank() == 4 ? c.getCnn2dFormat() : c.getRnnFormat()) + ")");
        }
        if (b < 1 || d < 1 || n < 1 || b * d * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(layerId() + ": need a non-empty input of at most " + Integer.MAX_VALUE
                    + " elements, got shape " + Arrays.toString(input.shape()));
        }
        return new Shape3(in, (int) b, (int) d, (int) n);
    }

    private static float[] ensure(float[] buf, int len) {
        return buf != null && buf.length >= len ? buf : new float[len];
    }

    private MatrixSqrtOp op() {
        try {
            return SharedOps.get(layerConf().getBackend());
        } catch (Isqrt4jException e) {
            throw new Isqrt4jException(layerId() + ": " + e.getMessage(), e);
        }
    }

    private void closeHandle() {
        if (handle != null) {
            handle.close();
            handle = null;
        }
        handleInput = null;
    }

    /**
     * Copies the input and runs the forward into {@link #outBuf}.
     *
     * @return the handle (open)
     */
    private ForwardHandle forward(LayerWorkspaceMgr workspaceMgr) {
        closeHandle();
        if (maskArray != null) {
            throw new UnsupportedOperationException(layerId() + " does not support mask arrays (got a mask of shape "
                    + Arrays.toString(maskArray.shape()) + ")");
        }
        Shape3 s = shapeOfInput();
        SqrtOptions options = layerConf().toSqrtOptions();
        int len = s.batch * s.d * s.n;
        int outLen = Math.multiplyExact(s.batch, options.layout().elements(s.d));
        xBuf = ensure(xBuf, len);
        outBuf = ensure(outBuf, outLen);
        Nd4jFloats.read(s.ncn, xBuf, workspaceMgr, ArrayType.FF_WORKING_MEM);
        MatrixSqrtOp op = op();
        try {
            return op.forward(s.batch, s.d, s.n, options, xBuf, 0, outBuf, 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layerId() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates an array of the network's data type through the workspace manager and fills it from src.
     */
    private INDArray create(float[] src, ArrayType type, ArrayType work, LayerWorkspaceMgr mgr, long... shape) {
        if (dataType == DataType.FLOAT || dataType == DataType.DOUBLE) {
            INDArray a = mgr.createUninitialized(type, dataType, shape, 'c');
            Nd4jFloats.write(src, a);
            return a;
        }
        INDArray f = mgr.createUninitialized(work, DataType.FLOAT, shape, 'c');
        Nd4jFloats.write(src, f);
        return mgr.castTo(type, dataType, f, false);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        ForwardHandle h = forward(workspaceMgr);
        INDArray out;
        try {
            int elements = h.options().layout().elements(h.d());
            out = create(outBuf, ArrayType.ACTIVATIONS, ArrayType.FF_WORKING_MEM, workspaceMgr, h.batch(), elements);
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        if (training) {
            handle = h;
            handleInput = input;
        } else {
            h.close();
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (handle == null || handle.isClosed() || handleInput != input) {
            // No training-mode forward on this input (e.g. an inference forward, or a new input set since).
            handle = forward(workspaceMgr);
            handleInput = input;
        }
        int b = handle.batch();
        int d = handle.d();
        int n = handle.n();
        int elements = handle.options().layout().elements(d);
        if (epsilon == null || epsilon.rank() != 2 || epsilon.size(0) != b || epsilon.size(1) != elements) {
            throw new IllegalArgumentException(layerId() + ": epsilon must have shape [" + b + ", " + elements
                    + "], got " + (epsilon == null ? "null" : Arrays.toString(epsilon.shape())));
        }
        gradOutBuf = ensure(gradOutBuf, b * elements);
        gradXBuf = ensure(gradXBuf, b * d * n);
        Nd4jFloats.read(epsilon, gradOutBuf, workspaceMgr, ArrayType.BP_WORKING_MEM);
        try {
            op().backward(handle, gradOutBuf, 0, gradXBuf, 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layerId() + ": " + e.getMessage(), e);
        }
        INDArray eps;
        IsqrtCovLayer c = layerConf();
        boolean channelsLast = input.rank() == 4 ? c.getCnn2dFormat() == CNN2DFormat.NHWC
                : c.getRnnFormat() == RNNFormat.NWC;
        if (!channelsLast) {
            eps = create(gradXBuf, ArrayType.ACTIVATION_GRAD, ArrayType.BP_WORKING_MEM, workspaceMgr, input.shape());
        } else {
            long[] shape = input.shape();
            long[] ncShape = input.rank() == 4 ? new long[] {shape[0], shape[3], shape[1], shape[2]}
                    : new long[] {shape[0], shape[2], shape[1]};
            INDArray nc = create(gradXBuf, ArrayType.BP_WORKING_MEM, ArrayType.BP_WORKING_MEM, workspaceMgr, ncShape);
            eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, shape, 'c');
            eps.assign(input.rank() == 4 ? nc.permute(0, 2, 3, 1) : nc.permute(0, 2, 1));
        }
        eps = backpropDropOutIfPresent(eps);
        return new Pair<>(new DefaultGradient(), eps);
    }

    /** Closes the forward handle, then clears input and mask as every layer does. */
    @Override
    public void clear() {
        closeHandle();
        super.clear();
    }

    /** Closes the forward handle; the shared isqrt4j op stays open for other layers. */
    @Override
    public void close() {
        closeHandle();
    }

    /**
     * Returns whether a forward handle is held (after a training-mode forward, until the next forward or clear).
     *
     * @return whether a forward handle is held
     */
    public boolean holdsForwardHandle() {
        return handle != null && !handle.isClosed();
    }

    /**
     * Returns the forward handle held for the backward, or null (for tests).
     *
     * @return the handle, or null
     */
    ForwardHandle handle() {
        return handle;
    }

    /**
     * Returns the name of the isqrt4j back-end this layer runs, e.g. {@code cpu-vector[512-bit]}.
     *
     * @return the back-end's name
     */
    public String backendName() {
        return op().name();
    }
}
