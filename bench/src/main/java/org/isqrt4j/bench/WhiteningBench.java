package org.isqrt4j.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.factory.DecompositionFactory_FDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F32;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * The whitening benchmark of issue 15, side by side in one run (in-process, warmed up, no JMH):
 * <ul>
 *   <li>IW: an IterNorm-shaped workload, ZCA whitening of 8 channel groups of d = 64 over n = 32*14*14 positions
 *       (B = 8 samples of (64, 6272)), forward and forward+backward: isqrt4j (INV_SQRT, K = 5, eps = 1e-5, as
 *       IterNorm's T = 5) against an eigendecomposition route in EJML float32 (decorrelated batch normalisation:
 *       Sigma = V L V^T, W = V (L + eps)^(-1/2) V^T Xc, backward by the Daleckii-Krein formula);</li>
 *   <li>LI: the iSQRT-COV layer (B = 32, d = 256, n = 196) with INV_SQRT against the default SQRT, forward+backward.</li>
 * </ul>
 * Usage: {@code WhiteningBench [--threads T] [--reps R] [--backend cpu-vector] [--out FILE.md] [--small]}.
 * Times are the median of R timed rounds after max(3, R) warm-up rounds, round robin over the contenders;
 * samples/s = B / time.
 */
public final class WhiteningBench {
    private WhiteningBench() {
    }

    /** One measured row. */
    record Row(String workload, String contender, String pass, double seconds, int batch) {
        double samplesPerSecond() {
            return batch / seconds;
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param args see the class comment
     * @throws Exception on a failed measurement or an unwritable output
     */
    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        int reps = 5;
        String backend = "cpu-vector";
        Path out = null;
        boolean small = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--backend" -> backend = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--small" -> small = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.setProperty("isqrt4j.cpu.threads", Integer.toString(threads));
        List<Row> rows = run(backend, threads, reps, small);
        String md = markdown(rows, backend, threads, reps);
        System.out.print(md);
        if (out != null) {
            Files.writeString(out, md, StandardCharsets.UTF_8);
        }
    }

