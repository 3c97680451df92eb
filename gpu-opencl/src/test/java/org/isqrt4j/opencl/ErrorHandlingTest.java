package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.SqrtOptions;
import org.isqrt4j.testsupport.RandomData;
import org.jocl.CL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures become Isqrt4jException with the CL error, the call, the build log or the device list in the message. */
class ErrorHandlingTest {

    @Test
    void clStatusNamesTheErrorAndTheCall() {
        Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> Cl.check(CL.CL_INVALID_VALUE, "clFooBar"));
        assertTrue(e.getMessage().contains("clFooBar"), e.getMessage());
        assertTrue(e.getMessage().contains("CL_INVALID_VALUE (-30)"), e.getMessage());
        Cl.check(CL.CL_SUCCESS, "clFooBar"); // success passes silently
    }

    @Test
    void aFailingOpenClCallThrowsWithItsName() {
        try (OpenClMatrixSqrtOp op = ClTestSupport.open()) {
            ClRuntime rt = op.runtime();
            long max = Cl.deviceLong(rt.device.device(), CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
            Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> rt.alloc(max)); // 4 * max bytes
            assertTrue(e.getMessage().contains("clCreateBuffer"), e.getMessage());
            assertTrue(e.getMessage().contains("CL_INVALID_BUFFER_SIZE"), e.getMessage());
            assertEquals(0, op.liveBuffers(), "a failed allocation is not counted");
        }
    }

    @Test
    void aBuildFailureCarriesTheBuildLog() {
        try (OpenClMatrixSqrtOp op = ClTestSupport.open()) {
            ClRuntime rt = op.runtime();
            Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> ClRuntime.build(rt.context(),
                    rt.device.device(), "__kernel void broken(__global float* a) { a[0] = undeclared_name; }",
                    "-DSOMETHING=1"));
            assertTrue(e.getMessage().contains("clBuildProgram"), e.getMessage());
            assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
            assertTrue(e.getMessage().contains("undeclared_name"), "the build log names the culprit: " + e.getMessage());
        }
    }

    @Test
    void theKernelResourceIsOnTheClasspathAndAMissingOneIsReported() {
        assertTrue(ClRuntime.programSource().contains("__kernel void gemm("));
        Isqrt4jException e = assertThrows(Isqrt4jException.class, () -> ClRuntime.loadSource("/org/isqrt4j/opencl/none.cl"));
        assertTrue(e.getMessage().contains("none.cl"), e.getMessage());
    }

    @Test
    void unmatchedSelectionsListWhatExists() {
        ClTestSupport.deviceOrAbort();
        Isqrt4jException p = assertThrows(Isqrt4jException.class, () -> DeviceSelector.select("no-such-platform-xyz", null));
        assertTrue(p.getMessage().contains(DeviceSelector.PLATFORM_PROPERTY), p.getMessage());
        assertTrue(p.getMessage().contains("available"), p.getMessage());
        Isqrt4jException d = assertThrows(Isqrt4jException.class, () -> DeviceSelector.select(null, "999"));
        assertTrue(d.getMessage().contains(DeviceSelector.DEVICE_PROPERTY), d.getMessage());
        assertThrows(Isqrt4jException.class, () -> new OpenClMatrixSqrtOp((String) null, "no-such-device-xyz"));
        assertThrows(Isqrt4jException.class, () -> new OpenClMatrixSqrtOp(DeviceSelector.select(null, null), "fastest"));
    }

    @Test
    void selectionByIndexAndByNameAgree() {
        ClDevice first = ClTestSupport.deviceOrAbort();
        ClDevice byIndex = DeviceSelector.select(String.valueOf(first.platformIndex()), null);
        String fragment = first.name().substring(0, Math.min(6, first.name().length()));
        ClDevice byName = DeviceSelector.select(first.platformName().substring(0, 3), fragment.toUpperCase());
        assertEquals(first.name(), byIndex.name());
        assertEquals(first.name(), byName.name());
        try (OpenClMatrixSqrtOp op = new OpenClMatrixSqrtOp((String) null, "0")) {
            assertEquals("opencl[" + DeviceSelector.devices().get(0).name() + "]", op.name());
        }
    }

    @Test
    void handlesFromAnotherOpOrStageAreRejected() {
        try (OpenClMatrixSqrtOp a = ClTestSupport.open(); OpenClMatrixSqrtOp b = ClTestSupport.open()) {
            float[] x = RandomData.gaussianFloats(new SplittableRandom(5), 2 * 3 * 4);
            try (ForwardHandle h = a.forward(2, 3, 4, SqrtOptions.defaults(), x)) {
                assertThrows(IllegalArgumentException.class, () -> b.backward(h, new float[18]));
                assertThrows(IllegalArgumentException.class, () -> a.sqrtBackward(h, new float[18]));
                assertThrows(IllegalArgumentException.class, () -> a.backward(h, new float[17]));
            }
        }
    }

    /**
     * A JVM whose OpenCL ICD loader finds no platform (OCL_ICD_VENDORS pointing at an empty directory) reports
     * "no OpenCL device" from the provider instead of crashing, and creating the op throws Isqrt4jException.
     */
    @Test
    void noPlatformGivesAClearReason(@TempDir Path empty) throws IOException, InterruptedException {
        ClTestSupport.deviceOrAbort(); // needs the ICD loader, which this machine has when it has a device
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        // Surefire runs this module's tests on the module path (main classes and JOCL there, the tests patched
        // in); the probe needs only a class path, so give it every entry of both plus the test classes.
        String classPath = String.join(File.pathSeparator, System.getProperty("java.class.path"),
                System.getProperty("jdk.module.path", ""),
                Path.of(NoPlatformProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString());
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", classPath, NoPlatformProbe.class.getName());
        pb.environment().put("OCL_ICD_VENDORS", empty.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("reason=no OpenCL device"), out);
        assertTrue(out.contains("create=Isqrt4jException"), out);
        assertTrue(out.contains("priority=50"), out);
    }

    @Test
    void providerReportsItselfAndIsRegistered() {
        ClDevice dev = ClTestSupport.deviceOrAbort();
        OpenClProvider p = new OpenClProvider();
        assertEquals("opencl", p.id());
        assertEquals(dev.gpu() ? 300 : 50, p.priority());
        assertEquals(null, p.unavailableReason());
        boolean found = false;
        for (org.isqrt4j.api.MatrixSqrtProvider sp : org.isqrt4j.api.MatrixSqrtOps.providers()) {
            found |= sp instanceof OpenClProvider;
        }
        assertTrue(found, "META-INF/services registers OpenClProvider");
        try (org.isqrt4j.api.MatrixSqrtOp op = org.isqrt4j.api.MatrixSqrtOps.load("opencl")) {
            assertNotNull(op);
            assertTrue(op.name().startsWith("opencl["), op.name());
        }
    }
}
