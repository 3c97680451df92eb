package org.isqrt4j.opencl;

import java.util.ArrayList;
import java.util.List;

import org.jocl.cl_mem;

/**
 * The batched GEMM routine of the OpenCL back-end (kernels in {@code gemm.cl} and {@code gemm_tiled.cl}):
 * <pre>
 *     C_b = s_b (alpha op(A_b) op(B_b) + beta D_b + diag I_diagLimit),     b = 0 .. batch-1
 * </pre>
 * with op(X) = X or X^T ({@link Transpose}), s_b a per-sample factor read from the scalar buffer (the
 * post-compensation sqrt(tau) of docs/maths.md (M5)) or 1, and, for a product known to be symmetric
 * ({@link Output#SYMMETRIC}), only the upper triangle computed and mirrored. One launch serves the whole batch.
 *
 * <p>The kernels: {@code direct} (gemm, register tiles from global memory), {@code local} (gemm_local, local-memory
 * blocking) and the {@link #TILED} variants generated from {@code gemm_tiled.cl} ({@link #choices()}, {@link
 * Variant}). The kernel is chosen per product by its size ({@link ClRuntime#gemmFor}: the device's small-product
 * and large-product choices, fixed by {@link #PROPERTY} or by the tuning pass, {@link GemmTuner}); {@link #launch}
 * runs a given kernel. Arguments are gathered in an {@link Args} object instead of positional parameters.
 */
final class GemmRoutine {
    /** Whether an operand enters the product as stored or transposed. */
    enum Transpose {
        /** op(X) = X. */
        NO,
        /** op(X) = X^T. */
        YES;

        /** @param t whether to transpose  @return {@link #YES} for true */
        static Transpose of(boolean t) {
            return t ? YES : NO;
        }
    }

    /** What the caller knows about C. */
    enum Output {
        /** Any C: every element computed. */
        GENERAL,
        /**
         * C is symmetric (M == N, D symmetric, and the product of commuting symmetric matrices or of X^T X): tiles
         * below the diagonal are skipped and each upper value is written to its mirror too, so C is exactly
         * symmetric.
         */
        SYMMETRIC
    }

    /** k slab of gemm_local and the tiled variants. */
    static final int BK = 16;
    /**
     * System property forcing the GEMM kernel: "direct", "local", "tuned" or a tiled variant's name ({@link #TILED});
     * default "tuned" on GPUs, "direct" elsewhere.
     */
    static final String PROPERTY = "isqrt4j.opencl.gemm";
    /** Classpath resource of the tiled GEMM template. */
    static final String TILED_RESOURCE = "/org/isqrt4j/opencl/gemm_tiled.cl";
    /**
     * The tiled variants, {TM, TN, WX, WY}: a TM x TN register tile per work-item, WX x WY work-items, so a
     * (TM WY) x (TN WX) block of C per group: 64 x 128, 64 x 64, 64 x 128, 128 x 128, 64 x 64.
     */
    static final int[][] TILED = {{4, 8, 16, 16}, {8, 8, 8, 8}, {8, 8, 16, 8}, {8, 8, 16, 16}, {4, 8, 8, 16}};
    /** M and N up to which {@link ClRuntime#gemmFor} returns the device's small-product kernel. */
    static final int SMALL = 128;
    /** One GEMM kernel: the kernel function, its local size and the tile of C one work-item computes. */
    static final class Variant {
        final String name;
        final String kernel;
        final long[] local;
        final int tileRows;
        final int tileCols;

        Variant(String name, String kernel, long[] local, int tileRows, int tileCols) {
            this.name = name;
            this.kernel = kernel;
            this.local = local;
            this.tileRows = tileRows;
            this.tileCols = tileCols;
        }

        @Override
        public String toString() {
            return name + " (" + tileRows + "x" + tileCols + " per work-item, groups " + local[0] + "x" + local[1]
                    + ")";
        }
    }

    /** @param v {TM, TN, WX, WY}  @return the variant's choice name, e.g. "t8x8_g16x16" */
    static String tiledName(int[] v) {
        return "t" + v[0] + "x" + v[1] + "_g" + v[2] + "x" + v[3];
    }

    /** @return every value {@link #PROPERTY} accepts */
    static List<String> choices() {
        List<String> c = new ArrayList<>(List.of("direct", "local", "tuned"));
        for (int[] v : TILED) {
            c.add(tiledName(v));
        }
        return c;
    }

    /** @return the tiled variants' source: the template once per {@link #TILED} entry, with literals filled in */
    static String tiledSource() {
        String template = ClRuntime.loadSource(TILED_RESOURCE);
        StringBuilder sb = new StringBuilder();
        for (int[] v : TILED) {
            sb.append("\n/* ---- generated from gemm_tiled.cl: ").append(tiledName(v)).append(" */\n")
                    .append(template.replace("@NAME@", "gemm_" + tiledName(v)).replace("@TM@", Integer.toString(v[0]))
                            .replace("@TN@", Integer.toString(v[1])).replace("@WX@", Integer.toString(v[2]))
                            .replace("@WY@", Integer.toString(v[3])).replace("@BM@", Integer.toString(v[0] * v[3]))
                            .replace("@BN@", Integer.toString(v[1] * v[2])));
        }
        return sb.toString();
    }

