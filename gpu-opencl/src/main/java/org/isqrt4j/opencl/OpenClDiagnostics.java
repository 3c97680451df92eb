package org.isqrt4j.opencl;

import java.util.SplittableRandom;

import org.isqrt4j.opencl.GemmRoutine.Output;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.cl_mem;

/**
 * Bench and test hooks of {@link OpenClMatrixSqrtOp}, kept out of the op: the GEMM benchmark behind
 * {@link OpenClMatrixSqrtOp#gemmBenchmark(int, int, int)} and the GEMM routine on host data for the kernel tests.
 * Both run inside the op's calls (its lock, its profile).
 */
final class OpenClDiagnostics {
    private OpenClDiagnostics() {
    }

    /**
     * C_b = A_b^T B_b for {@code batch} pairs of random d x d matrices, {@code reps} launches after one warm-up,
     * timed by the queue's profiling events (arguments checked by the caller).
     *
     * @return GFLOP/s (2 d^3 batch reps floating-point operations over the summed kernel time)
     */
    static double gemmBenchmark(OpenClMatrixSqrtOp op, int d, int batch, int reps) {
        ClRuntime rt = op.runtime();
        int ld = SquareShape.leading(SquareShape.padded(d));
        int dd = Math.multiplyExact(d, ld);
        int total = Math.multiplyExact(batch, dd);
        float[] host = new float[total];
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < total; i++) {
            host[i] = (float) (rnd.nextDouble() - 0.5);
        }
        GemmRoutine gemm = new GemmRoutine(rt);
        synchronized (op.lock) { // the measurement is read back before another call can replace it
            op.call(temps -> {
                cl_mem a = temps.alloc(total);
                cl_mem b = temps.alloc(total);
                cl_mem c = temps.alloc(total);
                rt.write(a, host, 0, total);
                rt.write(b, host, 0, total);
                GemmRoutine.Args product = GemmRoutine.args(batch, d, d, d).a(a, ld, dd, Transpose.YES)
                        .b(b, ld, dd, Transpose.NO).c(c, ld, dd);
                gemm.run(product);
                rt.drainProfile(); // the warm-up and the uploads stay out of the measurement
                for (int r = 0; r < reps; r++) {
                    gemm.run(product);
                }
                return null;
            });
            return 2.0 * d * d * d * batch * reps / Math.max(1, op.lastKernelNanos());
        }
    }

    /**
     * Runs the op's GEMM routine on host data, for tests: per sample, C = s (alpha op(A) op(B) + beta C +
     * diag I_diagLimit). A has {@code ta == YES ? k : m} rows of lda, B {@code tb == YES ? n : k} rows of ldb, C m
     * rows of ldc; scale, when not null, holds one factor per sample.
     */
    static void gemm(OpenClMatrixSqrtOp op, int batch, int m, int n, int k, float[] a, int lda, Transpose ta,
                     float[] b, int ldb, Transpose tb, float[] c, int ldc, float alpha, float beta, float diag,
                     int diagLimit, float[] scale, Output output) {
        ClRuntime rt = op.runtime();
        int sa = (ta == Transpose.YES ? k : m) * lda;
        int sb = (tb == Transpose.YES ? n : k) * ldb;
        int sc = m * ldc;
        op.call(temps -> {
            cl_mem am = temps.alloc((long) batch * sa);
            cl_mem bm = temps.alloc((long) batch * sb);
            cl_mem cm = temps.alloc((long) batch * sc);
            rt.write(am, a, 0, batch * sa);
            rt.write(bm, b, 0, batch * sb);
            rt.write(cm, c, 0, batch * sc);
            GemmRoutine.Args args = GemmRoutine.args(batch, m, n, k).a(am, lda, sa, ta).b(bm, ldb, sb, tb)
                    .c(cm, ldc, sc).alpha(alpha).plus(beta, beta != 0f ? cm : null).identity(diag, diagLimit)
                    .output(output);
            if (scale != null) {
                float[] packed = new float[batch * ClRuntime.SCAL_STRIDE];
                for (int i = 0; i < batch; i++) {
                    packed[i * ClRuntime.SCAL_STRIDE + 1] = scale[i];
                }
                cl_mem sm = temps.alloc(packed.length);
                rt.write(sm, packed, 0, packed.length);
                args.scale(sm, 1);
            }
            new GemmRoutine(rt).run(args);
            rt.read(cm, c, 0, batch * sc);
            return null;
        });
    }
}
