/*
 * isqrt4j OpenCL kernels: covariance pooling, trace normalisation, coupled Newton-Schulz, post-compensation,
 * TRIU packing and their backward.
 *
 * Conventions of the host code (OpenClMatrixSqrtOp):
 *  - every d x d matrix on the device is stored padded: dp = d rounded up to 16 rows and columns, zero outside
 *    the leading d x d block, with leading dimension ld >= dp (ld avoids multiples of 256 bytes, whose cache-set
 *    aliasing cost 3-6x in GEMM throughput at d = 256 and 1024 on CPU OpenCL) and batch stride dp * ld.
 *    Products and sums of such matrices stay zero outside d x d, so the Newton-Schulz GEMMs run on full
 *    tiles without bounds checks; only identity terms must stop at d. Columns dp..ld-1 are never read;
 *  - the batch index is the last NDRange dimension, so one launch serves the whole batch;
 *  - per-sample scalars live in a float buffer with SCAL_STRIDE slots per sample:
 *    [tau, sqrt(tau), 1/tau, 1/sqrt(tau)], all zero when tau <= 0 (zero-trace samples give zero output and
 *    zero gradient, never NaN).
 *
 * Compile-time constants (-D options): RED_WG, the work-group size of the reductions (a power of two);
 * SCAL_STRIDE, floats per sample in the scalar buffer; GEMM_WX x GEMM_WY, the GEMM work-group shape, and
 * GEMM_BK, its k slab.
 */

#ifndef RED_WG
#error "RED_WG must be defined (-DRED_WG=...)"
#endif
#if !defined(GEMM_WX) || !defined(GEMM_WY) || !defined(GEMM_BK)
#error "GEMM_WX, GEMM_WY and GEMM_BK must be defined"
#endif
#ifndef SCAL_STRIDE
#error "SCAL_STRIDE must be defined (-DSCAL_STRIDE=...)"
#endif

/* ------------------------------------------------------------------------------------------------ GEMM */

/*
 * Two batched GEMM kernels with the same arguments and the same fused epilogue:
 *     C_b = s_b * (alpha * op(A_b) op(B_b) + beta * D_b + diag * I_diagLimit)
 * op(A) = A or A^T (transA), op(B) = B or B^T (transB), op(A) is M x K, op(B) K x N, C M x N, all row-major with
 * leading dimensions lda, ldb, ldc and per-sample strides. s_b = scale[b * SCAL_STRIDE + scaleSlot], or 1 when
 * scaleSlot < 0 (post-compensation passes sqrt(tau)). D may alias C (each element is read and written by the
 * same work-item) but A and B must not. Each work-item owns a register tile of C (gemm: 8 x 16, gemm_local:
 * 4 x 8) and writes it through store_tile in 4 x 8 pieces; NDRange dimension 0 walks tile columns, 1 tile rows,
 * 2 the batch.
 *
 * symOut (needs M == N and a symmetric D): the product is known to be symmetric (covariance, products of
 * commuting symmetric Newton-Schulz iterates), so tiles (gemm_local: groups) strictly below the diagonal return
 * at once and each work-item writes C(i, j) for i <= j of its tile also to C(j, i). Every element has exactly
 * one writer, and C is exactly symmetric.
 */

/* One k step of the 4 x 8 register tile: rank-1 update acc_i += a_i * b. */
#define RANK1(a, b)                          \
    acc0 = fma((float8)((a).s0), (b), acc0); \
    acc1 = fma((float8)((a).s1), (b), acc1); \
    acc2 = fma((float8)((a).s2), (b), acc2); \
    acc3 = fma((float8)((a).s3), (b), acc3);

#define GEMM_ARGS                                                                                   \
    const int M, const int N, const int K,                                                          \
    __global const float* restrict A, const int lda, const int strideA, const int transA,           \
    __global const float* restrict B, const int ldb, const int strideB, const int transB,           \
    __global float* C, const int ldc, const int strideC,                                            \
    __global const float* D, const float alpha, const float beta, const float diag, const int diagLimit, \
    __global const float* scale, const int scaleSlot, const int symOut

