package org.isqrt4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH micro-benchmark of one square product C = A B (row-major float32) at size d.
 *
 * <ul>
 *   <li>{@code openblas}: cblas_sgemm on native buffers with OpenBLAS's thread count set to {@code threads}: one
 *       product per operation, parallel inside.</li>
 *   <li>{@code cpu-vector}: the cpu-vector back-end's GEMM entry point ({@link #CPU_GEMM}), which runs on the
 *       calling thread; with {@code threads} &gt; 1 an operation is {@code threads} workers, each running
 *       {@link #reps(int)} products on its own operands, the way the back-end uses its cores (batch parallelism:
 *       one hand-off per batch, many products per hand-off). One product per worker per operation would measure
 *       the thread hand-off, not the kernel: at d = 64 a product takes about 2 us, a wake-up tens of us.</li>
 * </ul>
 * Setup checks 64 random entries of C against double-precision dot products and records the flops of one
 * operation for the report runner ({@link Trial}).
 */
@State(Scope.Benchmark)
public class GemmBenchmark {
    /**
     * What the cpu-vector row needs: a public method {@code gemm(int m, int n, int k, float[] a, float[] b,
     * float[] c)} (C = A B, row-major, on the calling thread), static or on the op, in this class.
     */
    static final String CPU_GEMM = "org.isqrt4j.cpu.CpuMatrixSqrtOp#gemm(int m, int n, int k, float[] a, float[] b, float[] c)";

    /** {@code openblas} or {@code cpu-vector}. */
    @Param("openblas")
    public String backend;

    /** Matrix size. */
    @Param("256")
    public int d;

    /** Threads (see the class comment for what they mean per back-end). */
    @Param("1")
    public int threads;

    private float[][] a;
    private float[][] b;
    private float[][] c;
    private FloatPointer pa;
    private FloatPointer pb;
    private FloatPointer pc;
    private Method cpuGemm;
    private Object cpuOp;
    private BatchPool pool;
    private int reps;

    /** Products per worker per operation when threads &gt; 1: about 256 MFLOP (a millisecond), at least one. */
    static int reps(int d) {
        return (int) Math.max(1, Math.ceil(256e6 / Flops.gemm(d)));
    }

    /**
     * @param backend back-end  @param d size  @param threads threads
     * @return the key of the benchmark's {@link Trial}
     */
    public static String key(String backend, int d, int threads) {
        return String.format(Locale.ROOT, "gemm-%s-d%d-t%d", backend, d, threads);
    }

    /**
     * @return null if the cpu-vector back-end exposes the GEMM entry point, else why the row is missing
     */
    static String cpuGemmUnavailableReason() {
        try {
            Method m = findCpuGemm();
            return m == null ? "cpu-vector exposes no public GEMM entry point; needs " + CPU_GEMM : null;
        } catch (ReflectiveOperationException | LinkageError e) {
            return "cpu-vector back-end not on the class path: " + e;
        }
    }

