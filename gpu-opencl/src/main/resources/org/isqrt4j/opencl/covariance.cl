/*
 * isqrt4j OpenCL kernels: covariance (docs/maths.md (M1)-(M2)) and its backward (B17). The Gram product
 * Sigma = Xc Xc^T / n itself is a GEMM (gemm.cl) on the Xc^T that covariance_centre writes.
 */

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
 * covariance (M1): centring Xc = (X - x0) - m 1^T with x0 the row's first value and m from row_mean (X - x0 is exact wherever X
 * is within a factor of 2 of x0, so a large common offset costs no precision), written as Xc^T (n x ld per
 * sample, zero in the padding columns) for the covariance GEMM and, when writeXc, also as Xc (d x n, X's layout)
 * for the backward dX = S Xc.
 * Blocking: a work-item owns 8 channels x 8 positions; it reads the X rows and writes Xc rows in runs of 8, keeps
 * the block in private memory and writes it transposed as 8 runs of Xc^T rows, so neither side strides.
 * NDRange (dp / 8, ceil(n / 8), B).
 */
__kernel void covariance_centre(const int d, const int n, const int dp, const int ld, __global const float* X,
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

/* covarianceBackward (B17): S = factor * (G + G^T) on padded matrices, so that dL/dX = S Xc. NDRange (dp, dp, B). */
__kernel void covariance_backward(const int dp, const int ld, __global const float* G, __global float* S,
                                  const float factor) {
    const int j = (int)get_global_id(0);
    const int i = (int)get_global_id(1);
    const int b = (int)get_global_id(2);
    const size_t base = (size_t)b * dp * ld;
    S[base + (size_t)i * ld + j] = factor * (G[base + (size_t)i * ld + j] + G[base + (size_t)j * ld + i]);
}