/* op(A)(i, k) or op(B)(k, j) of one sample. */
inline float elem(__global const float* m, int ld, int trans, int r, int c) {
    return trans ? m[(size_t)c * ld + r] : m[(size_t)r * ld + c];
}

/* The epilogue on one value: s_b * (alpha * acc + beta * D + diag * [i == j < diagLimit]). */
inline float epi(float acc, int i, int j, __global const float* Db, int ldc, float alpha, float beta,
                 float diag, int diagLimit, float s) {
    float v = alpha * acc;
    if (beta != 0.0f) {
        v = fma(beta, Db[(size_t)i * ldc + j], v);
    }
    if (i == j && i < diagLimit) {
        v += diag;
    }
    return s * v;
}

/* Writes the 4 x 8 tile at (row, col) of sample b through the epilogue, honouring the edges and symOut. */
inline void store_tile(float8 acc0, float8 acc1, float8 acc2, float8 acc3, const int row, const int col,
                       const int b, const int M, const int N, __global float* C, const int ldc, const int strideC,
                       __global const float* D, const float alpha, const float beta, const float diag,
                       const int diagLimit, __global const float* scale, const int scaleSlot, const int symOut) {
    __global float* Cb = C + (size_t)b * strideC;
    __global const float* Db = D + (size_t)b * strideC;
    const float s = scaleSlot >= 0 ? scale[b * SCAL_STRIDE + scaleSlot] : 1.0f;
    const int full = row + 4 <= M && col + 8 <= N;
    const int noDiag = diag == 0.0f || row + 3 < col || row >= col + 8 || row >= diagLimit;
    float8 c[4] = {acc0, acc1, acc2, acc3};
    if (full && ((!symOut && noDiag) || (symOut && row + 3 < col))) {
        /* Vector epilogue: no identity term in the tile; under symOut the tile is strictly above the diagonal. */
        for (int i = 0; i < 4; ++i) {
            float8 v = alpha * c[i];
            if (beta != 0.0f) {
                v = fma((float8)(beta), vload8(0, Db + (size_t)(row + i) * ldc + col), v);
            }
            c[i] = s * v;
            vstore8(c[i], 0, Cb + (size_t)(row + i) * ldc + col);
        }
        if (symOut) {
            __global float* t = Cb + (size_t)col * ldc + row;
            vstore4((float4)(c[0].s0, c[1].s0, c[2].s0, c[3].s0), 0, t);
            vstore4((float4)(c[0].s1, c[1].s1, c[2].s1, c[3].s1), 0, t + ldc);
            vstore4((float4)(c[0].s2, c[1].s2, c[2].s2, c[3].s2), 0, t + 2 * ldc);
            vstore4((float4)(c[0].s3, c[1].s3, c[2].s3, c[3].s3), 0, t + 3 * ldc);
            vstore4((float4)(c[0].s4, c[1].s4, c[2].s4, c[3].s4), 0, t + 4 * ldc);
            vstore4((float4)(c[0].s5, c[1].s5, c[2].s5, c[3].s5), 0, t + 5 * ldc);
            vstore4((float4)(c[0].s6, c[1].s6, c[2].s6, c[3].s6), 0, t + 6 * ldc);
            vstore4((float4)(c[0].s7, c[1].s7, c[2].s7, c[3].s7), 0, t + 7 * ldc);
        }
        return;
    }
    /* Scalar epilogue: edge tiles, tiles crossing the diagonal. */
    float r[4][8];
    for (int i = 0; i < 4; ++i) {
        vstore8(c[i], 0, r[i]);
    }
    for (int i = 0; i < 4; ++i) {
        const int gi = row + i;
        if (gi >= M) {
            break;
        }
        for (int j = 0; j < 8; ++j) {
            const int gj = col + j;
            if (gj >= N) {
                break;
            }
            if (symOut && gi > gj) {
                continue;
            }
            const float v = epi(r[i][j], gi, gj, Db, ldc, alpha, beta, diag, diagLimit, s);
            Cb[(size_t)gi * ldc + gj] = v;
            if (symOut && gi < gj) {
                Cb[(size_t)gj * ldc + gi] = v;
            }
        }
    }
}

