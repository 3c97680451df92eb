package org.isqrt4j.dl4j;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of the iSQRT-COV pooling layer for Deeplearning4j: global covariance pooling of a feature map
 * followed by the normalised matrix square root (coupled Newton-Schulz iteration), forward and backward computed
 * by isqrt4j. It has no parameters.
 *
 * <h2>Shapes</h2>
 * <ul>
 *   <li>CNN input (B, C, H, W) ({@link CNN2DFormat#NCHW}, or NHWC, which is transposed first): d = C channels,
 *       n = H*W positions;</li>
 *   <li>recurrent input (B, C, T) ({@link RNNFormat#NCW}, or NWC): d = C, n = T time steps;</li>
 *   <li>output: feed-forward (B, d(d+1)/2) for {@link OutputLayout#TRIU}, (B, d*d) for {@link OutputLayout#FULL}.</li>
 * </ul>
 * Masks are not supported (a masked sequence would need a masked covariance): the layer rejects a mask array.
 *
 * <h2>Options</h2>
 * The library's: the number of Newton-Schulz iterations K ({@link SqrtOptions#DEFAULT_ITERATIONS} by default),
 * the output layout ({@link OutputLayout#FULL} by default, as {@link SqrtOptions#defaults()}) and the back-end, by
 * id ({@code cpu-vector}, {@code cpu-scalar}, {@code reference}, {@code opencl}) or automatic (null, the default:
 * {@link org.isqrt4j.api.MatrixSqrtOps#load()}, which honours {@code -Disqrt4j.backend}). All of them are part of
 * the JSON configuration, so a saved network restores with the same options.
 *
 * <h2>Precision</h2>
 * isqrt4j computes in float32. In a network of another data type (double, half) the layer converts its input to
 * float32 and its output and gradient back; a double network therefore sees this layer at float32 precision.
 *
 * <pre>{@code
 * .layer(new IsqrtCovLayer.Builder().iterations(5).layout(OutputLayout.TRIU).build())
 * }</pre>
 */
public class IsqrtCovLayer extends NoParamLayer {
    private static final long serialVersionUID = 1L;

    /** K, the number of Newton-Schulz iterations. */
    private int iterations = SqrtOptions.DEFAULT_ITERATIONS;
    /** The output layout. */
    private OutputLayout layout = SqrtOptions.defaults().layout();
    /** The back-end id; null for the automatic choice. */
    private String backend;
    /** The channel count of the configured input type; 0 when none was given (no check). */
    private long channels;
    /** The layout of 4D input. */
    private CNN2DFormat cnn2dFormat = CNN2DFormat.NCHW;
    /** The layout of 3D input. */
    private RNNFormat rnnFormat = RNNFormat.NCW;

    /** A layer with the default options (for JSON deserialization; prefer the {@link Builder}). */
    public IsqrtCovLayer() {
        super();
    }

    private IsqrtCovLayer(Builder builder) {
        super(builder);
        this.iterations = builder.iterations;
        this.layout = builder.layout;
        this.backend = builder.backend;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        IsqrtCovLayerImpl ret = new IsqrtCovLayerImpl(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    /**
     * Channels d of an input type this layer accepts.
     *
     * @param inputType the layer's input type
     * @return d
     * @throws IllegalArgumentException for an input type without channels and positions (feed-forward, 3D CNN)
     */
    private long channelsOf(InputType inputType) {
        if (inputType == null) {
            throw new IllegalArgumentException(describe() + ": input type must not be null");
        }
        switch (inputType.getType()) {
            case CNN:
                return ((InputType.InputTypeConvolutional) inputType).getChannels();
            case CNNFlat:
                return ((InputType.InputTypeConvolutionalFlat) inputType).getDepth();
            case RNN:
                return ((InputType.InputTypeRecurrent) inputType).getSize();
            default:
                throw new IllegalArgumentException(describe() + " pools a feature map (CNN input (B, C, H, W) or "
                        + "recurrent input (B, C, T)); got input type " + inputType);
        }
    }

    private String describe() {
        return "IsqrtCovLayer" + (layerName == null ? "" : " '" + layerName + "'");
    }

    /**
     * Returns feed-forward output of d(d+1)/2 (TRIU) or d*d (FULL) values for CNN or recurrent input with d
     * channels.
     */
    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        long d = channelsOf(inputType);
        if (d < 1 || d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(describe() + " (layer " + layerIndex + "): need 1 <= channels <= "
                    + Integer.MAX_VALUE + ", got " + d + " from input type " + inputType);
        }
        return InputType.feedForward(layout.elements((int) d));
    }

    /** Records the channel count (checked at run time) and the data format of CNN and recurrent input. */
    @Override
    public void setNIn(InputType inputType, boolean override) {
        long d = channelsOf(inputType);
        if (override || channels <= 0) {
            channels = d;
        }
        if (inputType.getType() == InputType.Type.CNN) {
            cnn2dFormat = ((InputType.InputTypeConvolutional) inputType).getFormat();
        } else if (inputType.getType() == InputType.Type.RNN) {
            rnnFormat = ((InputType.InputTypeRecurrent) inputType).getFormat();
        }
    }

    /** Flattened CNN input is reshaped to (B, C, H, W); CNN and recurrent input need no preprocessor. */
    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        if (inputType != null && inputType.getType() == InputType.Type.CNNFlat) {
            InputType.InputTypeConvolutionalFlat f = (InputType.InputTypeConvolutionalFlat) inputType;
            return new FeedForwardToCnnPreProcessor(f.getHeight(), f.getWidth(), f.getDepth());
        }
        return null;
    }

    /**
     * No parameters and no ND4J working memory; the layer's own float32 buffers (input copy, output, gradients:
     * about 2*C*n + 2*elements floats per example) live on the Java heap, not in ND4J's workspaces, and are
     * reported as working memory so that the report's totals stay honest.
     */
    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType outputType = getOutputType(-1, inputType);
        long perExampleIn = inputType.arrayElementsPerExample();
        long perExampleOut = outputType.arrayElementsPerExample();
        // float32 copies: x (kept for the backward) and C in the forward; dL/dC and dL/dX in the backward.
        long fwd = perExampleIn + perExampleOut;
        long train = 2 * (perExampleIn + perExampleOut);
        return new LayerMemoryReport.Builder(layerName, IsqrtCovLayer.class, inputType, outputType)
                .standardMemory(0, 0)
                .workingMemory(0, fwd, 0, train)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    /**
     * Returns the options this layer hands to isqrt4j (not a bean property, so not part of the JSON).
     *
     * @return K and the layout as {@link SqrtOptions}
     */
    public SqrtOptions toSqrtOptions() {
        return SqrtOptions.of(iterations, layout);
    }

    /**
     * Returns K, the number of Newton-Schulz iterations.
     *
     * @return K, the number of Newton-Schulz iterations
     */
    public int getIterations() {
        return iterations;
    }

    /**
     * Sets K (used by JSON deserialization; prefer the {@link Builder}).
     *
     * @param iterations K, at least 1
     */
    public void setIterations(int iterations) {
        this.iterations = checkIterations(iterations);
    }

    /**
     * Returns the output layout.
     *
     * @return the output layout
     */
    public OutputLayout getLayout() {
        return layout;
    }

    /**
     * Sets the output layout (used by JSON deserialization; prefer the {@link Builder}).
     *
     * @param layout FULL or TRIU
     */
    public void setLayout(OutputLayout layout) {
        this.layout = checkLayout(layout);
    }

    /**
     * Returns the back-end id, or null for the automatic choice.
     *
     * @return the back-end id, or null for the automatic choice
     */
    public String getBackend() {
        return backend;
    }

    /**
     * Sets the back-end (used by JSON deserialization; prefer the {@link Builder}).
     *
     * @param backend a back-end id, or null for the automatic choice
     */
    public void setBackend(String backend) {
        this.backend = checkBackend(backend);
    }

    /**
     * Returns the channel count d of the input type the network was configured with; 0 if none was given.
     *
     * @return the channel count d of the input type the network was configured with; 0 if none was given
     */
    public long getChannels() {
        return channels;
    }

    /**
     * Sets the expected channel count (set from the input type by DL4J; 0 disables the check).
     *
     * @param channels d, or 0
     */
    public void setChannels(long channels) {
        if (channels < 0) {
            throw new IllegalArgumentException("channels must be >= 0, got " + channels);
        }
        this.channels = channels;
    }

    /**
     * Returns the layout of 4D (CNN) input.
     *
     * @return the layout of 4D (CNN) input
     */
    public CNN2DFormat getCnn2dFormat() {
        return cnn2dFormat;
    }

    /**
     * Sets the layout of 4D (CNN) input (set from the input type by DL4J).
     *
     * @param cnn2dFormat NCHW or NHWC
     */
    public void setCnn2dFormat(CNN2DFormat cnn2dFormat) {
        this.cnn2dFormat = Objects.requireNonNull(cnn2dFormat, "cnn2dFormat");
    }

    /**
     * Returns the layout of 3D (recurrent) input.
     *
     * @return the layout of 3D (recurrent) input
     */
    public RNNFormat getRnnFormat() {
        return rnnFormat;
    }

    /**
     * Sets the layout of 3D (recurrent) input (set from the input type by DL4J).
     *
     * @param rnnFormat NCW or NWC
     */
    public void setRnnFormat(RNNFormat rnnFormat) {
        this.rnnFormat = Objects.requireNonNull(rnnFormat, "rnnFormat");
    }

    private static int checkIterations(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + k);
        }
        return k;
    }

    private static OutputLayout checkLayout(OutputLayout l) {
        if (l == null) {
            throw new IllegalArgumentException("layout must not be null");
        }
        return l;
    }

    private static String checkBackend(String id) {
        if (id != null && id.isBlank()) {
            throw new IllegalArgumentException("backend must be a back-end id or null (automatic), got a blank string");
        }
        return id == null ? null : id.trim();
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof IsqrtCovLayer) || !super.equals(o)) {
            return false;
        }
        IsqrtCovLayer other = (IsqrtCovLayer) o;
        return iterations == other.iterations && layout == other.layout && Objects.equals(backend, other.backend)
                && channels == other.channels && cnn2dFormat == other.cnn2dFormat && rnnFormat == other.rnnFormat;
    }

    /**
     * Lombok's equals of the DL4J superclass asks the other object whether it can equal this one.
     *
     * @param other the other object
     * @return whether other is an {@code IsqrtCovLayer}
     */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof IsqrtCovLayer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), iterations, layout, backend, channels, cnn2dFormat, rnnFormat);
    }

    @Override
    public String toString() {
        return "IsqrtCovLayer(name=" + layerName + ", K=" + iterations + ", layout=" + layout + ", backend="
                + (backend == null ? "automatic" : backend) + ", channels=" + channels + ")";
    }

    @Override
    public IsqrtCovLayer clone() {
        return (IsqrtCovLayer) super.clone();
    }

    /**
     * Builder in Deeplearning4j's style:
     * {@code new IsqrtCovLayer.Builder().iterations(5).layout(OutputLayout.TRIU).backend("cpu-vector").build()}.
     */
    public static class Builder extends Layer.Builder<Builder> {
        private int iterations = SqrtOptions.DEFAULT_ITERATIONS;
        private OutputLayout layout = SqrtOptions.defaults().layout();
        private String backend;

        /** A builder with the defaults: K = 5, FULL, automatic back-end. */
        public Builder() {
        }

        /**
         * Sets the number of Newton-Schulz iterations K.
         *
         * @param k K, at least 1 (default {@value SqrtOptions#DEFAULT_ITERATIONS})
         * @return this builder
         * @throws IllegalArgumentException if k &lt; 1
         */
        public Builder iterations(int k) {
            this.iterations = checkIterations(k);
            return this;
        }

        /**
         * Sets the output layout.
         *
         * @param layout FULL (d*d values per example, the default) or TRIU (d(d+1)/2)
         * @return this builder
         * @throws IllegalArgumentException if layout is null
         */
        public Builder layout(OutputLayout layout) {
            this.layout = checkLayout(layout);
            return this;
        }

        /**
         * Sets K and the layout from the library's options.
         *
         * @param options K and layout
         * @return this builder
         */
        public Builder options(SqrtOptions options) {
            if (options == null) {
                throw new IllegalArgumentException("options must not be null");
            }
            this.iterations = options.iterations();
            this.layout = options.layout();
            return this;
        }

        /**
         * Chooses the back-end by id.
         *
         * @param id e.g. {@code cpu-vector}, {@code cpu-scalar}, {@code reference}, {@code opencl}; null for the
         *           automatic choice (the default)
         * @return this builder
         * @throws IllegalArgumentException if id is blank
         */
        public Builder backend(String id) {
            this.backend = checkBackend(id);
            return this;
        }

        /**
         * Chooses the back-end automatically (the default): the one {@code -Disqrt4j.backend} names, else the best
         * available.
         *
         * @return this builder
         */
        public Builder automaticBackend() {
            this.backend = null;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public IsqrtCovLayer build() {
            return new IsqrtCovLayer(this);
        }
    }
}
