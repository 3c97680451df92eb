package org.isqrt4j.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.SqrtOptions;

/**
 * Run in a child JVM by {@link PlantedLibraryTest}: discovers back-ends as the README does, then forces the
 * OpenCL one and runs a small layer on it, and reports which JOCL native library the process mapped.
 */
public final class PlantedLibraryProbe {
    private PlantedLibraryProbe() {
    }

    /**
     * Prints key=value lines.
     *
     * @param args unused
     * @throws IOException if /proc/self/maps cannot be read
     */
    public static void main(String[] args) throws IOException {
        try (MatrixSqrtOp op = MatrixSqrtOps.load()) {
            System.out.println("backend=" + op.name());
        } catch (RuntimeException e) {
            System.out.println("backend=none " + e.getMessage());
        }
        try (MatrixSqrtOp op = MatrixSqrtOps.load("opencl")) {
            float[] x = new float[2 * 3 * 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 1.7 + 0.3);
            }
            try (ForwardHandle h = op.forward(2, 3, 5, SqrtOptions.defaults(), x)) {
                float[] gx = op.backward(h, new float[2 * 9]);
                System.out.println("opencl=ok " + op.name() + " " + h.output().length + " " + gx.length);
            }
        } catch (RuntimeException e) {
            System.out.println("opencl=failed " + e);
        }
        List<String> jocl = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("JOCL")).map(l -> l.substring(l.indexOf('/')))
                .distinct().collect(Collectors.toList());
        for (String lib : jocl) {
            System.out.println("mapped=" + lib + " same-as-jar=" + sameAsJarResource(Path.of(lib)));
        }
        System.out.println("mapped-count=" + jocl.size());
        System.out.println("uniqueLibraryNames=" + System.getProperty(JoclNatives.UNIQUE_NAMES_PROPERTY));
    }

    private static boolean sameAsJarResource(Path lib) throws IOException {
        try (InputStream in = org.jocl.CL.class.getResourceAsStream("/lib/libJOCL_2_0_6-linux-x86_64.so")) {
            return in != null && Arrays.equals(in.readAllBytes(), Files.readAllBytes(lib));
        }
    }
}