    /**
     * Measures every row.
     *
     * @param backend the isqrt4j back-end
     * @param threads threads of both contenders
     * @param reps    warm-up and timed repetitions
     * @param small   shrink the shapes (for a smoke test)
     * @return the rows
     * @throws Exception on failure
     */
    static List<Row> run(String backend, int threads, int reps, boolean small) throws Exception {
        int bw = 8;
        int dw = small ? 16 : 64;
        int nw = small ? 98 : 32 * 14 * 14;
        int bl = small ? 4 : 32;
        int dl = small ? 32 : 256;
        int nl = small ? 49 : 196;
        List<String[]> meta = new ArrayList<>();
        List<Integer> batches = new ArrayList<>();
        List<Body> bodies = new ArrayList<>();
        SqrtOptions whiten = SqrtOptions.of(5, OutputLayout.FULL).withRoot(SqrtOptions.Root.INV_SQRT).withEpsilon(1e-5);
        float[] xw = data(bw, dw, nw, 1);
        float[] gw = data(bw, dw, nw, 2);
        float[] xl = data(bl, dl, nl, 3);
        float[] gl = data(bl, dl, dl, 4);
        try (MatrixSqrtOp op = MatrixSqrtOps.load(backend);
             EigWhitening eig = new EigWhitening(threads, bw, dw, nw, 1e-5f)) {
            String name = "isqrt4j " + op.name();
            String eigName = "EJML eig float32 x" + threads;
            float[] w = new float[xw.length];
            float[] gx = new float[xw.length];
            add(meta, batches, bodies, "IW", name, "forward", bw, () -> op.whitenForward(bw, dw, nw, whiten, xw).close());
            add(meta, batches, bodies, "IW", eigName, "forward", bw, () -> eig.forward(xw, w));
            add(meta, batches, bodies, "IW", name, "forward+backward", bw, () -> {
                ForwardHandle h = op.whitenForward(bw, dw, nw, whiten, xw);
                op.whitenBackward(h, gw);
                h.close();
            });
            add(meta, batches, bodies, "IW", eigName, "forward+backward", bw, () -> {
                eig.forward(xw, w);
                eig.backward(gw, gx);
            });
            for (SqrtOptions.Root root : SqrtOptions.Root.values()) {
                SqrtOptions o = SqrtOptions.of(5, OutputLayout.FULL).withRoot(root);
                add(meta, batches, bodies, "LI", name + " " + root, "forward+backward", bl, () -> {
                    ForwardHandle h = op.forward(bl, dl, nl, o, xl);
                    op.backward(h, gl);
                    h.close();
                });
            }
            // Round robin, so that every contender sees the same share of a shared machine's noise.
            int m = bodies.size();
            double[][] t = new double[m][reps];
            for (int r = -Math.max(3, reps); r < reps; r++) {
                for (int i = 0; i < m; i++) {
                    long t0 = System.nanoTime();
                    bodies.get(i).run();
                    if (r >= 0) {
                        t[i][r] = (System.nanoTime() - t0) * 1e-9;
                    }
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                java.util.Arrays.sort(t[i]);
                String[] mm = meta.get(i);
                rows.add(new Row(mm[0], mm[1], mm[2], t[i][reps / 2], batches.get(i)));
            }
            return rows;
        }
    }

    private static void add(List<String[]> meta, List<Integer> batches, List<Body> bodies, String workload,
                            String contender, String pass, int batch, Body body) {
        meta.add(new String[] {workload, contender, pass});
        batches.add(batch);
        bodies.add(body);
    }

    private static float[] data(int b, int d, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[b * d * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1 + 0.3 * ((i / n) % 3));
        }
        return x;
    }

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    static String markdown(List<Row> rows, String backend, int threads, int reps) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "# Whitening benchmark%n%nJDK %s, %s, %d threads, Vector API %s, median of %d"
                        + " timed rounds (round robin over the contenders) after %d warm-up rounds; command: `WhiteningBench --threads %d --reps %d --backend %s`%n%n",
                System.getProperty("java.version"), System.getProperty("os.arch"), threads,
                org.isqrt4j.cpu.CpuMatrixSqrtOp.vectorAvailable() ? "cpu-vector available" : "scalar only", reps,
                Math.max(3, reps),
                threads, reps, backend));
        sb.append(String.format(Locale.ROOT, "System load average at the end of the run: %.1f on %d processors (a"
                        + " shared machine: compare ratios within the run, not absolute numbers across runs).%n%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors()));
        sb.append("| workload | contender | pass | ms per batch | samples/s | speed-up over eig |\n");
        sb.append("| --- | --- | --- | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            String ratio = "";
            if (r.workload().equals("IW")) {
                for (Row e : rows) {
                    if (e.workload().equals("IW") && e.pass().equals(r.pass()) && e.contender().startsWith("EJML")) {
                        ratio = String.format(Locale.ROOT, "%.2fx", e.seconds() / r.seconds());
                    }
                }
            } else {
                for (Row e : rows) {
                    if (e.workload().equals("LI") && e.contender().endsWith("SQRT") && !e.contender().endsWith("INV_SQRT")) {
                        ratio = String.format(Locale.ROOT, "%.2fx of SQRT", e.seconds() / r.seconds());
                    }
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.1f | %s |%n", r.workload(), r.contender(),
                    r.pass(), r.seconds() * 1e3, r.samplesPerSecond(), ratio));
        }
        sb.append("\nIW: B = 8 groups of d = 64 channels over n = 32*14*14 = 6272 positions (IterNorm: 512 channels in"
                + " 8 groups, batch 32, 14x14), INV_SQRT, K = 5, eps = 1e-5.\nLI: the iSQRT-COV layer, B = 32, d = 256,"
                + " n = 196, K = 5, FULL, forward+backward (dL/dC Gaussian).\n");
        return sb.toString();
    }

    /**
     * The eigendecomposition route of decorrelated batch normalisation, float32 EJML, batch-parallel:
     * Sigma = Xc Xc^T / n + eps I = V diag(l) V^T, C = V diag(l^(-1/2)) V^T, W = C Xc. Backward for G = dL/dW:
     * dL/dC = G Xc^T, dL/dSigma = V (Kmat o (V^T sym(dL/dC) V)) V^T with Kmat_ij = (f_i - f_j)/(l_i - l_j) =
     * -1 / (sqrt(l_i) sqrt(l_j) (sqrt(l_i) + sqrt(l_j))) (f = l^(-1/2); the diagonal is f'(l_i) = -l_i^(-3/2)/2,
     * the same expression), dL/dX = C (G - row means) + 2 dL/dSigma Xc / n.
     */
    static final class EigWhitening implements AutoCloseable {
        private final int batch;
        private final int d;
        private final int n;
        private final float eps;
        private final ExecutorService pool;
        private final int threads;
        private final FMatrixRMaj[] xc;
        private final FMatrixRMaj[] v;
        private final FMatrixRMaj[] c;
        private final float[][] rl;

        EigWhitening(int threads, int batch, int d, int n, float eps) {
            this.batch = batch;
            this.d = d;
            this.n = n;
            this.eps = eps;
            this.threads = threads;
            this.pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "eig-whitening");
                t.setDaemon(true);
                return t;
            });
            xc = new FMatrixRMaj[batch];
            v = new FMatrixRMaj[batch];
            c = new FMatrixRMaj[batch];
            rl = new float[batch][d];
            for (int s = 0; s < batch; s++) {
                xc[s] = new FMatrixRMaj(d, n);
                v[s] = new FMatrixRMaj(d, d);
                c[s] = new FMatrixRMaj(d, d);
            }
        }

        private void parallel(java.util.function.IntConsumer body) throws Exception {
            List<Future<?>> fs = new ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            for (int w = 0; w < threads; w++) {
                fs.add(pool.submit(() -> {
                    int s;
                    while ((s = next.getAndIncrement()) < batch) {
                        body.accept(s);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }

        void forward(float[] x, float[] w) throws Exception {
            parallel(s -> forwardSample(s, x, w));
        }

        void backward(float[] g, float[] gx) throws Exception {
            parallel(s -> backwardSample(s, g, gx));
        }

        private void forwardSample(int s, float[] x, float[] w) {
            float[] xcs = xc[s].data;
            int xo = s * d * n;
            for (int i = 0; i < d; i++) {
                double mean = 0;
                for (int p = 0; p < n; p++) {
                    mean += x[xo + i * n + p];
                }
                mean /= n;
                for (int p = 0; p < n; p++) {
                    xcs[i * n + p] = (float) (x[xo + i * n + p] - mean);
                }
            }
            FMatrixRMaj sigma = new FMatrixRMaj(d, d);
            CommonOps_FDRM.multTransB(1.0f / n, xc[s], xc[s], sigma);
            for (int i = 0; i < d; i++) {
                sigma.data[i * d + i] += eps;
            }
            EigenDecomposition_F32<FMatrixRMaj> eig = DecompositionFactory_FDRM.eig(d, true, true);
            if (!eig.decompose(sigma)) {
                throw new IllegalStateException("EJML eigendecomposition failed on sample " + s);
            }
            float[] vs = v[s].data;
            for (int j = 0; j < d; j++) {
                rl[s][j] = (float) Math.sqrt(Math.max(eig.getEigenvalue(j).real, eps));
                float[] vec = eig.getEigenVector(j).data;
                for (int i = 0; i < d; i++) {
                    vs[i * d + j] = vec[i];
                }
            }
            FMatrixRMaj vf = new FMatrixRMaj(d, d);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    vf.data[i * d + j] = vs[i * d + j] / rl[s][j];
                }
            }
            CommonOps_FDRM.multTransB(vf, v[s], c[s]);
            FMatrixRMaj ws = new FMatrixRMaj(d, n);
            CommonOps_FDRM.mult(c[s], xc[s], ws);
            System.arraycopy(ws.data, 0, w, xo, d * n);
        }

        private void backwardSample(int s, float[] g, float[] gx) {
            int xo = s * d * n;
            FMatrixRMaj gs = new FMatrixRMaj(d, n);
            for (int i = 0; i < d; i++) {
                double mean = 0;
                for (int p = 0; p < n; p++) {
                    mean += g[xo + i * n + p];
                }
                mean /= n;
                for (int p = 0; p < n; p++) {
                    gs.data[i * n + p] = (float) (g[xo + i * n + p] - mean);
                }
            }
            FMatrixRMaj gc = new FMatrixRMaj(d, d);
            CommonOps_FDRM.multTransB(gs, xc[s], gc);
            FMatrixRMaj sym = new FMatrixRMaj(d, d);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    sym.data[i * d + j] = 0.5f * (gc.data[i * d + j] + gc.data[j * d + i]);
                }
            }
            FMatrixRMaj a = new FMatrixRMaj(d, d);
            FMatrixRMaj m = new FMatrixRMaj(d, d);
            CommonOps_FDRM.multTransA(v[s], sym, a);
            CommonOps_FDRM.mult(a, v[s], m);
            float[] r = rl[s];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    m.data[i * d + j] *= -1f / (r[i] * r[j] * (r[i] + r[j]));
                }
            }
            CommonOps_FDRM.mult(v[s], m, a);
            FMatrixRMaj gsig = new FMatrixRMaj(d, d);
            CommonOps_FDRM.multTransB(a, v[s], gsig);
            FMatrixRMaj out = new FMatrixRMaj(d, n);
            CommonOps_FDRM.mult(2.0f / n, gsig, xc[s], out);
            FMatrixRMaj direct = new FMatrixRMaj(d, n);
            CommonOps_FDRM.multTransA(c[s], gs, direct);
            for (int i = 0; i < d * n; i++) {
                gx[xo + i] = out.data[i] + direct.data[i];
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }
}
