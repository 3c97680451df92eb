/*
 * isqrt4j OpenCL kernels, common part: the conventions every kernel file relies on. ClRuntime builds one program
 * from common.cl, gemm.cl, covariance.cl, normalise.cl, packing.cl, newton_schulz.cl, backward.cl and the
 * generated gemm_tiled.cl variants, in that order. Equation numbers (M1)-(M8), (B1)-(B17) are those of
 * docs/maths.md.
 *
 * Conventions of the host code (OpenClMatrixSqrtOp and its stage classes):
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
