package org.isqrt4j.cpu;

/**
 * Scratch memory of one worker: grown on demand, never shrunk, reused across samples and calls so that the
 * steady state allocates nothing here. Confined to one thread at a time (the op hands it out from a pool).
 */
final class Workspace {
    /** Centred (and power-of-two scaled) X, d x n. */
    float[] xs = new float[0];
    /** Its transpose, n x d. */
    float[] xst = new float[0];
    /** Channel means of one sample, d. */
    double[] mean = new double[0];
    /** d x d scratch matrices: the iteration's T, the backward's gradients, products and transposes. */
    float[] m0 = new float[0];
    float[] m1 = new float[0];
    float[] m2 = new float[0];
    float[] m3 = new float[0];
    float[] m4 = new float[0];
    float[] m5 = new float[0];
    float[] m6 = new float[0];
    float[] m7 = new float[0];
    float[] m8 = new float[0];
    /** &lt;G, Y_K&gt; of the gradient last given to {@code Engine.newtonSchulzBackwardSymmetric}, left there by it. */
    double traceTerm;

    /**
     * @param d channels
     * @param n positions, 0 when no d x n matrix is needed
     */
    void ensure(int d, int n) {
        int dd = d * d;
        int dn = d * n;
        if (m0.length < dd) {
            m0 = new float[dd];
            m1 = new float[dd];
            m2 = new float[dd];
            m3 = new float[dd];
            m4 = new float[dd];
            m5 = new float[dd];
            m6 = new float[dd];
            m7 = new float[dd];
            m8 = new float[dd];
        }
        if (mean.length < d) {
            mean = new double[d];
        }
        if (xs.length < dn) {
            xs = new float[dn];
            xst = new float[dn];
        }
    }
}
