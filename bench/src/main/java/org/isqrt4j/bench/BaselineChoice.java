package org.isqrt4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Settles the two choices the baselines make ({@code eig-ejml} float32 or float64; {@code isqrt-openblas} batch
 * parallelism or OpenBLAS threads) by interleaved timing: after a warm-up, single batches of the two variants
 * alternate A, B, A, B, ... and the report gives the median of the per-round time ratios. On a shared machine the
 * interleaving cancels slow drifts in load that would bias two separate JMH runs. Run it as
 * {@code bench/run.sh --choices [rounds] [workload,...]}.
 */
final class BaselineChoice {
    private BaselineChoice() {
    }

    /**
     * @param args optional: rounds (default 15), then a comma-separated workload list (default imagenet,small,finegrained)
     */
    static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        List<Workload> ws = new ArrayList<>();
        for (String s : (args.length > 1 ? args[1] : "imagenet,small,finegrained").split(",")) {
            ws.add(Workload.byId(s));
        }
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "interleaved timing, %d rounds, %d threads, issue batch sizes%n%n", rounds, threads);
        System.out.println("| workload | mode | A | B | median time(B)/time(A) | A faster in |");
        System.out.println("|---|---|---|---|---:|---:|");
        String[][] pairs = {{"eig-ejml-f32", "eig-ejml-f64"}, {"isqrt-openblas-batch", "isqrt-openblas-blas-threads"}};
        for (String[] pair : pairs) {
            for (Workload w : ws) {
                for (boolean backward : new boolean[] {false, true}) {
                    double[] r = compare(pair[0], pair[1], w, backward, threads, rounds);
                    System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %d/%d |%n", w.id(),
                            backward ? LayerBenchmark.FORWARD_BACKWARD : LayerBenchmark.FORWARD, pair[0], pair[1],
                            median(r), Arrays.stream(r).filter(x -> x > 1).count(), r.length);
                }
            }
        }
    }

    /** @return per round, time of b over time of a */
    private static double[] compare(String a, String b, Workload w, boolean backward, int threads, int rounds) {
        int batch = w.batch();
        float[] x = Checks.input(batch, w.d(), w.n(), 0);
        float[] g = Checks.gradient(batch, w.d(), 0);
        float[] out = new float[batch * w.d() * w.d()];
        float[] gx = new float[batch * w.d() * w.n()];
        double[] ratios = new double[rounds];
        try (LayerRunner ra = Backends.create(a, threads, batch, w.d(), w.n(), w.iterations());
             LayerRunner rb = Backends.create(b, threads, batch, w.d(), w.n(), w.iterations())) {
            for (int i = 0; i < 3; i++) {
                time(ra, a, threads, x, g, out, gx, backward);
                time(rb, b, threads, x, g, out, gx, backward);
            }
            for (int i = 0; i < rounds; i++) {
                long ta = time(ra, a, threads, x, g, out, gx, backward);
                long tb = time(rb, b, threads, x, g, out, gx, backward);
                ratios[i] = (double) tb / ta;
            }
        }
        return ratios;
    }

    private static long time(LayerRunner r, String id, int threads, float[] x, float[] g, float[] out, float[] gx,
                             boolean backward) {
        // OpenBLAS's thread count is global: each variant sets its own before it runs.
        if (Backends.isOpenBlas(id)) {
            OpenBlas.setThreads(id.endsWith("blas-threads") ? threads : 1);
        }
        long t0 = System.nanoTime();
        r.forward(x, out);
        if (backward) {
            r.backward(g, gx);
        }
        return System.nanoTime() - t0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