    private final ClRuntime rt;

    /** @param rt the runtime whose kernels and queue run the products */
    GemmRoutine(ClRuntime rt) {
        this.rt = rt;
    }

    /**
     * Runs the product with the kernel the device chose for its size.
     *
     * @param a the arguments
     */
    void run(Args a) {
        launch(rt, rt.gemmFor(a.m, a.n), a);
    }

    /**
     * Starts the arguments of one batched product: op(A) is m x k, op(B) k x n, C m x n.
     *
     * @return arguments with alpha = 1, no D, no identity term, no scale, {@link Output#GENERAL}
     */
    static Args args(int batch, int m, int n, int k) {
        return new Args(batch, m, n, k);
    }

    /** Enqueues one product with a given kernel (tests and tuning name the kernel; the stages use {@link #run}). */
    static void launch(ClRuntime rt, Variant v, Args g) {
        assert g.output == Output.GENERAL || g.m == g.n;
        assert g.a != g.c && g.b != g.c : "GEMM output must not alias an operand";
        rt.kernel(v.kernel).i(g.m).i(g.n).i(g.k)
                .m(g.a).i(g.lda).i(g.strideA).i(g.transA == Transpose.YES ? 1 : 0)
                .m(g.b).i(g.ldb).i(g.strideB).i(g.transB == Transpose.YES ? 1 : 0)
                .m(g.c).i(g.ldc).i(g.strideC)
                .m(g.d == null ? g.c : g.d).f(g.alpha).f(g.d == null ? 0f : g.beta).f(g.diag).i(g.diagLimit)
                .m(g.scale == null ? g.c : g.scale).i(g.scale == null ? -1 : g.scaleSlot)
                .i(g.output == Output.SYMMETRIC ? 1 : 0)
                .run(new long[] {(g.n + v.tileCols - 1) / v.tileCols, (g.m + v.tileRows - 1) / v.tileRows, g.batch},
                        v.local);
    }

    /** The arguments of one batched product; set operands and epilogue terms, then {@link GemmRoutine#run}. */
    static final class Args {
        final int batch;
        final int m;
        final int n;
        final int k;
        cl_mem a;
        int lda;
        int strideA;
        Transpose transA = Transpose.NO;
        cl_mem b;
        int ldb;
        int strideB;
        Transpose transB = Transpose.NO;
        cl_mem c;
        int ldc;
        int strideC;
        cl_mem d;
        float alpha = 1f;
        float beta;
        float diag;
        int diagLimit;
        cl_mem scale;
        int scaleSlot = -1;
        Output output = Output.GENERAL;

        private Args(int batch, int m, int n, int k) {
            this.batch = batch;
            this.m = m;
            this.n = n;
            this.k = k;
        }

        /** @param buf A  @param ld its leading dimension  @param stride floats per sample  @param t op */
        Args a(cl_mem buf, int ld, int stride, Transpose t) {
            this.a = buf;
            this.lda = ld;
            this.strideA = stride;
            this.transA = t;
            return this;
        }

        /** @param buf B  @param ld its leading dimension  @param stride floats per sample  @param t op */
        Args b(cl_mem buf, int ld, int stride, Transpose t) {
            this.b = buf;
            this.ldb = ld;
            this.strideB = stride;
            this.transB = t;
            return this;
        }

        /** @param buf C, which must not alias A or B  @param ld its leading dimension  @param stride per sample */
        Args c(cl_mem buf, int ld, int stride) {
            this.c = buf;
            this.ldc = ld;
            this.strideC = stride;
            return this;
        }

        /** @param v the factor of the product  @return this */
        Args alpha(float v) {
            this.alpha = v;
            return this;
        }

        /**
         * Adds beta D (D laid out like C; it may be C itself). A null D means no D term, whatever beta.
         *
         * @return this
         */
        Args plus(float factor, cl_mem dm) {
            this.beta = factor;
            this.d = dm;
            return this;
        }

        /** Adds diag on the first {@code limit} diagonal elements (diag I_limit). @return this */
        Args identity(float v, int limit) {
            this.diag = v;
            this.diagLimit = limit;
            return this;
        }

        /** Multiplies the whole result by slot {@code slot} of each sample's scalars. @return this */
        Args scale(cl_mem scalars, int slot) {
            this.scale = scalars;
            this.scaleSlot = slot;
            return this;
        }

        /** @param o whether C is known to be symmetric  @return this */
        Args output(Output o) {
            this.output = o;
            return this;
        }
    }
}
