/*
 * isqrt4j OpenCL kernels: normalise (docs/maths.md (M3)), tau = tr(Sigma) and A = Sigma / tau, with the first
 * Newton-Schulz step's T_1 = (3I - A)/2 (M4), which needs no product.
 */

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

