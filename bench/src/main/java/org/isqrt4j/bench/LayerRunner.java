package org.isqrt4j.bench;

/**
 * What the layer benchmark times: one back-end or baseline bound to a shape (B, d, n, K), full output layout.
 * The forward keeps what the backward needs; {@link #backward} uses the state of the latest {@link #forward}.
 * Not thread-safe: one benchmark thread drives it (a runner may use its own worker threads inside).
 */
public interface LayerRunner extends AutoCloseable {

    /** @return a description for the report, e.g. the back-end's {@code name()} or the baseline's variant */
    String describe();

    /**
     * @param x   input, B*d*n floats
     * @param out output C, B*d*d floats
     */
    void forward(float[] x, float[] out);

    /**
     * @param gradOut dL/dC, B*d*d floats
     * @param gradX   output dL/dX, B*d*n floats
     */
    void backward(float[] gradOut, float[] gradX);

    /** Releases pools, native memory and device contexts. */
    @Override
    void close();
}
