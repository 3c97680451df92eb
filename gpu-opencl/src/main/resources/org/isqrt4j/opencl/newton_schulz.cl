/*
 * isqrt4j OpenCL kernels: newtonSchulz (docs/maths.md (M4)) for small symmetric d as one launch per step. Larger
 * or non-symmetric iterates run the step as three GEMMs (gemm.cl) with fused epilogues.
 */

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
__kernel void newton_schulz_step_small(const int dp, const int ld, const int d, const int last,
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
