package org.isqrt4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a report records about the machine and the run, besides the peak ({@link Peak}).
 *
 * @param jdk                      VM name, version and vendor
 * @param cpu                      CPU model
 * @param cores                    available processors
 * @param vectorBits               FloatVector.SPECIES_PREFERRED's width, empty without the Vector API
 * @param vectorFlags              the width-forcing flags this JVM has (empty: the host's width)
 * @param openclDevice             the OpenCL device, or "n/a: why"
 * @param openclIsGpu              whether it is a GPU, empty if unknown
 * @param signalChaining           libjsig is preloaded
 * @param date                     start of the run, ISO 8601
 * @param openblas                 OpenBLAS version, or "n/a"
 * @param eigEjmlPrecision         float32 or float64
 * @param isqrtOpenblasParallelism how isqrt-openblas uses the threads
 */
record Environment(String jdk, String cpu, int cores, OptionalInt vectorBits, String vectorFlags, String openclDevice,
                   Optional<Boolean> openclIsGpu, boolean signalChaining, String date, String openblas,
                   String eigEjmlPrecision, String isqrtOpenblasParallelism) {

    /**
     * @param probe what the OpenCL probe found
     * @return this JVM's and machine's environment
     */
    static Environment detect(OpenClProbe.Found probe) {
        String preload = System.getenv("LD_PRELOAD");
        return new Environment(System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")", cpuModel(), Runtime.getRuntime().availableProcessors(),
                jvmVectorBits(), String.join(" ", VectorWidth.forcedFlags()),
                probe.unavailable().map(why -> "n/a: " + why).orElse(probe.device()), probe.gpu(),
                preload != null && preload.contains("libjsig"),
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                OpenBlas.unavailableReason() == null ? OpenBlas.version() : "n/a",
                EigEjmlLayer.DEFAULT == EigEjmlLayer.Precision.F32 ? "float32" : "float64",
                OpenBlasIsqrt.DEFAULT == OpenBlasIsqrt.Parallelism.BATCH
                        ? "batch-parallel, 1 BLAS thread" : "OpenBLAS threads, samples in sequence");
    }

    /** @return the CPU model from /proc/cpuinfo, else the architecture */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    /** @return this JVM's preferred FloatVector width in bits, empty without the Vector API */
    static OptionalInt jvmVectorBits() {
        try {
            return OptionalInt.of(PeakBenchmark.lanes() * 32);
        } catch (LinkageError e) {
            return OptionalInt.empty();
        }
    }

    /** @return whether the vector width was forced (--vector-bits) */
    boolean vectorBitsForced() {
        return !vectorFlags.isEmpty();
    }

    /** @return whether the OpenCL device is known to be a GPU */
    boolean gpu() {
        return openclIsGpu.orElse(false);
    }
}
