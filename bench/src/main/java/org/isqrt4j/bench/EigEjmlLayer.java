package org.isqrt4j.bench;

/**
 * Baseline {@code eig-ejml}: the eigendecomposition route of MPN-COV with EJML, batch-parallel on the benchmark's
 * pool size. Per sample: Xc = X minus the channel means; Sigma = Xc Xc^T / n (EJML product);
 * Sigma = V L V^T (EJML symmetric QR eigendecomposition); C = V sqrt(max(L, 0)) V^T. Backward by the
 * Daleckii-Krein formula for f = sqrt: with Gs = (G + G^T)/2 (C is symmetric, so only the symmetric part of G
 * reaches it), dL/dSigma = V ((V^T Gs V) o Kf) V^T, Kf_ij = (f_i - f_j)/(l_i - l_j) = 1/(f_i + f_j); then
 * dL/dX = 2 dL/dSigma Xc / n.
 *
 * <p>This is the true square root, not K Newton-Schulz steps: it is the reference point the iSQRT paper compares
 * against, so it is checked against {@code ReferenceMath.sqrtExact} rather than the K-step layer. The square root
 * has an unbounded derivative at zero eigenvalues (rank-deficient Sigma, n &lt; d), so the backward floors the
 * eigenvalues at {@link #floor} times the largest one in Kf only, as MPN-COV implementations do; the forward is
 * exact.
 *
 * <p>Two precisions: {@link Precision#F64} (EJML ddense) and {@link Precision#F32} (EJML fdense).
 */
abstract class EigEjmlLayer implements LayerRunner {

    /** Working precision of the baseline. */
    enum Precision {
        /** float32 throughout (EJML fdense). */
        F32,
        /** float64 throughout (EJML ddense). */
        F64
    }

    /**
     * The precision the plain {@code eig-ejml} id uses: the faster of the two. Interleaved timing
     * ({@code bench/run.sh --choices}, issue batch sizes, 2 threads, 15 rounds) put float32 ahead on W1-W3 in both
     * modes by 3 % to 17 % (median per-round ratio), ahead in 9 to 15 rounds of 15.
     */
    static final Precision DEFAULT = Precision.F32;

    final int batch;
    final int d;
    final int n;
    final int threads;
    private final BatchPool pool;

    EigEjmlLayer(int threads, int batch, int d, int n) {
        this.batch = batch;
        this.d = d;
        this.n = n;
        this.threads = threads;
        this.pool = new BatchPool(threads);
    }

    /**
     * @param precision working precision
     * @param threads   pool size
     * @param batch     B
     * @param d         channels
     * @param n         positions
     * @return the baseline
     */
    static EigEjmlLayer create(Precision precision, int threads, int batch, int d, int n) {
        return precision == Precision.F64 ? new EigEjmlF64(threads, batch, d, n) : new EigEjmlF32(threads, batch, d, n);
    }

    /** Relative eigenvalue floor of the backward: a little above the precision's rounding of Sigma. */
    abstract double floor();

    abstract void forwardSample(int worker, int sample, float[] x, float[] out);

    abstract void backwardSample(int worker, int sample, float[] gradOut, float[] gradX);

    @Override
    public void forward(float[] x, float[] out) {
        pool.forEach(batch, (w, s) -> forwardSample(w, s, x, out));
    }

    @Override
    public void backward(float[] gradOut, float[] gradX) {
        pool.forEach(batch, (w, s) -> backwardSample(w, s, gradOut, gradX));
    }

    @Override
    public void close() {
        pool.close();
    }
}
