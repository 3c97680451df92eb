/*
 * isqrt4j OpenCL kernels: the batched GEMM routine (host side: GemmRoutine). The tiled variants are generated from
 * gemm_tiled.cl, which uses GEMM_ARGS, elem and store_tile from here.
 */

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
