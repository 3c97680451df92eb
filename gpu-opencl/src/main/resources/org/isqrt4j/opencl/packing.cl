/*
 * isqrt4j OpenCL kernels: TRIU packing (docs/maths.md (M6)) and its backward (B1), between the padded device
 * layout and the host layouts FULL and TRIU.
 */

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
