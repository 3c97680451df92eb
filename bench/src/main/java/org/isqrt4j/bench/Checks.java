package org.isqrt4j.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.isqrt4j.reference.ReferenceMath;

/**
 * Benchmark data and the one-time correctness check of every benchmark against the float64 reference.
 *
 * <p>Data are deterministic per sample (the seed depends on the sample index, not on B), so reference results are
 * shared between contenders and forks: they are kept in memory and, when the system property
 * {@value #WORK_PROPERTY} names a folder, on disk under {@code refcache/}. Each check's outcome goes to the
 * runner as a {@link Trial} record.
 *
 * <p>Thresholds ({@link #limitPct}): float32 rounding of the K-step layer stays near 1e-4 % of the reference up to
 * d = 256 and grows slowly with d, while plausible bugs (an operand order swapped in one backward term, a missing
 * factor 1/2) give 0.5 % to 100 %: {@link #FAIL_PCT} = 0.05 % sits between the two. A float32 eigendecomposition of a
 * rank-deficient Sigma is different: the square root lifts the rounding of its zero eigenvalues, about
 * sqrt(6e-8 lambda_max) each, to a visible error, so {@code eig-ejml} in float32 is allowed
 * {@link #FAIL_PCT_EIG_F32} = 1 %. The precision bounds themselves belong to the property tests.
 */
final class Checks {
    /** System property: the folder for trial records and the reference cache. */
    static final String WORK_PROPERTY = "isqrt4j.bench.work";
    /** A benchmark whose relative Frobenius error exceeds this many percent fails. */
    static final double FAIL_PCT = 0.05;
    /** The limit of the float32 eigendecomposition baseline (see the class comment). */
    static final double FAIL_PCT_EIG_F32 = 1.0;
    /** Newton-Schulz steps after which p_K equals sqrt to double rounding on the eig-ejml check data. */
    static final int EXACT_K = 40;

    private static final long SEED = 0x15C0_7A11L;
    private static final Map<String, double[]> MEMO = new ConcurrentHashMap<>();

    private Checks() {
    }

    // ------------------------------------------------------------------------------------ data

    /**
     * @param batch samples  @param d channels  @param n positions  @param salt separates data sets
     * @return B*d*n standard-normal floats, sample b drawn from a seed that depends on (d, n, salt, b) only
     */
    static float[] input(int batch, int d, int n, long salt) {
        float[] x = new float[batch * d * n];
        for (int b = 0; b < batch; b++) {
            Random r = new Random(SEED ^ (salt * 0x9E3779B97F4A7C15L) ^ ((long) d << 40) ^ ((long) n << 20) ^ b);
            for (int i = 0; i < d * n; i++) {
                x[b * d * n + i] = (float) r.nextGaussian();
            }
        }
        return x;
    }

    /**
     * @param batch samples  @param d channels  @param salt separates data sets
     * @return B symmetric d x d incoming gradients with standard-normal entries
     */
    static float[] gradient(int batch, int d, long salt) {
        float[] g = new float[batch * d * d];
        for (int b = 0; b < batch; b++) {
            Random r = new Random(~SEED ^ (salt * 0x9E3779B97F4A7C15L) ^ ((long) d << 40) ^ b);
            int o = b * d * d;
            for (int i = 0; i < d; i++) {
                for (int j = i; j < d; j++) {
                    float v = (float) r.nextGaussian();
                    g[o + i * d + j] = v;
                    g[o + j * d + i] = v;
                }
            }
        }
        return g;
    }

    static double[] sample(float[] a, int b, int size) {
        double[] s = new double[size];
        for (int i = 0; i < size; i++) {
            s[i] = a[b * size + i];
        }
        return s;
    }

    // ------------------------------------------------------------------------------------ checks