/* One k step of the 8 x 16 register tile: rank-1 update c_i += a_i * b. */
#define RANK1_8x16(a, b)                     \
    c0 = fma((float16)((a).s0), (b), c0);    \
    c1 = fma((float16)((a).s1), (b), c1);    \
    c2 = fma((float16)((a).s2), (b), c2);    \
    c3 = fma((float16)((a).s3), (b), c3);    \
    c4 = fma((float16)((a).s4), (b), c4);    \
    c5 = fma((float16)((a).s5), (b), c5);    \
    c6 = fma((float16)((a).s6), (b), c6);    \
    c7 = fma((float16)((a).s7), (b), c7);

/*
 * gemm: register tiles straight from global memory, no local memory and no barriers; chosen for CPU devices,
 * where a work-group is a loop on one core and the caches do the blocking. Each work-item owns an 8 x 16 tile:
 * eight float16 accumulators (eight independent FMA chains, enough to cover the FMA latency; 128 FMAs per k step
 * from one float8 and one float16 operand). Measured on PoCL (AVX-512): about twice the GFLOP/s of a 4 x 8 tile.
 * The A operand is fastest transposed (A^T rows are contiguous: one float8 load per k), B untransposed (one
 * float16 load); the host passes symmetric operands in those forms. Edge tiles take a bounds-checked scalar
 * load path.
 */
__kernel void gemm(GEMM_ARGS) {
    const int col = (int)get_global_id(0) * 16;
    const int row = (int)get_global_id(1) * 8;
    const int b = (int)get_global_id(2);
    if (row >= M || col >= N || (symOut && row > col + 15)) {
        return;
    }
    __global const float* Ab = A + (size_t)b * strideA;
    __global const float* Bb = B + (size_t)b * strideB;
    float16 c0 = (float16)(0.0f), c1 = (float16)(0.0f), c2 = (float16)(0.0f), c3 = (float16)(0.0f);
    float16 c4 = (float16)(0.0f), c5 = (float16)(0.0f), c6 = (float16)(0.0f), c7 = (float16)(0.0f);
    if (row + 8 <= M && col + 16 <= N) {
        if (transA && !transB) {
            __global const float* ap = Ab + row;
            __global const float* bp = Bb + col;
            for (int k = 0; k < K; ++k) {
                const float8 a = vload8(0, ap);
                const float16 bv = vload16(0, bp);
                RANK1_8x16(a, bv)
                ap += lda;
                bp += ldb;
            }
        } else if (!transA && !transB) {
            __global const float* a0 = Ab + (size_t)row * lda;
            __global const float* bp = Bb + col;
            for (int k = 0; k < K; ++k) {
                const float8 a = (float8)(a0[k], a0[lda + k], a0[2 * lda + k], a0[3 * lda + k],
                                          a0[4 * lda + k], a0[5 * lda + k], a0[6 * lda + k], a0[7 * lda + k]);
                const float16 bv = vload16(0, bp);
                RANK1_8x16(a, bv)
                bp += ldb;
            }
        } else {
            /* B transposed: only the general (non-symmetric Sigma) backward; sixteen strided loads per k. */
            __global const float* b0 = Bb + (size_t)col * ldb;
            for (int k = 0; k < K; ++k) {
                float8 a;
                if (transA) {
                    a = vload8(0, Ab + (size_t)k * lda + row);
                } else {
                    __global const float* a0 = Ab + (size_t)row * lda + k;
                    a = (float8)(a0[0], a0[lda], a0[2 * lda], a0[3 * lda], a0[4 * lda], a0[5 * lda], a0[6 * lda],
                                 a0[7 * lda]);
                }
                float bj[16];
                for (int j = 0; j < 16; ++j) {
                    bj[j] = b0[(size_t)j * ldb + k];
                }
                const float16 bv = vload16(0, bj);
                RANK1_8x16(a, bv)
            }
        }
    } else {
        for (int k = 0; k < K; ++k) {
            float ai[8];
            for (int i = 0; i < 8; ++i) {
                ai[i] = row + i < M ? elem(Ab, lda, transA, row + i, k) : 0.0f;
            }
            float bj[16];
            for (int j = 0; j < 16; ++j) {
                bj[j] = col + j < N ? elem(Bb, ldb, transB, k, col + j) : 0.0f;
            }
            const float8 a = vload8(0, ai);
            const float16 bv = vload16(0, bj);
            RANK1_8x16(a, bv)
        }
    }
    store_tile(c0.lo, c1.lo, c2.lo, c3.lo, row, col, b, M, N, C, ldc, strideC, D, alpha, beta, diag, diagLimit,
               scale, scaleSlot, symOut);
    store_tile(c0.hi, c1.hi, c2.hi, c3.hi, row, col + 8, b, M, N, C, ldc, strideC, D, alpha, beta, diag,
               diagLimit, scale, scaleSlot, symOut);
    store_tile(c4.lo, c5.lo, c6.lo, c7.lo, row + 4, col, b, M, N, C, ldc, strideC, D, alpha, beta, diag,
               diagLimit, scale, scaleSlot, symOut);
    store_tile(c4.hi, c5.hi, c6.hi, c7.hi, row + 4, col + 8, b, M, N, C, ldc, strideC, D, alpha, beta, diag,
               diagLimit, scale, scaleSlot, symOut);
}

