/*
 * Template of the gemm_tiled variants: ClRuntime appends one copy per variant to the program (after gemm.cl), with @NAME@, @TM@,
 * @TN@, @WX@, @WY@, @BM@ = TM * WY and @BN@ = TN * WX replaced by literals, so every loop bound and array size is a
 * compile-time constant (the accumulators stay in registers).
 *
 * The local-memory blocking of gemm_local with a larger register tile: a group of WX x WY work-items owns a BM x BN
 * block of C (64-128 rows and columns), each work-item a TM x TN tile of it (TM a multiple of 4, TN of 8: 4 x 8
 * or 8 x 8), so each value read from local memory feeds TN (or TM) FMAs instead of 8 (or 4). K advances in slabs of
 * GEMM_BK that the group copies into local memory k-major, transposing and zero-filling in the copy (consecutive
 * work-items read consecutive global addresses in every variant); the inner loop reads its TM values of A and TN
 * of B with vector loads. Same arguments, epilogue (store_tile, in 4 x 8 pieces) and symOut rule as gemm_local.
 */
__kernel __attribute__((reqd_work_group_size(@WX@, @WY@, 1)))
void @NAME@(GEMM_ARGS) {
    __local float As[GEMM_BK * @BM@];
    __local float Bs[GEMM_BK * @BN@];
    const int tx = (int)get_local_id(0);
    const int ty = (int)get_local_id(1);
    const int lid = ty * @WX@ + tx;
    const int row0 = (int)get_group_id(1) * @BM@;
    const int col0 = (int)get_group_id(0) * @BN@;
    const int b = (int)get_global_id(2);
    if (symOut && row0 > col0 + @BN@ - 1) {
        return; /* the whole block is strictly below the diagonal: the whole group leaves, before any barrier */
    }
    __global const float* Ab = A + (size_t)b * strideA;
    __global const float* Bb = B + (size_t)b * strideB;
    float acc[@TM@][@TN@];
    for (int i = 0; i < @TM@; ++i) {
        for (int j = 0; j < @TN@; ++j) {
            acc[i][j] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += GEMM_BK) {
        for (int t = lid; t < GEMM_BK * @BM@; t += @WX@ * @WY@) {
            const int kk = transA ? t / @BM@ : t % GEMM_BK;
            const int ii = transA ? t % @BM@ : t / GEMM_BK;
            const int gi = row0 + ii, gk = k0 + kk;
            As[kk * @BM@ + ii] = (gi < M && gk < K) ? elem(Ab, lda, transA, gi, gk) : 0.0f;
        }
        for (int t = lid; t < GEMM_BK * @BN@; t += @WX@ * @WY@) {
            const int kk = transB ? t % GEMM_BK : t / @BN@;
            const int jj = transB ? t / GEMM_BK : t % @BN@;
            const int gj = col0 + jj, gk = k0 + kk;
            Bs[kk * @BN@ + jj] = (gj < N && gk < K) ? elem(Bb, ldb, transB, gk, gj) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        __local const float* ap = As + ty * @TM@;
        __local const float* bp = Bs + tx * @TN@;
        for (int kk = 0; kk < GEMM_BK; ++kk) {
            float a[@TM@];
            float bv[@TN@];
            for (int i = 0; i < @TM@; i += 4) {
                vstore4(vload4(0, ap + kk * @BM@ + i), 0, a + i);
            }
            for (int j = 0; j < @TN@; j += 8) {
                vstore8(vload8(0, bp + kk * @BN@ + j), 0, bv + j);
            }
            for (int i = 0; i < @TM@; ++i) {
                for (int j = 0; j < @TN@; ++j) {
                    acc[i][j] = fma(a[i], bv[j], acc[i][j]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int row = row0 + ty * @TM@;
    const int col = col0 + tx * @TN@;
    if (row >= M || col >= N || (symOut && row > col + @TN@ - 1)) {
        return;
    }
    for (int i = 0; i < @TM@; i += 4) {
        for (int j = 0; j < @TN@; j += 8) {
            store_tile(vload8(0, acc[i] + j), vload8(0, acc[i + 1] + j), vload8(0, acc[i + 2] + j),
                       vload8(0, acc[i + 3] + j), row + i, col + j, b, M, N, C, ldc, strideC, D, alpha, beta, diag,
                       diagLimit, scale, scaleSlot, symOut);
        }
    }
}
