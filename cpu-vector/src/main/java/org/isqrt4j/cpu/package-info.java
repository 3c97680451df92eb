/**
 * The CPU back-end of isqrt4j: {@link org.isqrt4j.cpu.CpuMatrixSqrtOp} on JDK Vector API kernels, with a plain-Java
 * fallback for JVMs started without {@code --add-modules jdk.incubator.vector}, and its two service providers.
 */
package org.isqrt4j.cpu;
