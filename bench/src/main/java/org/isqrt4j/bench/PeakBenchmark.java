package org.isqrt4j.bench;

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

/**
 * FMA peak calibration: {@value #CHAINS} independent chains a = a * m + c on
 * {@code FloatVector.SPECIES_PREFERRED}, no memory traffic. Sixteen chains cover FMA latency times throughput on
 * current x86 cores (4-5 cycles x 2 ports = 8 to 10 FMAs in flight) with room to spare, and fit the 16 (AVX2) or 32
 * (AVX-512) vector registers with the two constants. With {@code threads} &gt; 1 one operation runs the loop on
 * that many threads at once. Every GFLOP/s of the report is also given as a fraction of this measured peak.
 */
@State(Scope.Benchmark)
public class PeakBenchmark {
    /** Independent accumulator chains. */
    public static final int CHAINS = 16;
    /** Loop trips per operation and thread. */
    public static final int TRIPS = 1 << 18;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Threads running the loop at once. */
    @Param("1")
    public int threads;

    private BatchPool pool;
    private final float[] sink = new float[64];

    /** @param threads threads  @return the key of the recorded outcome */
    public static String key(int threads) {
        return "peak-t" + threads;
    }

    /** @return floats per vector of the preferred species */
    public static int lanes() {
        return S.length();
    }

    /** Records the flops of one operation. */
    @Setup(Level.Trial)
    public void setUp() {
        pool = new BatchPool(threads);
        double flops = 2.0 * CHAINS * lanes() * (double) TRIPS * threads;
        Checks.record(key(threads), String.format(Locale.ROOT, "ok 0 flops=%.17g FloatVector %d-bit, %d chains",
                flops, S.vectorBitSize(), CHAINS));
    }

    /** @return a value depending on every chain, so none is dead code */
    @Benchmark
    public float fma() {
        if (threads == 1) {
            return chains(1.0f);
        }
        pool.forEach(threads, (w, s) -> sink[s % sink.length] = chains(1.0f + s));
        return sink[0];
    }

    static float chains(float seed) {
        // m < 1 and c > 0 keep every chain at a normal, bounded value (fixed point c / (1 - m)).
        FloatVector m = FloatVector.broadcast(S, 0.9999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
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
        FloatVector a12 = a0.add(12f);
        FloatVector a13 = a0.add(13f);
        FloatVector a14 = a0.add(14f);
        FloatVector a15 = a0.add(15f);
        for (int i = 0; i < TRIPS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
            a12 = a12.fma(m, c);
            a13 = a13.fma(m, c);
            a14 = a14.fma(m, c);
            a15 = a15.fma(m, c);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(a8).add(a9).add(a10).add(a11).add(a12).add(a13).add(a14).add(a15);
        return s.reduceLanes(VectorOperators.ADD);
    }

    /** Stops the pool. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }
}
