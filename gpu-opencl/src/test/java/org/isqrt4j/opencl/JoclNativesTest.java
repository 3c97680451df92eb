package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host-only check of whether an OpenCL platform can exist, on fake directories: no device needed. */
class JoclNativesTest {

    private static String why(Map<String, String> env, String javaLibraryPath, List<Path> dirs, Path cache,
                              Path vendors) {
        return JoclNatives.whyNoPlatform("Linux", env, javaLibraryPath, dirs, cache, vendors);
    }

    @Test
    void needsAnIcdLoaderAndAVendor(@TempDir Path t) throws IOException {
        Path lib = Files.createDirectory(t.resolve("lib"));
        Path vendors = Files.createDirectory(t.resolve("vendors"));
        Path cache = t.resolve("ld.so.cache");
        Files.write(cache, new byte[] {1, 2, 0, 'l', 'i', 'b', 'c', '.', 's', 'o', 0});
        String none = why(Map.of(), "", List.of(lib), cache, vendors);
        assertNotNull(none);
        assertTrue(none.contains("ICD loader"), none);

        Files.createFile(lib.resolve("libOpenCL.so.1"));
        String noVendor = why(Map.of(), "", List.of(lib), cache, vendors);
        assertNotNull(noVendor);
        assertTrue(noVendor.contains(".icd"), noVendor);
        Files.writeString(vendors.resolve("pocl.icd"), "libpocl.so.2\n");
        assertNull(why(Map.of(), "", List.of(lib), cache, vendors));
    }

    @Test
    void findsTheLoaderInTheLinkerCacheOrOnTheLibraryPaths(@TempDir Path t) throws IOException {
        Path vendors = Files.createDirectory(t.resolve("vendors"));
        Files.writeString(vendors.resolve("x.icd"), "libx.so\n");
        Path cache = t.resolve("ld.so.cache");
        Files.write(cache, "\0\0libc.so.6\0libOpenCL.so.1\0/usr/lib/libOpenCL.so.1\0".getBytes("US-ASCII"));
        assertNull(why(Map.of(), "", List.of(), cache, vendors));
        Path empty = t.resolve("empty-cache");
        Files.write(empty, new byte[16]);
        Path onPath = Files.createDirectory(t.resolve("onpath"));
        Files.createFile(onPath.resolve("libOpenCL.so"));
        assertNull(why(Map.of("LD_LIBRARY_PATH", "/nonexistent:" + onPath), "", List.of(), empty, vendors));
        assertNull(why(Map.of(), onPath.toString(), List.of(), empty, vendors));
        assertNotNull(why(Map.of(), "", List.of(), t.resolve("missing-cache"), vendors));
    }

    @Test
    void theEnvironmentChoosesTheVendors(@TempDir Path t) throws IOException {
        Path lib = Files.createDirectory(t.resolve("lib"));
        Files.createFile(lib.resolve("libOpenCL.so.1"));
        Path cache = t.resolve("none");
        Path defaults = Files.createDirectory(t.resolve("vendors"));
        Files.writeString(defaults.resolve("pocl.icd"), "libpocl.so.2\n");
        Path emptyDir = Files.createDirectory(t.resolve("empty"));
        String e = why(Map.of("OCL_ICD_VENDORS", emptyDir.toString()), "", List.of(lib), cache, defaults);
        assertNotNull(e, "OCL_ICD_VENDORS replaces the default directory");
        assertTrue(e.contains("OCL_ICD_VENDORS"), e);
        assertNull(why(Map.of("OCL_ICD_VENDORS", defaults.resolve("pocl.icd").toString()), "", List.of(lib), cache,
                emptyDir), "OCL_ICD_VENDORS may name one file");
        assertNull(why(Map.of("OCL_ICD_FILENAMES", "/opt/x/libx.so"), "", List.of(lib), cache, emptyDir));
    }

    @Test
    void otherSystemsAreNotChecked(@TempDir Path t) {
        assertNull(JoclNatives.whyNoPlatform("Mac OS X", Map.of(), "", List.of(), t.resolve("x"), t.resolve("y")));
        assertNull(JoclNatives.whyNoPlatform("Windows 11", Map.of(), "", List.of(), t.resolve("x"), t.resolve("y")));
    }
}
