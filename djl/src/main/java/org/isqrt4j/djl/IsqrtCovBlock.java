package org.isqrt4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * The iSQRT-COV layer (global covariance pooling, then the normalised matrix square root by K coupled
 * Newton-Schulz steps) as a DJL block, computed by an isqrt4j back-end in float32, forward and backward.
 *
 * <h2>Shapes</h2>
 * Input: one float32 array of shape (B, C, H, W) (a feature map; n = H*W positions) or (B, C, N). Output, per
 * sample the C x C matrix sqrt(tr Sigma) NS_K(Sigma / tr Sigma): (B, C, C) for {@link OutputLayout#FULL}, or the
 * upper triangle row by row, (B, C(C+1)/2), for {@link OutputLayout#TRIU} (ready for a {@code Linear} head). The
 * block has no parameters.
 *
 * <h2>Training</h2>
 * DJL has no custom autograd function, so a training forward (one inside a
 * gradient collector, so that the engine records the graph) returns C as a fresh leaf that collects dL/dC, and remembers (X, handle). After the engine's
 * backward, the library's backward turns dL/dC into dL/dX, which is injected into the graph below. Train with
 * {@link IsqrtTraining#trainBatch} / {@link IsqrtTraining#fit}, or in a loop of your own inside an
 * {@link IsqrtTraining.Step}; a training forward outside a step throws {@link IllegalStateException}, because
 * the layers below would silently stay untrained. Outside a gradient collector (inference, evaluation) the block is
 * one plain forward.
 *
 * <h2>Errors</h2>
 * Input of another rank or type throws {@link IllegalArgumentException}; non-finite values and other bad input
 * give the library's {@link IllegalArgumentException} (see {@link MatrixSqrtOp}).
 *
 * <p>The back-end op may be shared by threads (the shipped ones allow it); {@link #close()} releases it if the
 * block created it.
 */
public final class IsqrtCovBlock extends AbstractBlock implements AutoCloseable {
    private static final byte VERSION = 1;

    private final SqrtOptions options;
    private final MatrixSqrtOp op;
    private final boolean ownsOp;

    private IsqrtCovBlock(SqrtOptions options, MatrixSqrtOp op, boolean ownsOp) {
        super(VERSION);
        this.options = options;
        this.op = op;
        this.ownsOp = ownsOp;
    }

    /**
     * Returns a builder with the library's defaults: K = 5, FULL output, the best available back-end.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the options: K and the output layout.
     *
     * @return the options: K and the output layout
     */
    public SqrtOptions options() {
        return options;
    }

    /**
     * Returns the back-end op that computes the layer.
     *
     * @return the back-end op that computes the layer
     */
    public MatrixSqrtOp op() {
        return op;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs == null || inputs.size() != 1) {
            throw new IllegalArgumentException("IsqrtCovBlock takes one input array, got "
                    + (inputs == null ? "null" : inputs.size()));
        }
        NDArray x = inputs.get(0);
        Shape s = x.getShape();
        int[] bdn = dims(s);
        if (x.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("IsqrtCovBlock computes in float32; got input of type "
                    + x.getDataType() + " (convert it with toType(DataType.FLOAT32, false))");
        }
        boolean needsGradient = training && recording(x);
        IsqrtTraining.Step step = Pending.current();
        if (needsGradient && step == null) {
            throw new IllegalStateException("IsqrtCovBlock: a training forward whose input requires a gradient ran"
                    + " outside an IsqrtTraining.Step; the engine's backward alone would leave every layer below this"
                    + " block untrained. Train with IsqrtTraining.trainBatch / IsqrtTraining.fit instead of EasyTrain,"
                    + " or open IsqrtTraining.begin(collector) and call step.backward(loss)");
        }
        ForwardHandle h = op.forward(bdn[0], bdn[1], bdn[2], options, x.toFloatArray());
        NDArray c;
        try {
            c = x.getManager().create(h.output(), outputShape(bdn[0], bdn[1]));
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        if (needsGradient) {
            c.setRequiresGradient(true);
            step.add(new Pending(this, x, c, h));
        } else {
            h.close();
        }
        return new NDList(c);
    }

    /**
     * Whether the engine records the autograd graph now. On PyTorch that is its grad mode (on inside a gradient
     * collector); {@code hasGradient()} is no help there, it answers false for every array that is not a leaf.
     * Other engines: assume it records.
     */
    private static boolean recording(NDArray x) {
        if (x instanceof PtNDArray) {
            return JniUtils.isGradMode();
        }
        return true;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        if (inputShapes == null || inputShapes.length != 1) {
            throw new IllegalArgumentException("IsqrtCovBlock takes one input, got "
                    + (inputShapes == null ? "null" : inputShapes.length) + " shapes");
        }
        int[] bdn = dims(inputShapes[0]);
        return new Shape[] {outputShape(bdn[0], bdn[1])};
    }

    private Shape outputShape(long batch, int d) {
        return options.layout() == OutputLayout.FULL ? new Shape(batch, d, d)
                : new Shape(batch, options.layout().elements(d));
    }

    /**
     * @param s (B, C, H, W) or (B, C, N)
     * @return {B, d, n}
     */
    private static int[] dims(Shape s) {
        if (s == null || (s.dimension() != 3 && s.dimension() != 4)) {
            throw new IllegalArgumentException("IsqrtCovBlock needs input (B, C, H, W) or (B, C, N), got " + s);
        }
        long n = s.dimension() == 4 ? s.get(2) * s.get(3) : s.get(2);
        long b = s.get(0);
        long d = s.get(1);
        if (b < 1 || d < 1 || n < 1 || b > Integer.MAX_VALUE || d > Integer.MAX_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("IsqrtCovBlock needs B, C and positions in 1.." + Integer.MAX_VALUE
                    + ", got shape " + s);
        }
        return new int[] {(int) b, (int) d, (int) n};
    }

    /** Closes the back-end op if this block created it (not an op passed to {@link Builder#op}). Idempotent. */
    @Override
    public void close() {
        if (ownsOp) {
            op.close();
        }
    }

    @Override
    public String toString() {
        return "IsqrtCov(K=" + options.iterations() + ", " + options.layout() + ", " + op.name() + ")";
    }

    /** Builds an {@link IsqrtCovBlock}. Not thread-safe. */
    public static final class Builder {
        private int iterations = SqrtOptions.DEFAULT_ITERATIONS;
        private OutputLayout layout = OutputLayout.FULL;
        private String backend;
        private MatrixSqrtOp op;

        private Builder() {
        }

        /**
         * Sets K, the number of Newton-Schulz iterations (default 5).
         *
         * @param k at least 1
         * @return this builder
         */
        public Builder iterations(int k) {
            this.iterations = k;
            return this;
        }

        /**
         * Sets the output layout (default {@link OutputLayout#FULL}).
         *
         * @param l FULL: (B, C, C); TRIU: (B, C(C+1)/2)
         * @return this builder
         */
        public Builder layout(OutputLayout l) {
            this.layout = l;
            return this;
        }

        /**
         * Selects a back-end by its provider id ({@code cpu-vector}, {@code cpu-scalar}, {@code opencl},
         * {@code reference}); by default {@link MatrixSqrtOps#load()} picks the best available one.
         *
         * @param id a provider id
         * @return this builder
         */
        public Builder backend(String id) {
            this.backend = id;
            return this;
        }

        /**
         * Uses this op (not closed by the block) instead of loading a back-end.
         *
         * @param existing an open op
         * @return this builder
         */
        public Builder op(MatrixSqrtOp existing) {
            this.op = existing;
            return this;
        }

        /**
         * Returns the block.
         *
         * @return the block
         * @throws IllegalArgumentException if K &lt; 1, the layout is null, or both a back-end id and an op were set
         * @throws org.isqrt4j.api.Isqrt4jException if the back-end cannot be loaded
         */
        public IsqrtCovBlock build() {
            SqrtOptions o = SqrtOptions.of(iterations, layout);
            if (op != null && backend != null) {
                throw new IllegalArgumentException("set either a back-end id or an op, not both");
            }
            if (op != null) {
                return new IsqrtCovBlock(o, op, false);
            }
            return new IsqrtCovBlock(o, backend == null ? MatrixSqrtOps.load() : MatrixSqrtOps.load(backend), true);
        }
    }
}
