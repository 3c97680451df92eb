package org.isqrt4j.examples;

/**
 * Labelled samples in the layout the layer expects: sample-major, each sample a channels x positions matrix stored
 * row by row, {@code features[((s * channels) + c) * positions + p]}.
 *
 * @param count     number of samples
 * @param channels  channels per position
 * @param positions positions per sample (h*w of a feature map)
 * @param features  count*channels*positions floats
 * @param labels    count class indices
 */
public record DataSet(int count, int channels, int positions, float[] features, int[] labels) {

    /**
     * Checks that the arrays match the shape.
     *
     * @param count     number of samples
     * @param channels  channels per position
     * @param positions positions per sample
     * @param features  the samples, count*channels*positions floats
     * @param labels    the classes, count entries
     */
    public DataSet {
        if (count < 0 || channels < 1 || positions < 1) {
            throw new IllegalArgumentException("bad shape: count=" + count + " channels=" + channels
                    + " positions=" + positions);
        }
        if (features.length != (long) count * channels * positions || labels.length != count) {
            throw new IllegalArgumentException("arrays do not match " + count + " x " + channels + " x " + positions
                    + ": features " + features.length + ", labels " + labels.length);
        }
    }

    /**
     * Returns the floats per sample, channels*positions.
     *
     * @return floats per sample, channels*positions
     */
    public int sampleSize() {
        return channels * positions;
    }

    /**
     * Copies some samples into a new, contiguous data set (a mini-batch).
     *
     * @param order sample indices
     * @param from  first entry of {@code order} to take
     * @param n     how many entries to take
     * @return the selected samples, in that order
     */
    public DataSet gather(int[] order, int from, int n) {
        int size = sampleSize();
        float[] f = new float[n * size];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int s = order[from + i];
            System.arraycopy(features, s * size, f, i * size, size);
            y[i] = labels[s];
        }
        return new DataSet(n, channels, positions, f, y);
    }
}
