package org.isqrt4j.properties.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.MatrixSqrtProvider;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.opencl.OpenClMatrixSqrtOp;
import org.isqrt4j.reference.ReferenceMath;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * OpenCL faults seen through the public API (item 5 of the hardening issue). A failing kernel build is covered
 * by gpu-opencl's {@code ErrorHandlingTest.aBuildFailureCarriesTheBuildLog} (the message carries
 * CL_BUILD_PROGRAM_FAILURE and the build log) and not repeated here; these tests add the device selection through
 * system properties as a user sets them, the GEMM-kernel property, and device allocations beyond
 * CL_DEVICE_MAX_MEM_ALLOC_SIZE, after which the op must stay usable. Without an OpenCL device the tests are
 * skipped, or fail when CI=true.
 */
@DisplayName("Robustness: OpenCL faults")
class OpenClFaultTest {
    private static final String DEVICE = "isqrt4j.opencl.device";
    private static final String PLATFORM = "isqrt4j.opencl.platform";
    private static final String GEMM = "isqrt4j.opencl.gemm";

    /** Opens the default OpenCL op, or skips/fails as {@link RobustBackends} does. */
    private static MatrixSqrtOp openOrSkip() {
        return RobustBackends.open("opencl");
    }

    /** Runs body with a system property set, restoring the previous value afterwards. */
    private static void withProperty(String key, String value, Executable body) throws Throwable {
        String old = System.getProperty(key);
        System.setProperty(key, value);
        try {
            body.execute();
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    private static MatrixSqrtProvider provider() {
        for (MatrixSqrtProvider p : MatrixSqrtOps.providers()) {
            if (p.id().equals("opencl")) {
                return p;
            }
        }
        throw new AssertionError("the opencl provider is not registered");
    }

    @Test
    @DisplayName("a device selection that matches nothing is a clear Isqrt4jException at load, naming the property")
    void unavailableDeviceIsReportedAtLoad() throws Throwable {
        openOrSkip().close(); // a device exists, so what follows is about the selection
        for (String[] sel : new String[][] {{DEVICE, "no-such-device-xyz"}, {DEVICE, "99"}, {PLATFORM, "no-such-platform-xyz"}}) {
            withProperty(sel[0], sel[1], () -> {
                Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> MatrixSqrtOps.load("opencl"));
                assertTrue(e.getMessage().contains("not available") && e.getMessage().contains(sel[0])
                        && e.getMessage().contains(sel[1]), e.getMessage());
                String reason = provider().unavailableReason();
                assertNotNull(reason, "the provider reports itself unavailable");
                assertTrue(reason.contains(sel[0]), reason);
                Isqrt4jException direct = assertThrows(Isqrt4jException.class, OpenClMatrixSqrtOp::new);
                assertTrue(direct.getMessage().contains(sel[0]), direct.getMessage());
                withProperty(MatrixSqrtOps.BACKEND_PROPERTY, "opencl", () ->
                        assertThrows(Isqrt4jException.class, MatrixSqrtOps::load, "a forced back-end is not replaced"));
            });
        }
    }

    @Test
    @DisplayName("an unknown GEMM kernel in isqrt4j.opencl.gemm is a clear Isqrt4jException at load")
    void unknownGemmKernelIsReportedAtLoad() throws Throwable {
        openOrSkip().close();
        withProperty(GEMM, "fastest", () -> {
            Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> MatrixSqrtOps.load("opencl"));
            assertTrue(e.getMessage().contains(GEMM) && e.getMessage().contains("fastest"), e.getMessage());
        });
        for (String ok : new String[] {"direct", "local"}) {
            withProperty(GEMM, ok, () -> {
                try (MatrixSqrtOp op = MatrixSqrtOps.load("opencl")) {
                    assertSmallWorkMatches(op);
                }
            });
        }
    }

