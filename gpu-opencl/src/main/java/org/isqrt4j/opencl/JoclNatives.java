package org.isqrt4j.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.isqrt4j.api.Isqrt4jException;

/**
 * Loads JOCL's native part, once per JVM, without ever loading code from a path another user can write, and not
 * at all where no OpenCL platform can exist.
 *
 * <p>JOCL 2.0.6 ({@code org.jocl.LibUtils}) first tries {@code System.loadLibrary} (the JVM's library path, which
 * the user controls), then extracts its JNI library from the jar to {@code ${java.io.tmpdir}/libJOCL_2_0_6-<os>-
 * <arch>.so} and loads that file; it writes the file only when none exists, so on a shared {@code /tmp} any local
 * user can plant a library at that fixed name and have it run in every JOCL user's process. JOCL's own remedy is
 * its system property {@value #UNIQUE_NAMES_PROPERTY}: with it, the file gets a fresh random name (a UUID) that
 * nobody can plant in advance, is created by this process (so only this user, and root, can write it), and is
 * deleted at exit. This class sets that property only for the duration of JOCL's class initialisation, under a
 * lock, and then restores whatever value it had, so no process-wide state a user relies on is changed; the fixed
 * path is never read, and a file planted there is never loaded (PlantedLibraryTest proves both in a child JVM).
 *
 * <p>Before touching JOCL at all it checks, without native code, that an OpenCL platform can exist: on Linux an
 * ICD loader ({@code libOpenCL.so.1}) must be known to the dynamic linker or lie on {@code LD_LIBRARY_PATH} or
 * {@code java.library.path}, and a vendor must be registered ({@code OCL_ICD_FILENAMES}, or an {@code .icd} file in
 * {@code OCL_ICD_VENDORS} or {@code /etc/OpenCL/vendors}). Where either is missing the back-end reports itself
 * unavailable and no native library is loaded. Other operating systems skip this check.
 *
 * <p>Thread-safe; the outcome (loaded, or the reason it is not) is computed once and kept.
 */
final class JoclNatives {
    /** JOCL's system property that makes it extract its JNI library under a unique name. */
    static final String UNIQUE_NAMES_PROPERTY = "uniqueLibraryNames";

    private static boolean attempted;
    private static String failure;
    private static Throwable failureCause;

    private JoclNatives() {
    }

    /**
     * Loads JOCL's native library the first time it is called; afterwards returns or throws as the first call did.
     *
     * @throws Isqrt4jException "no OpenCL device: ..." when no OpenCL platform can exist here or JOCL's native
     *                          library cannot be loaded
     */
    static synchronized void ensureLoaded() {
        if (!attempted) {
            attempted = true;
            String noPlatform = whyNoPlatform(System.getProperty("os.name", ""), System.getenv(),
                    System.getProperty("java.library.path", ""), systemLibraryDirs(), Path.of("/etc/ld.so.cache"),
                    Path.of("/etc/OpenCL/vendors"));
            if (noPlatform != null) {
                failure = "no OpenCL device: " + noPlatform + " (no native code was loaded)";
            } else {
                loadJocl();
            }
        }
        if (failure != null) {
            throw new Isqrt4jException(failure, failureCause);
        }
    }

