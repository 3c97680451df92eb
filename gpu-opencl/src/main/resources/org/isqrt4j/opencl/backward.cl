/*
 * isqrt4j OpenCL kernels: the backward's own kernels besides the GEMMs (docs/maths.md, Backward): the dots of the
 * compensate and normalise backward (B2), (B16), the normalise backward itself (B16) fused with the covariance
 * backward's symmetrisation (B17), and the symmetric newtonSchulz backward's P + P^T combination (B14).
 */

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
 * compensateBackward and normaliseBackward, (B2) and (B16), with the newtonSchulz backward run on the raw dL/dC:
 * with r = 1/sqrt(tau), u = <G, C>, v = <dA_raw, A> (dots[2b], dots[2b+1]),
 *     dL/dSigma = dA_raw / sqrt(tau) + (u r^2 / 2 - r v) I
 * (= dL/dA / tau + (s - <dL/dA, Sigma> / tau^2) I with dL/dA = sqrt(tau) dA_raw, s = <G, Y_K> / (2 sqrt(tau))).
 * sym = 0 writes dL/dSigma; sym = 1 writes the covariance backward's (B17) S = (dL/dSigma + dL/dSigma^T) / n, so that
 * dL/dX = S Xc; sym = 2 does the same for an exactly symmetric dA_raw (the symmetric backward), where
 * S = 2 dL/dSigma / n needs no transposed read. r = 0 for zero-trace samples makes the gradient zero.
 * NDRange (dp, dp, B).
 */
__kernel void normalise_backward(const int d, const int dp, const int ld, __global const float* dA,
                                 __global const float* scal, __global const float* dots, __global float* out, const int sym, const float invN) {
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
 * out = a (P + P^T) + bx X + cy Y on padded matrices (Y is not read when cy = 0): the symmetric newtonSchulz
 * backward's (B14) G T + T G = P + P^T with P = G T for symmetric G and T, one product instead of two.
 * Blocking: a work-item owns an 8 x 8 block; it reads the mirrored block of P row by row (float8 loads) and
 * transposes it in private memory, so no access strides through columns. NDRange (dp / 8, dp / 8, B).
 */
__kernel void newton_schulz_backward_combine(const int dp, const int ld, __global const float* P,
                                             __global const float* X, __global const float* Y, __global float* out,
                                             const float a, const float bx, const float cy) {
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