    private static Method findCpuGemm() throws ReflectiveOperationException {
        Class<?> cls = Class.forName("org.isqrt4j.cpu.CpuMatrixSqrtOp");
        try {
            Method m = cls.getMethod("gemm", int.class, int.class, int.class, float[].class, float[].class, float[].class);
            return Modifier.isPublic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Builds the operands and checks one product. */
    @Setup(Level.Trial)
    public void setUp() throws ReflectiveOperationException {
        String key = key(backend, d, threads);
        try {
            int copies = backend.equals("cpu-vector") ? threads : 1;
            a = new float[copies][];
            b = new float[copies][];
            c = new float[copies][];
            Random r = new Random(d * 31L + threads);
            for (int t = 0; t < copies; t++) {
                a[t] = random(r, d * d);
                b[t] = random(r, d * d);
                c[t] = new float[d * d];
            }
            double flopsPerOp;
            String desc;
            if (backend.equals("openblas")) {
                OpenBlas.setThreads(threads);
                window = (int) Math.max(1, Math.ceil(2e7 / Flops.gemm(d)));
                pa = new FloatPointer(a[0]);
                pb = new FloatPointer(b[0]);
                pc = new FloatPointer((long) d * d);
                OpenBlas.mul(d, 1f, pa, pb, 0f, pc);
                pc.get(c[0], 0, d * d);
                flopsPerOp = Flops.gemm(d);
                desc = OpenBlas.version() + ", " + threads + " BLAS thread(s)";
            } else if (backend.equals("cpu-vector")) {
                cpuGemm = findCpuGemm();
                if (cpuGemm == null) {
                    throw new IllegalStateException(cpuGemmUnavailableReason());
                }
                if (!Modifier.isStatic(cpuGemm.getModifiers())) {
                    cpuOp = OpRunner.create("cpu-vector", 1);
                }
                pool = new BatchPool(threads);
                reps = threads == 1 ? 1 : reps(d);
                window = (int) Math.max(1, Math.ceil(2e7 / Flops.gemm(d)));
                cpuProduct(0);
                flopsPerOp = Flops.gemm(d) * threads * reps;
                desc = threads == 1 ? "cpu-vector GEMM, one product per operation"
                        : "cpu-vector GEMM, " + threads + " threads x " + reps + " products on their own operands";
            } else {
                throw new IllegalArgumentException("GEMM back-end must be openblas or cpu-vector, got " + backend);
            }
            double err = spotCheck(a[0], b[0], c[0], d, r);
            if (!(err <= Checks.FAIL_PCT)) {
                throw new IllegalStateException(String.format(Locale.ROOT, "%s GEMM d=%d is wrong: error %.4g %%", backend, d, err));
            }
            Trial.save(key, Trial.passed(err, flopsPerOp, desc));
        } catch (RuntimeException | Error | ReflectiveOperationException e) {
            Trial.save(key, Trial.failed(e));
            throw e;
        }
    }

    private void cpuProduct(int t) {
        try {
            cpuGemm.invoke(cpuOp, d, d, d, a[t], b[t], c[t]);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        }
    }

    private static float[] random(Random r, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (r.nextDouble() - 0.5);
        }
        return v;
    }

    /** Relative error (percent) of 64 random entries against double dot products, relative to their RMS. */
    static double spotCheck(float[] a, float[] b, float[] c, int d, Random r) {
        double num = 0;
        double den = 0;
        for (int s = 0; s < 64; s++) {
            int i = r.nextInt(d);
            int j = r.nextInt(d);
            double ref = 0;
            double mag = 0;
            for (int p = 0; p < d; p++) {
                ref += (double) a[i * d + p] * b[p * d + j];
                mag += Math.abs((double) a[i * d + p] * b[p * d + j]);
            }
            double e = c[i * d + j] - ref;
            num += e * e;
            den += mag * mag / d; // the typical size of an entry: rounding is relative to the terms, not their sum
        }
        return den == 0 ? (num == 0 ? 0 : Double.POSITIVE_INFINITY) : 100 * Math.sqrt(num / den);
    }

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    /** One-thread runs: products per CPU-time window (about 20 MFLOP, so reading the clock costs under 1%). */
    private int window;
    private int inWindow;
    private long windowStart = -1;
    private double bestPerNs;

    /**
     * On one thread (both back-ends then compute on the calling thread) the products are also timed in thread CPU
     * time, in windows of {@link #window} products; the best rate is recorded at the end of the trial, next to
     * JMH's wall-clock score, which on a shared machine includes the time the thread waited for a core.
     */
    private void cpuTimeWindow() {
        if (++inWindow < window) {
            return;
        }
        long now = MX.getCurrentThreadCpuTime();
        if (windowStart >= 0 && now > windowStart) {
            bestPerNs = Math.max(bestPerNs, Flops.gemm(d) * inWindow / (now - windowStart));
        }
        windowStart = now;
        inWindow = 0;
    }

    /** @return C, consumed by JMH */
    @Benchmark
    public Object gemm() {
        if (pa != null) {
            OpenBlas.mul(d, 1f, pa, pb, 0f, pc);
            if (threads == 1) {
                cpuTimeWindow();
            }
            return pc;
        }
        if (threads == 1) {
            cpuProduct(0);
            cpuTimeWindow();
        } else {
            pool.forEach(threads * reps, (w, s) -> cpuProduct(w));
        }
        return c;
    }

    /** Adds the one-thread GFLOP/s per thread CPU second to the trial; releases native memory, the pool and the op. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (threads == 1 && bestPerNs > 0) {
            Trial.update(key(backend, d, 1), t -> t.withCpuRate(bestPerNs));
        }
        if (pa != null) {
            pa.close();
            pb.close();
            pc.close();
            pa = null;
        }
        if (pool != null) {
            pool.close();
        }
        if (cpuOp instanceof AutoCloseable) {
            try {
                ((AutoCloseable) cpuOp).close();
            } catch (Exception e) {
                // closing a CPU op does not fail; nothing to report
            }
        }
    }
}
