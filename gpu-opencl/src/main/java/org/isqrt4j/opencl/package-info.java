/**
 * The OpenCL back-end of isqrt4j (through JOCL): {@link org.isqrt4j.opencl.OpenClMatrixSqrtOp} runs the whole
 * iSQRT-COV layer (covariance pooling, trace normalisation, coupled Newton-Schulz, post-compensation, TRIU packing)
 * and its backward as kernels on one device, and {@link org.isqrt4j.opencl.OpenClProvider} registers it with
 * {@link java.util.ServiceLoader} under the id {@code opencl}.
 *
 * <p>Device choice: system properties {@code isqrt4j.opencl.platform} and {@code isqrt4j.opencl.device} (index or
 * name substring), else the first GPU, else the first device; {@code isqrt4j.opencl.gemm} ({@code direct} or
 * {@code local}) overrides the GEMM kernel chosen for the device type. Without an OpenCL library or platform the
 * provider reports "no OpenCL device" and creating the op throws {@link org.isqrt4j.api.Isqrt4jException}.
 */
package org.isqrt4j.opencl;
