package org.isqrt4j.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A library planted at JOCL's fixed extraction path ({@code ${java.io.tmpdir}/libJOCL_2_0_6-linux-x86_64.so},
 * where JOCL 2.0.6 loads whatever file already exists) is neither run nor loaded by discovery or by a forced
 * OpenCL back-end, and OpenCL still works; where no OpenCL platform can exist, no JOCL native code is loaded at
 * all. Each case runs in a child JVM with its own {@code java.io.tmpdir}. The planted library is built with the
 * system C compiler where one exists (its constructor writes a marker file and prints a line); elsewhere it is a
 * file that is not a valid library, which would make a load fail loudly.
 */
@EnabledOnOs(OS.LINUX)
class PlantedLibraryTest {
    private static final String FIXED_NAME = "libJOCL_2_0_6-linux-x86_64.so";

    /** Builds the planted library; returns true when it is a real library whose constructor writes the marker. */
    private static boolean plant(Path tmp, Path target) throws IOException, InterruptedException {
        Path src = tmp.resolve("planted.c");
        Files.writeString(src, "#include <stdio.h>\n#include <stdlib.h>\n"
                + "__attribute__((constructor)) static void planted(void) {\n"
                + "  const char *m = getenv(\"PLANTED_MARKER\");\n"
                + "  if (m) { FILE *f = fopen(m, \"w\"); if (f) { fputs(\"ran\", f); fclose(f); } }\n"
                + "  puts(\"PLANTED LIBRARY RAN\"); fflush(stdout);\n}\n");
        for (String cc : new String[] {"cc", "gcc", "clang"}) {
            try {
                Process p = new ProcessBuilder(cc, "-shared", "-fPIC", "-o", target.toString(), src.toString())
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.size(target) > 0) {
                    return true;
                }
            } catch (IOException e) {
                // no such compiler: try the next
            }
        }
        Files.write(target, "not an ELF library: loading this must fail".getBytes(StandardCharsets.US_ASCII));
        return false;
    }

    private static String classPath() {
        return String.join(File.pathSeparator, System.getProperty("java.class.path"),
                System.getProperty("jdk.module.path", ""),
                Path.of(PlantedLibraryProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString());
    }

    private static String java() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    private static String run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static List<String> probe(Path tmp, Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Djava.io.tmpdir=" + tmp, "-cp", classPath(),
                PlantedLibraryProbe.class.getName()));
        return List.of(run(env, cmd.toArray(new String[0])).split("\n"));
    }

    @Test
    void aLibraryPlantedAtJoclsFixedPathIsNeverLoadedAndOpenClStillWorks(@TempDir Path tmp) throws Exception {
        ClTestSupport.deviceOrAbort(); // "OpenCL still works" needs a device (CI: PoCL)
        Path planted = tmp.resolve(FIXED_NAME);
        Path marker = tmp.resolve("planted-ran");
        boolean real = plant(tmp, planted);
        byte[] plantedBytes = Files.readAllBytes(planted);
        Map<String, String> env = Map.of("PLANTED_MARKER", marker.toString());
        if (real) {
            // The planted library is live ammunition: a plain System.load of it runs its constructor.
            Path loader = tmp.resolve("Load.java");
            Files.writeString(loader, "public class Load { public static void main(String[] a) { System.load(a[0]); } }");
            String out = run(env, java(), loader.toString(), planted.toString());
            assertTrue(out.contains("PLANTED LIBRARY RAN") && Files.exists(marker), out);
            Files.delete(marker);
        }

        List<String> lines = probe(tmp, env);
        String all = String.join("\n", lines);
        assertFalse(all.contains("PLANTED LIBRARY RAN"), all);
        assertFalse(Files.exists(marker), "the planted library's constructor ran: " + all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("backend=")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("opencl=ok opencl[")), all);
        List<String> mapped = lines.stream().filter(l -> l.startsWith("mapped=")).toList();
        assertEquals(1, mapped.size(), all);
        assertFalse(mapped.get(0).contains("mapped=" + planted + " "), "the fixed path was mapped: " + all);
        assertTrue(mapped.get(0).endsWith("same-as-jar=true"), "the mapped library is JOCL's own: " + all);
        assertTrue(all.contains("uniqueLibraryNames=null"), "the property is restored: " + all);
        assertArrayEquals(plantedBytes, Files.readAllBytes(planted), "the planted file is left as it was");
    }

    @Test
    void withoutAnOpenClPlatformNoJoclNativeCodeIsLoaded(@TempDir Path tmp) throws Exception {
        ClTestSupport.deviceOrAbort(); // the ICD loader is installed where a device is
        Path vendors = Files.createDirectory(tmp.resolve("no-vendors"));
        Path planted = tmp.resolve(FIXED_NAME);
        Path marker = tmp.resolve("planted-ran");
        plant(tmp, planted);
        List<String> lines = probe(tmp, Map.of("OCL_ICD_VENDORS", vendors.toString(),
                "PLANTED_MARKER", marker.toString()));
        String all = String.join("\n", lines);
        assertTrue(all.contains("mapped-count=0"), all);
        assertTrue(all.contains("opencl=failed") && all.contains("no OpenCL device") && all.contains("no native code"),
                all);
        assertFalse(Files.exists(marker), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("backend=")), all);
    }
}
