package org.isqrt4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Interleaved timing of two contenders, forward+backward, for a loaded machine where separate JMH cells drift:
 * after a warm-up, single batches of A and B alternate for a number of rounds, and the median of the per-round
 * ratios time(B)/time(A) is printed per workload (how many times faster A is), with both medians in samples/s.
 * Run from the repository root after a build:
 * {@code java --add-modules jdk.incubator.vector -cp "bench/target/classes:bench/target/lib/*"
 * org.isqrt4j.bench.InterleavedPair cpu-vector torch-autograd 2 25 imagenet,small,finegrained}.
 */
public final class InterleavedPair {
    private InterleavedPair() {
    }

    /**
     * @param args A, B, threads, rounds, comma-separated workloads (issue batch sizes)
     */
    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: InterleavedPair A B threads rounds workload[,workload...]");
            System.exit(2);
        }
        String a = args[0];
        String b = args[1];
        int threads = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        List<Workload> ws = new ArrayList<>();
        for (String s : args[4].split(",")) {
            ws.add(Workload.byId(s));
        }
        System.out.printf(Locale.ROOT, "interleaved forward+backward, %d rounds, %d threads, JDK %s%n%n", rounds, threads,
                System.getProperty("java.runtime.version"));
        System.out.printf(Locale.ROOT, "| workload | B | %s samples/s | %s samples/s | median time(%s)/time(%s) | %s faster in |%n",
                a, b, b, a, a);
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Workload w : ws) {
            int batch = w.batch();
            float[] x = Checks.input(batch, w.d(), w.n(), 0);
            float[] g = Checks.gradient(batch, w.d(), 0);
            float[] out = new float[batch * w.d() * w.d()];
            float[] gx = new float[batch * w.d() * w.n()];
            double[] ta = new double[rounds];
            double[] tb = new double[rounds];
            double[] ratio = new double[rounds];
            try (LayerRunner ra = Backends.create(a, threads, batch, w.d(), w.n(), w.iterations());
                 LayerRunner rb = Backends.create(b, threads, batch, w.d(), w.n(), w.iterations())) {
                Checks.verify(a, ra, threads, batch, w.d(), w.n(), w.iterations(), true, x, g);
                Checks.verify(b, rb, threads, batch, w.d(), w.n(), w.iterations(), true, x, g);
                long warm = System.nanoTime();
                while (System.nanoTime() - warm < 4_000_000_000L) {
                    time(ra, x, g, out, gx);
                    time(rb, x, g, out, gx);
                }
                for (int i = 0; i < rounds; i++) {
                    ta[i] = time(ra, x, g, out, gx);
                    tb[i] = time(rb, x, g, out, gx);
                    ratio[i] = tb[i] / ta[i];
                }
            }
            long faster = Arrays.stream(ratio).filter(r -> r > 1).count();
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %.2fx | %d/%d |%n", w.id(), batch,
                    Fmt.sig(batch / (median(ta) / 1e9)), Fmt.sig(batch / (median(tb) / 1e9)), median(ratio),
                    faster, rounds);
        }
    }

    private static double time(LayerRunner r, float[] x, float[] g, float[] out, float[] gx) {
        long t0 = System.nanoTime();
        r.forward(x, out);
        r.backward(g, gx);
        return System.nanoTime() - t0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