/*
 * gemm_local: the shared-memory blocking for GPUs. A group of GEMM_WX x GEMM_WY work-items owns a
 * (4 GEMM_WY) x (8 GEMM_WX) block of C; K advances in slabs of GEMM_BK that the group copies into local memory
 * k-major, with transposition and zero fill at the edges done in the copy (consecutive work-items read
 * consecutive global addresses for every variant), so the inner loop is the same for all four variants and has no
 * bounds checks. Each work-item then runs its rank-1 updates from local memory. Needs the local size
 * (GEMM_WX, GEMM_WY, 1).
 */
#define BM (4 * GEMM_WY)
#define BN (8 * GEMM_WX)
__kernel __attribute__((reqd_work_group_size(GEMM_WX, GEMM_WY, 1)))
void gemm_local(GEMM_ARGS) {
    __local float As[GEMM_BK * BM];
    __local float Bs[GEMM_BK * BN];
    const int tx = (int)get_local_id(0);
    const int ty = (int)get_local_id(1);
    const int lid = ty * GEMM_WX + tx;
    const int row0 = (int)get_group_id(1) * BM;
    const int col0 = (int)get_group_id(0) * BN;
    const int b = (int)get_global_id(2);
    if (symOut && row0 > col0 + BN - 1) {
        return; /* the whole block is strictly below the diagonal: the whole group leaves, before any barrier */
    }
    __global const float* Ab = A + (size_t)b * strideA;
    __global const float* Bb = B + (size_t)b * strideB;
    float8 acc0 = (float8)(0.0f), acc1 = (float8)(0.0f), acc2 = (float8)(0.0f), acc3 = (float8)(0.0f);
    for (int k0 = 0; k0 < K; k0 += GEMM_BK) {
        for (int t = lid; t < GEMM_BK * BM; t += GEMM_WX * GEMM_WY) {
            const int kk = transA ? t / BM : t % GEMM_BK;
            const int ii = transA ? t % BM : t / GEMM_BK;
            const int gi = row0 + ii, gk = k0 + kk;
            As[kk * BM + ii] = (gi < M && gk < K) ? elem(Ab, lda, transA, gi, gk) : 0.0f;
        }
        for (int t = lid; t < GEMM_BK * BN; t += GEMM_WX * GEMM_WY) {
            const int kk = transB ? t % GEMM_BK : t / BN;
            const int jj = transB ? t / GEMM_BK : t % BN;
            const int gj = col0 + jj, gk = k0 + kk;
            Bs[kk * BN + jj] = (gj < N && gk < K) ? elem(Bb, ldb, transB, gk, gj) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        __local const float* ap = As + ty * 4;
        __local const float* bp = Bs + tx * 8;
        for (int kk = 0; kk < GEMM_BK; ++kk) {
            const float4 a = vload4(0, ap + kk * BM);
            const float8 bv = vload8(0, bp + kk * BN);
            RANK1(a, bv)
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int row = row0 + ty * 4;
    const int col = col0 + tx * 8;
    if (row >= M || col >= N || (symOut && row > col + 7)) {
        return;
    }
    store_tile(acc0, acc1, acc2, acc3, row, col, b, M, N, C, ldc, strideC, D, alpha, beta, diag, diagLimit,
               scale, scaleSlot, symOut);
}

/* ------------------------------------------------------------------------------------- covariance */

/*
 * Per-channel mean over positions, one work-item per (sample, channel) row, stored relative to the row's first
 * value: mean = x[0] + m, and m is what is written. The sum runs over x - x[0] (Kahan-compensated, in four
 * interleaved partial sums so that the compensation chains overlap): a constant channel has m = 0 exactly and
 * centres to exact zeros, so a sample of constant features has trace exactly 0 (zero output and gradient). Keeping
 * x[0] out of the stored value keeps its rounding relative to the spread: a float mean near a large common offset
 * would be off by up to half an ulp of the offset, a constant shift of the whole centred row.
 */
__kernel void row_mean(const int rows, const int n, __global const float* X, __global float* mean) {
    const int r = (int)get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const float* x = X + (size_t)r * n;
    const float shift = x[0];
    float4 sum = (float4)(0.0f), comp = (float4)(0.0f);
    int p = 0;
    for (; p + 4 <= n; p += 4) {
        const float4 y = (vload4(0, x + p) - shift) - comp;
        const float4 t = sum + y;
        comp = (t - sum) - y;
        sum = t;
    }
    float tail = 0.0f;
    for (; p < n; ++p) {
        tail += x[p] - shift;
    }
    mean[r] = (((sum.s0 + sum.s1) + (sum.s2 + sum.s3)) + tail) / (float)n;
}

/*
 * Centring Xc = (X - x0) - m 1^T with x0 the row's first value and m from row_mean (X - x0 is exact wherever X
 * is within a factor of 2 of x0, so a large common offset costs no precision), written as Xc^T (n x ld per
 * sample, zero in the padding columns) for the covariance GEMM and, when writeXc, also as Xc (d x n, X's layout)
 * for the backward dX = S Xc.
 * Blocking: a work-item owns 8 channels x 8 positions; it reads the X rows and writes Xc rows in runs of 8, keeps
 * the block in private memory and writes it transposed as 8 runs of Xc^T rows, so neither side strides.
 * NDRange (dp / 8, ceil(n / 8), B).
 */
__kernel void center(const int d, const int n, const int dp, const int ld, __global const float* X,
                     __global const float* mean, __global float* Xc, __global float* XcT, const int writeXc) {
    const int c0 = (int)get_global_id(0) * 8;
    const int p0 = (int)get_global_id(1) * 8;
    const int b = (int)get_global_id(2);
    if (c0 >= dp || p0 >= n) {
        return;
    }
    float blk[8][8];
    for (int i = 0; i < 8; ++i) {
        const int c = c0 + i;
        if (c < d) {
            const size_t row = ((size_t)b * d + c) * n;
            const float m = mean[(size_t)b * d + c];
            const float x0 = X[row];
            for (int q = 0; q < 8; ++q) {
                const int p = p0 + q;
                blk[i][q] = p < n ? (X[row + p] - x0) - m : 0.0f;
                if (writeXc && p < n) {
                    Xc[row + p] = blk[i][q];
                }
            }
        } else {
            for (int q = 0; q < 8; ++q) {
                blk[i][q] = 0.0f;
            }
        }
    }
    for (int q = 0; q < 8 && p0 + q < n; ++q) {
        vstore8((float8)(blk[0][q], blk[1][q], blk[2][q], blk[3][q], blk[4][q], blk[5][q], blk[6][q], blk[7][q]),
                0, XcT + ((size_t)b * n + p0 + q) * ld + c0);
    }
}

/* --------------------------------------------------------------------------- normalisation, packing */

/* tau = tr(Sigma) and the derived scalars, one work-item per sample. tau <= 0 (zero trace) gives all zeros. */
__kernel void trace_scalars(const int batch, const int d, const int dp, const int ld, __global const float* S,
                            __global float* scal) {
    const int b = (int)get_global_id(0);
    if (b >= batch) {
        return;
    }
    __global const float* s = S + (size_t)b * dp * ld;
    float tau = 0.0f;
    for (int i = 0; i < d; ++i) {
        tau += s[(size_t)i * ld + i];
    }
    __global float* o = scal + b * SCAL_STRIDE;
    if (tau > 0.0f && isfinite(tau)) {
        const float st = sqrt(tau);
        o[0] = tau;
        o[1] = st;
        o[2] = 1.0f / tau;
        o[3] = 1.0f / st;
    } else {
        o[0] = 0.0f;
        o[1] = 0.0f;
        o[2] = 0.0f;
        o[3] = 0.0f;
    }
}

/*
 * Pre-normalisation and the first Newton-Schulz step's T without a product (Z0 = I, so Z0 Y0 = A):
 * A = Sigma / tau, T1 = (3I - A) / 2 (= Z1). NDRange (dp, dp, B).
 */
__kernel void normalise(const int d, const int dp, const int ld, __global const float* S, __global const float* scal,
                        __global float* A, __global float* T1) {
    const int j = (int)get_global_id(0);
    const int i = (int)get_global_id(1);
    const int b = (int)get_global_id(2);
    const size_t e = (size_t)b * dp * ld + (size_t)i * ld + j;
    const float tau = scal[b * SCAL_STRIDE];
    /* Dividing (not multiplying by 1/tau) keeps |A_ij| <= 1 finite even when 1/tau would overflow. */
    const float a = tau > 0.0f ? S[e] / tau : 0.0f;
    A[e] = a;
    T1[e] = (i == j && i < d ? 1.5f : 0.0f) - 0.5f * a;
}

/* Padded d x d to the host layout: FULL (d*d per sample) or TRIU (d(d+1)/2, upper triangle row by row). NDRange (d, d, B). */
__kernel void pack_out(const int d, const int dp, const int ld, const int triu, __global const float* P, __global float* out) {
    const int j = (int)get_global_id(0);
    const int i = (int)get_global_id(1);
    const int b = (int)get_global_id(2);
    const float v = P[(size_t)b * dp * ld + (size_t)i * ld + j];
    if (!triu) {
        out[(size_t)b * d * d + (size_t)i * d + j] = v;
    } else if (j >= i) {
        const size_t per = (size_t)d * (d + 1) / 2;
        const size_t k = (size_t)i * d - (size_t)i * (i - 1) / 2 + (size_t)(j - i);
        out[(size_t)b * per + k] = v;
    }
}

/* Element (i, j) of a host-layout FULL or TRIU sample (TRIU: zero below the diagonal). */
inline float host_elem(__global const float* in, const int d, const int triu, const int b, const int i, const int j) {
    if (!triu) {
        return in[(size_t)b * d * d + (size_t)i * d + j];
    }
    if (j < i) {
        return 0.0f;
    }
    const size_t per = (size_t)d * (d + 1) / 2;
    return in[(size_t)b * per + (size_t)i * d - (size_t)i * (i - 1) / 2 + (size_t)(j - i)];
}

/*
 * Host layout to padded d x d: FULL copies, TRIU scatters into the upper triangle only (the lower triangle of
 * dL/dC is zero, as OutputLayout.TRIU documents). sym = 1 writes the symmetric part (G + G^T) / 2 instead, for the
 * layer backward, which depends on dL/dC only through it. NDRange (dp, dp, B).
 */
__kernel void unpack_in(const int d, const int dp, const int ld, const int triu, const int sym,
                        __global const float* in, __global float* P) {
    const int j = (int)get_global_id(0);
    const int i = (int)get_global_id(1);
    const int b = (int)get_global_id(2);
    float v = 0.0f;
    if (i < d && j < d) {
        v = sym ? 0.5f * (host_elem(in, d, triu, b, i, j) + host_elem(in, d, triu, b, j, i))
                : host_elem(in, d, triu, b, i, j);
    }
    P[(size_t)b * dp * ld + (size_t)i * ld + j] = v;
}

/* ------------------------------------------------------------------------------------------ backward */

/*
 * Per-sample Frobenius inner product <P_b, Q_b> of the dp x dp blocks into out[2b + slot]; one work-group of
 * RED_WG work-items per sample, strided partial sums then a tree reduction in local memory.
 * NDRange (RED_WG * B), local RED_WG.
 */
__kernel void dot_batched(const int dp, const int ld, __global const float* P, __global const float* Q,
                          __global float* out, const int slot) {
    __local float part[RED_WG];
    const int lid = (int)get_local_id(0);
    const int b = (int)get_group_id(0);
    const size_t base = (size_t)b * dp * ld;
    float acc = 0.0f;
    for (int i = 0; i < dp; ++i) {
        __global const float* p = P + base + (size_t)i * ld;
        __global const float* q = Q + base + (size_t)i * ld;
        for (int j = lid; j < dp; j += RED_WG) {
            acc = fma(p[j], q[j], acc);
        }
    }
    part[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = RED_WG / 2; w > 0; w >>= 1) {
        if (lid < w) {
            part[lid] += part[lid + w];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        out[2 * b + slot] = part[0];
    }
}

/*
 * Post-compensation and pre-normalisation backward, with the square-root backward run on the raw dL/dC:
 * with r = 1/sqrt(tau), u = <G, C>, v = <dA_raw, A> (dots[2b], dots[2b+1]),
 *     dL/dSigma = dA_raw / sqrt(tau) + (u r^2 / 2 - r v) I
 * (= dL/dA / tau + (s - <dL/dA, Sigma> / tau^2) I with dL/dA = sqrt(tau) dA_raw, s = <G, Y_K> / (2 sqrt(tau))).
 * sym = 0 writes dL/dSigma; sym = 1 writes the covariance backward's S = (dL/dSigma + dL/dSigma^T) / n, so that
 * dL/dX = S Xc; sym = 2 does the same for an exactly symmetric dA_raw (the symmetric backward), where
 * S = 2 dL/dSigma / n needs no transposed read. r = 0 for zero-trace samples makes the gradient zero.
 * NDRange (dp, dp, B).
 */
__kernel void grad_finish(const int d, const int dp, const int ld, __global const float* dA, __global const float* scal,
                          __global const float* dots, __global float* out, const int sym, const float invN) {
    const int j = (int)get_global_id(0);
    const int i = (int)get_global_id(1);
    const int b = (int)get_global_id(2);
    const size_t base = (size_t)b * dp * ld;
    float v = 0.0f;
    if (i < d && j < d) {
        const float r = scal[b * SCAL_STRIDE + 3];
        const float coef = (dots[2 * b] * r) * (0.5f * r) - r * dots[2 * b + 1];
        if (sym == 2) {
            v = 2.0f * invN * (r * dA[base + (size_t)i * ld + j] + (i == j ? coef : 0.0f));
        } else if (sym) {
            v = invN * (r * (dA[base + (size_t)i * ld + j] + dA[base + (size_t)j * ld + i]) + (i == j ? 2.0f * coef : 0.0f));
        } else {
            v = r * dA[base + (size_t)i * ld + j] + (i == j ? coef : 0.0f);
        }
    }
    out[base + (size_t)i * ld + j] = v;
}

/*
 * out = a (P + P^T) + bx X + cy Y on padded matrices (Y is not read when cy = 0): the symmetric backward's
 * G T + T G = P + P^T with P = G T for symmetric G and T, one product instead of two.
 * Blocking: a work-item owns an 8 x 8 block; it reads the mirrored block of P row by row (float8 loads) and
 * transposes it in private memory, so no access strides through columns. NDRange (dp / 8, dp / 8, B).
 */
__kernel void combine(const int dp, const int ld, __global const float* P, __global const float* X,
                      __global const float* Y, __global float* out, const float a, const float bx, const float cy) {
    const int bj = (int)get_global_id(0) * 8;
    const int bi = (int)get_global_id(1) * 8;
    const int b = (int)get_global_id(2);
    if (bi >= dp || bj >= dp) {
        return;
    }
    const size_t base = (size_t)b * dp * ld;
    float pt[8][8];
    for (int c = 0; c < 8; ++c) {
        vstore8(vload8(0, P + base + (size_t)(bj + c) * ld + bi), 0, pt[c]);
    }
    for (int r = 0; r < 8; ++r) {
        const size_t e = base + (size_t)(bi + r) * ld + bj;
        const float8 mirrored = (float8)(pt[0][r], pt[1][r], pt[2][r], pt[3][r], pt[4][r], pt[5][r], pt[6][r], pt[7][r]);
        float8 v = a * (vload8(0, P + e) + mirrored) + bx * vload8(0, X + e);
        if (cy != 0.0f) {
            v += cy * vload8(0, Y + e);
        }
        vstore8(v, 0, out + e);
    }
}

/* Covariance backward's S = factor * (G + G^T) on padded matrices. NDRange (dp, dp, B). */
__kernel void symmetrise(const int dp, const int ld, __global const float* G, __global float* S, const float factor) {
    const int j = (int)get_global_id(0);
    const int i = (int)get_global_id(1);
    const int b = (int)get_global_id(2);
    const size_t base = (size_t)b * dp * ld;
    S[base + (size_t)i * ld + j] = factor * (G[base + (size_t)i * ld + j] + G[base + (size_t)j * ld + i]);
}

/* ------------------------------------------------------------------------- small-d Newton-Schulz steps */

/*
 * One whole coupled Newton-Schulz step s >= 2 for one sample per work-group, for symmetric iterates with
 * dp <= NS_MAXD (W2's d = 64: where three batched GEMM launches per step cost more than their arithmetic):
 *     T = (3I - Z Y) / 2,   Y' = Y T,   Z' = T Z      (last: C = sqrt(tau) Y T, no Z')
 * Y and Z are copied into local memory once; T is written to global memory (the backward keeps it) and read back
 * from there after a global-memory barrier. As in the GEMM kernels' symOut, only the upper triangle is computed
 * and every value is also written to its mirror, so the iterates stay exactly symmetric. NS_MAXD is chosen by the
 * host so that two NS_MAXD^2 float matrices fit the device's local memory. NDRange (RED_WG * B), local RED_WG.
 */
#ifndef NS_MAXD
#define NS_MAXD 64
#endif
__kernel void ns_step_small(const int dp, const int ld, const int d, const int last,
                            __global const float* Y, __global const float* Z, __global float* T,
                            __global float* Yout, __global float* Zout, __global const float* scal) {
    __local float Ys[NS_MAXD * NS_MAXD];
    __local float Zs[NS_MAXD * NS_MAXD];
    const int lid = (int)get_local_id(0);
    const int wg = (int)get_local_size(0);
    const int b = (int)get_group_id(0);
    const size_t base = (size_t)b * dp * ld;
    for (int e = lid; e < dp * dp; e += wg) {
        const int i = e / dp;
        const int j = e - i * dp;
        Ys[e] = Y[base + (size_t)i * ld + j];
        Zs[e] = Z[base + (size_t)i * ld + j];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int e = lid; e < dp * dp; e += wg) {
        const int i = e / dp;
        const int j = e - i * dp;
        if (i > j) {
            continue;
        }
        float acc = 0.0f;
        for (int k = 0; k < dp; ++k) {
            acc = fma(Zs[i * dp + k], Ys[k * dp + j], acc);
        }
        const float v = -0.5f * acc + (i == j && i < d ? 1.5f : 0.0f);
        T[base + (size_t)i * ld + j] = v;
        T[base + (size_t)j * ld + i] = v;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    const float s = last ? scal[b * SCAL_STRIDE + 1] : 1.0f;
    __global const float* Tb = T + base;
    for (int e = lid; e < dp * dp; e += wg) {
        const int i = e / dp;
        const int j = e - i * dp;
        if (i > j) {
            continue;
        }
        float y = 0.0f;
        float z = 0.0f;
        for (int k = 0; k < dp; ++k) {
            const float t = Tb[(size_t)k * ld + j];
            y = fma(Ys[i * dp + k], t, y);
            z = fma(Zs[i * dp + k], t, z); /* T Z = Z T: Z and T are polynomials in A, so they commute */
        }
        y *= s;
        Yout[base + (size_t)i * ld + j] = y;
        Yout[base + (size_t)j * ld + i] = y;
        if (!last) {
            Zout[base + (size_t)i * ld + j] = z;
            Zout[base + (size_t)j * ld + i] = z;
        }
    }
}