    /**
     * Runs the contender once on the benchmark data (forward, and backward in {@code forward+backward} mode) and
     * compares samples 0 and B-1 with the reference; for the eigendecomposition baselines also checks the
     * backward on full-rank data against the K = {@value #EXACT_K} reference (see {@link EigEjmlLayer}).
     *
     * @return the largest relative Frobenius error in percent
     */
    static double verify(String id, LayerRunner runner, int threads, int batch, int d, int n, int k, boolean backward,
                         float[] x, float[] g) {
        float[] out = new float[batch * d * d];
        float[] gx = new float[batch * d * n];
        runner.forward(x, out);
        if (backward) {
            runner.backward(g, gx);
        }
        boolean eig = Backends.isEig(id);
        double worst = 0;
        int[] samples = batch > 1 ? new int[] {0, batch - 1} : new int[] {0};
        double[] num = new double[2];
        double[] den = new double[2];
        for (int b : samples) {
            String key = key(d, n, 0, b);
            double[] xb = sample(x, b, d * n);
            double[] cRef = eig
                    ? cached("sqrt-" + key, () -> ReferenceMath.sqrtExact(ReferenceMath.covariance(xb, d, n), d))
                    : cached("fwd-k" + k + "-" + key, () -> ReferenceMath.layerForward(xb, d, n, k));
            accumulate(out, b * d * d, cRef, num, den, 0);
            if (backward && !eig) {
                double[] gb = sample(g, b, d * d);
                double[] gxRef = cached("bwd-k" + k + "-" + key, () -> ReferenceMath.layerBackward(xb, d, n, k, gb));
                accumulate(gx, b * d * n, gxRef, num, den, 1);
            }
        }
        worst = Math.max(worst, pct(num[0], den[0]));
        if (backward && !eig) {
            worst = Math.max(worst, pct(num[1], den[1]));
        }
        if (backward && eig) {
            worst = Math.max(worst, verifyEigFullRank(id, threads, d));
        }
        double limit = limitPct(id);
        if (!(worst <= limit)) { // NaN fails too
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s is wrong on d=%d n=%d K=%d: relative error %.4g %% against the float64 reference (limit %.2g %%)",
                    id, d, n, k, worst, limit));
        }
        return worst;
    }

    /**
     * @param id contender id
     * @return the largest relative error, in percent, that the contender may show
     */
    static double limitPct(String id) {
        boolean f32 = id.equals("eig-ejml-f32")
                || (id.equals(Backends.EIG) && EigEjmlLayer.DEFAULT == EigEjmlLayer.Precision.F32);
        return f32 ? FAIL_PCT_EIG_F32 : FAIL_PCT;
    }

    /** The eig baselines' backward on two full-rank samples (n = 2d + 16), where sqrt is differentiable. */
    private static double verifyEigFullRank(String id, int threads, int d) {
        int batch = 2;
        int n = 2 * d + 16;
        float[] x = input(batch, d, n, 7);
        float[] g = gradient(batch, d, 7);
        float[] out = new float[batch * d * d];
        float[] gx = new float[batch * d * n];
        try (LayerRunner r = Backends.create(id, threads, batch, d, n, EXACT_K)) {
            r.forward(x, out);
            r.backward(g, gx);
        }
        double[] num = new double[2];
        double[] den = new double[2];
        for (int b = 0; b < batch; b++) {
            String key = key(d, n, 7, b);
            double[] xb = sample(x, b, d * n);
            double[] gb = sample(g, b, d * d);
            accumulate(out, b * d * d, cached("fwd-k" + EXACT_K + "-" + key,
                    () -> ReferenceMath.layerForward(xb, d, n, EXACT_K)), num, den, 0);
            accumulate(gx, b * d * n, cached("bwd-k" + EXACT_K + "-" + key,
                    () -> ReferenceMath.layerBackward(xb, d, n, EXACT_K, gb)), num, den, 1);
        }
        return Math.max(pct(num[0], den[0]), pct(num[1], den[1]));
    }

    private static void accumulate(float[] got, int off, double[] ref, double[] num, double[] den, int slot) {
        for (int i = 0; i < ref.length; i++) {
            double e = got[off + i] - ref[i];
            num[slot] += e * e;
            den[slot] += ref[i] * ref[i];
        }
    }

    private static double pct(double num, double den) {
        if (den == 0) {
            return num == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return 100 * Math.sqrt(num / den);
    }

    private static String key(int d, int n, long salt, int b) {
        return "d" + d + "-n" + n + "-s" + salt + "-b" + b;
    }

    // ------------------------------------------------------------------------------------ reference cache

    private static double[] cached(String key, Supplier<double[]> compute) {
        return MEMO.computeIfAbsent(key, kk -> {
            Path dir = workDir();
            Path file = dir == null ? null : dir.resolve("refcache").resolve(kk + ".bin");
            if (file != null && Files.isRegularFile(file)) {
                try {
                    return read(file);
                } catch (IOException e) {
                    // A torn file from a killed fork: recompute.
                }
            }
            double[] v = compute.get();
            if (file != null) {
                try {
                    write(file, v);
                } catch (IOException e) {
                    // The cache is an optimisation; the check itself has its value.
                }
            }
            return v;
        });
    }

    private static double[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file);
             DataInputStream din = new DataInputStream(new BufferedInputStream(in, 1 << 16))) {
            int len = din.readInt();
            double[] v = new double[len];
            for (int i = 0; i < len; i++) {
                v[i] = din.readDouble();
            }
            return v;
        }
    }

    private static void write(Path file, double[] v) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), "ref", ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp);
             DataOutputStream dout = new DataOutputStream(new BufferedOutputStream(out, 1 << 16))) {
            dout.writeInt(v.length);
            for (double x : v) {
                dout.writeDouble(x);
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** @return the work folder named by {@value #WORK_PROPERTY}, or null */
    static Path workDir() {
        String p = System.getProperty(WORK_PROPERTY);
        return p == null || p.isBlank() ? null : Paths.get(p);
    }
}