    private static void loadJocl() {
        String previous = System.getProperty(UNIQUE_NAMES_PROPERTY);
        try {
            System.setProperty(UNIQUE_NAMES_PROPERTY, "true");
            // Runs CL's static initialiser, which loads the native library (nothing else in JOCL does).
            Class.forName("org.jocl.CL", true, JoclNatives.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // UnsatisfiedLinkError (no JOCL native library for this platform, no libOpenCL), or
            // ExceptionInInitializerError: the back-end cannot run here, which is an answer, not a crash.
            failure = "no OpenCL device: the OpenCL library could not be loaded (" + e + ")";
            failureCause = e;
        } finally {
            if (previous == null) {
                System.clearProperty(UNIQUE_NAMES_PROPERTY);
            } else {
                System.setProperty(UNIQUE_NAMES_PROPERTY, previous);
            }
        }
    }

    /**
     * Says why no OpenCL platform can exist on this machine, looking only at files and the environment.
     *
     * @param osName          the {@code os.name} property; anything but Linux gives null (not checked)
     * @param env             the environment ({@code LD_LIBRARY_PATH}, {@code OCL_ICD_FILENAMES},
     *                        {@code OCL_ICD_VENDORS})
     * @param javaLibraryPath the {@code java.library.path} property
     * @param systemDirs      the linker's trusted directories, searched even without a cache entry
     * @param ldCache         the dynamic linker's cache ({@code /etc/ld.so.cache})
     * @param vendorsDir      the default vendor directory ({@code /etc/OpenCL/vendors})
     * @return null when a platform may exist, else the reason none can
     */
    static String whyNoPlatform(String osName, Map<String, String> env, String javaLibraryPath,
                                List<Path> systemDirs, Path ldCache, Path vendorsDir) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return null;
        }
        if (!icdLoaderPresent(env.get("LD_LIBRARY_PATH"), javaLibraryPath, systemDirs, ldCache)) {
            return "no OpenCL ICD loader (libOpenCL.so.1) is installed: none in " + ldCache
                    + ", LD_LIBRARY_PATH or java.library.path";
        }
        String filenames = env.get("OCL_ICD_FILENAMES");
        if (filenames != null && !filenames.isBlank()) {
            return null;
        }
        String vendors = env.get("OCL_ICD_VENDORS");
        Path dir = vendors != null && !vendors.isBlank() ? Path.of(vendors) : vendorsDir;
        if (Files.isRegularFile(dir)) {
            return null;
        }
        if (!hasIcdFile(dir)) {
            return "no OpenCL platform is installed: no .icd vendor file in " + dir
                    + (vendors != null && !vendors.isBlank() ? " (OCL_ICD_VENDORS)" : "");
        }
        return null;
    }

    /** The directories the dynamic linker searches by default, multiarch ones (x86_64-linux-gnu, ...) included. */
    static List<Path> systemLibraryDirs() {
        List<Path> dirs = new ArrayList<>();
        for (String base : new String[] {"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"}) {
            Path b = Path.of(base);
            dirs.add(b);
            if (Files.isDirectory(b)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(b, "*-linux-*")) {
                    ds.forEach(dirs::add);
                } catch (IOException | SecurityException e) {
                    // an unreadable directory holds nothing we can see
                }
            }
        }
        return dirs;
    }

    private static boolean icdLoaderPresent(String ldLibraryPath, String javaLibraryPath, List<Path> systemDirs,
                                            Path ldCache) {
        List<String> dirs = new ArrayList<>();
        for (Path p : systemDirs) {
            dirs.add(p.toString());
        }
        for (String path : new String[] {ldLibraryPath, javaLibraryPath}) {
            if (path != null) {
                for (String p : path.split(java.io.File.pathSeparator)) {
                    if (!p.isBlank()) {
                        dirs.add(p);
                    }
                }
            }
        }
        for (String d : dirs) {
            if (Files.exists(Path.of(d, "libOpenCL.so.1")) || Files.exists(Path.of(d, "libOpenCL.so"))) {
                return true;
            }
        }
        return cacheNames(ldCache, "libOpenCL.so");
    }

    /** The linker cache holds every library name as a NUL-terminated string; a byte search finds it. */
    private static boolean cacheNames(Path ldCache, String name) {
        byte[] needle = name.getBytes(StandardCharsets.US_ASCII);
        try (InputStream in = Files.newInputStream(ldCache)) {
            byte[] all = in.readAllBytes();
            outer:
            for (int i = 0; i + needle.length <= all.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (all[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static boolean hasIcdFile(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.icd")) {
            return ds.iterator().hasNext();
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