    /** @return the largest CL_DEVICE_MAX_MEM_ALLOC_SIZE over every device, in bytes */
    private static long largestMaxAlloc() {
        int[] np = new int[1];
        CL.clGetPlatformIDs(0, null, np);
        cl_platform_id[] ps = new cl_platform_id[np[0]];
        CL.clGetPlatformIDs(ps.length, ps, null);
        long max = 0;
        for (cl_platform_id p : ps) {
            int[] nd = new int[1];
            if (CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, nd) != CL.CL_SUCCESS || nd[0] == 0) {
                continue;
            }
            cl_device_id[] ds = new cl_device_id[nd[0]];
            CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, ds.length, ds, null);
            for (cl_device_id d : ds) {
                long[] v = new long[1];
                CL.clGetDeviceInfo(d, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE, 8, Pointer.to(v), null);
                max = Math.max(max, v[0]);
            }
        }
        return max;
    }

    /**
     * With d = 1 every sample takes a padded 16 x 16 block on the device (1 KiB) but one float on the host, so
     * a batch of maxAlloc / 1 KiB + 1 samples needs a device buffer beyond CL_DEVICE_MAX_MEM_ALLOC_SIZE from host
     * arrays of a few MiB: each entry point must fail with an Isqrt4jException naming the allocation, leave no
     * buffer behind, and the op must then compute small work correctly.
     */
    @Test
    @DisplayName("allocations beyond CL_DEVICE_MAX_MEM_ALLOC_SIZE fail clearly and leave the op usable")
    void oversizedBatchFailsCleanlyAndTheOpStaysUsable() throws Throwable {
        try (MatrixSqrtOp op = openOrSkip()) {
            OpenClMatrixSqrtOp cl = (OpenClMatrixSqrtOp) op;
            long maxAlloc = largestMaxAlloc();
            long batchL = maxAlloc / 1024 + 1;
            org.junit.jupiter.api.Assumptions.assumeTrue(batchL < (1 << 26),
                    "CL_DEVICE_MAX_MEM_ALLOC_SIZE = " + maxAlloc + ": the host arrays would be too large for this test");
            int batch = (int) batchL;
            float[] ones = new float[batch];
            java.util.Arrays.fill(ones, 1f);
            float[] x2 = Num.gaussian(new SplittableRandom(7), 2 * batch, 1); // d = 1, n = 2
            SqrtOptions opt = SqrtOptions.defaults();
            Executable[] calls = {
                () -> op.sqrtForward(batch, 1, opt, ones, 0, new float[batch], 0),
                () -> op.forward(batch, 1, 2, opt, x2, 0, new float[batch], 0),
                () -> op.covariance(batch, 1, 2, x2, 0, new float[batch], 0),
                () -> op.covarianceBackward(batch, 1, 2, x2, 0, ones, 0, new float[2 * batch], 0),
            };
            String[] names = {"sqrtForward", "forward", "covariance", "covarianceBackward"};
            for (int i = 0; i < calls.length; i++) {
                Isqrt4jException e = assertThrows(Isqrt4jException.class, calls[i], names[i] + " of B = " + batch);
                assertTrue(e.getMessage().contains("clCreateBuffer") || e.getMessage().contains("CL_"),
                        names[i] + ": " + e.getMessage());
                assertEquals(0, cl.liveBuffers(), names[i] + ": a failed call leaves no device buffer behind");
                assertSmallWorkMatches(op);
            }
            System.out.println("[" + op.name() + " | out of device memory] B = " + batch + " (d = 1) with "
                    + "CL_DEVICE_MAX_MEM_ALLOC_SIZE = " + maxAlloc + ": " + names.length + " entry points failed cleanly");
        }
    }

    /** A small forward and backward on op match float64. */
    private static void assertSmallWorkMatches(MatrixSqrtOp op) {
        int b = 2;
        int d = 5;
        int n = 7;
        float[] x = Num.gaussian(new SplittableRandom(8), b * d * n, 1);
        float[] g = Num.gaussian(new SplittableRandom(9), b * d * d, 1);
        try (ForwardHandle h = op.forward(b, d, n, SqrtOptions.defaults(), x)) {
            float[] gx = op.backward(h, g);
            double[][] wf = new double[b][];
            double[][] wb = new double[b][];
            for (int s = 0; s < b; s++) {
                double[] xs = Num.toDouble(x, s * d * n, d * n);
                wf[s] = ReferenceMath.layerForward(xs, d, n, 5);
                wb[s] = ReferenceMath.layerBackward(xs, d, n, 5, Num.toDouble(g, s * d * d, d * d));
            }
            RobustChecks.matches(op.name() + " forward", h.output(), 0, wf, FuzzTest.TOL_FORWARD);
            RobustChecks.matches(op.name() + " backward", gx, 0, wb, FuzzTest.TOL_BACKWARD);
        }
    }
}
