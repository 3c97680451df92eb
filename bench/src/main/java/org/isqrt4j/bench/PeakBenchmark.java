package org.isqrt4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * FMA peak calibration, and a clock estimate to check it against.
 *
 * <p>{@link #fma}: {@value #CHAINS} independent chains {@code acc = b.fma(c, acc)} on
 * {@code FloatVector.SPECIES_PREFERRED}, no memory traffic. The accumulator is the addend, as in a GEMM kernel,
 * so C2 emits one {@code vfmadd231ps acc, b, c} per chain and no register copies (written {@code a = a.fma(m, c)},
 * with the chain as a multiplicand, C2 inserted copies and spills on AVX2 and measured only 60-80% of the
 * clock-based peak). Twelve chains cover FMA latency times issue width on current cores (4 cycles x 2 pipes = 8
 * FMAs in flight on Zen 2-5 and Skylake-Golden Cove, 5-6 x 2 on older ones) and fit 16 vector registers with the
 * two operands.
 *
 * <p>{@link #clock}: a dependent chain of 64-bit integer multiplies (x = x * x from a non-constant odd seed: a
 * multiply by a loop-invariant factor was reassociated by C2 into independent ones and ran 19 per ns); {@code imul r64, r64} has a 3-cycle latency on every x86 core since Nehalem and on Zen 1-5
 * ({@value #IMUL_LATENCY}), so multiplies per second x 3 is the core clock while it runs, whatever
 * {@code /proc/cpuinfo} says (a virtual machine often shows a fixed nominal frequency there). The report divides
 * the FMA rate by it (flop per cycle) and prints the clock-based peak next to the measured one.
 *
 * <p>With {@code threads} &gt; 1 one operation runs the loop on that many threads at once.
 *
 * <p>Both loops also time themselves in thread CPU time, and the trial records the best rate per thread CPU
 * second, summed over the threads (the {@link Trial}s' CPU rates). On a machine shared with other work
 * JMH's wall-clock score counts the time a thread waited for a core, so it understates the peak (and the clock)
 * by as much as the load; the CPU-time rates do not, and they are what the report calls the true peak. On an
 * idle machine the two agree. Two threads on SMT siblings each get half the FMA pipes and report half the rate,
 * so the sum stays the core's figure.
 */
@State(Scope.Benchmark)
public class PeakBenchmark {
    /** Independent accumulator chains. */
    public static final int CHAINS = 12;
    /** Loop trips per operation and thread. */
    public static final int TRIPS = 1 << 18;
    /** Dependent multiplies per operation and thread of {@link #clock}. */
    public static final int MULS = 1 << 22;
    /** Cycles of latency of one 64-bit integer multiply (x86-64 since Nehalem, AMD Zen 1-5). */
    public static final int IMUL_LATENCY = 3;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Threads running the loop at once. */
    @Param("1")
    public int threads;

    private BatchPool pool;
    private final float[] sink = new float[64];
    private final long[] lsink = new long[64];
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    /** Best FMA rate (flop per thread CPU nanosecond) of each thread slot, and the same for multiplies. */
    private final double[] bestFma = new double[64];
    private final double[] bestMul = new double[64];
    /** The start of the clock chain, a field so that C2 sees no constant (odd: its powers never reach 0). */
    private long seed = 0x9E3779B97F4A7C15L;

    /** @param threads threads  @return the key of the {@link Trial} of {@link #fma} */
    public static String key(int threads) {
        return "peak-t" + threads;
    }

    /** @param threads threads  @return the key of the {@link Trial} of {@link #clock} */
    public static String clockKey(int threads) {
        return "clock-t" + threads;
    }

    /** @return floats per vector of the preferred species */
    public static int lanes() {
        return S.length();
    }

    /**
     * Records the flops of one {@link #fma}, or the multiplies of one {@link #clock} operation, whichever runs.
     *
     * @param params JMH's parameters of this trial (which method runs)
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        pool = new BatchPool(threads);
        if (params.getBenchmark().endsWith(".clock")) {
            Trial.save(clockKey(threads), Trial.passed(0, MULS, String.format(Locale.ROOT,
                    "dependent 64-bit multiplies per thread (cycles = %d x multiplies)", IMUL_LATENCY)));
        } else {
            double flops = 2.0 * CHAINS * lanes() * (double) TRIPS * threads;
            Trial.save(key(threads), Trial.passed(0, flops, String.format(Locale.ROOT,
                    "FloatVector %d-bit, %d chains acc = b.fma(c, acc)", S.vectorBitSize(), CHAINS)));
        }
    }

    /** @return a value depending on every chain, so none is dead code */
    @Benchmark
    public float fma() {
        if (threads == 1) {
            return timedChains(0, 1.0f);
        }
        pool.forEach(threads, (w, s) -> sink[s % sink.length] = timedChains(s, 1.0f + s));
        return sink[0];
    }

    private float timedChains(int slot, float seed) {
        long t0 = MX.getCurrentThreadCpuTime();
        float r = chains(seed);
        long dt = MX.getCurrentThreadCpuTime() - t0;
        if (dt > 0) {
            bestFma[slot] = Math.max(bestFma[slot], 2.0 * CHAINS * lanes() * (double) TRIPS / dt);
        }
        return r;
    }

    private long timedMulChain(int slot, long x) {
        long t0 = MX.getCurrentThreadCpuTime();
        long r = mulChain(x);
        long dt = MX.getCurrentThreadCpuTime() - t0;
        if (dt > 0) {
            bestMul[slot] = Math.max(bestMul[slot], (double) MULS / dt);
        }
        return r;
    }

    /** @return the end of the multiply chain (of the first thread), so it is not dead code */
    @Benchmark
    public long clock() {
        if (threads == 1) {
            return timedMulChain(0, seed);
        }
        long f = seed;
        pool.forEach(threads, (w, s) -> lsink[s % lsink.length] = timedMulChain(s, f + 2 * s));
        return lsink[0];
    }

    /** x squared {@value #MULS} times: one dependent multiply per step that no reassociation can shorten. */
    static long mulChain(long x) {
        for (int i = 0; i < MULS; i++) {
            x *= x;
        }
        return x;
    }

    static float chains(float seed) {
        // acc grows by b*c = 1e-7 (rounded to a multiple of ulp(acc)) per trip: bounded and normal.
        FloatVector b = FloatVector.broadcast(S, 1e-3f);
        FloatVector c = FloatVector.broadcast(S, 1e-4f);
        FloatVector a0 = FloatVector.broadcast(S, seed);
        FloatVector a1 = a0.add(1f);
        FloatVector a2 = a0.add(2f);
        FloatVector a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f);
        FloatVector a5 = a0.add(5f);
        FloatVector a6 = a0.add(6f);
        FloatVector a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f);
        FloatVector a9 = a0.add(9f);
        FloatVector a10 = a0.add(10f);
        FloatVector a11 = a0.add(11f);
        for (int i = 0; i < TRIPS; i++) {
            a0 = b.fma(c, a0);
            a1 = b.fma(c, a1);
            a2 = b.fma(c, a2);
            a3 = b.fma(c, a3);
            a4 = b.fma(c, a4);
            a5 = b.fma(c, a5);
            a6 = b.fma(c, a6);
            a7 = b.fma(c, a7);
            a8 = b.fma(c, a8);
            a9 = b.fma(c, a9);
            a10 = b.fma(c, a10);
            a11 = b.fma(c, a11);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(a8).add(a9).add(a10).add(a11);
        return s.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Adds the CPU-time rates to the trials: the FMA rate in GFLOP/s (best per thread CPU second, summed over the
     * threads), the clock in GHz (best multiplies per thread CPU nanosecond x {@value #IMUL_LATENCY}); stops the pool.
     */
    @TearDown(Level.Trial)
    public void tearDown() {
        double fma = 0;
        double mul = 0;
        for (int s = 0; s < threads; s++) {
            fma += bestFma[s];
            mul = Math.max(mul, bestMul[s]);
        }
        if (fma > 0) {
            double gflops = fma;
            Trial.update(key(threads), t -> t.withCpuRate(gflops));
        }
        if (mul > 0) {
            double ghz = mul * IMUL_LATENCY;
            Trial.update(clockKey(threads), t -> t.withCpuRate(ghz));
        }
        pool.close();
    }
}
