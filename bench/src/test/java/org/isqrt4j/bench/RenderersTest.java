package org.isqrt4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The renderers on fixed records: markdown tables, the JSON format that --merge-device reads back, the chart. */
class RenderersTest {
    private static final OptionalDouble NONE = OptionalDouble.empty();

    private static Plan plan(String... args) {
        return Flags.parse(args).orElseThrow();
    }

    private static Results results() {
        Environment env = new Environment("TestVM 17", "Test CPU", 2, OptionalInt.of(512), "", "opencl[test]",
                Optional.of(false), true, "2026-12-07T00:00:00Z", "OpenBLAS 0.3.31", "float32",
                "batch-parallel, 1 BLAS thread");
        Peak peak = Peak.of(List.of(new Peak.At(1, OptionalDouble.of(90), OptionalDouble.of(100)),
                new Peak.At(2, OptionalDouble.of(190), OptionalDouble.of(180))), OptionalDouble.of(3.0),
                OptionalDouble.of(3.2), 16);
        Workload w = Workload.TINY;
        String f = LayerBenchmark.FORWARD;
        List<LayerRow> rows = new ArrayList<>();
        rows.add(LayerRow.measured("cpu-vector", w, 4, f, 4000, OptionalDouble.of(40), OptionalDouble.of(190), 2.5e-5,
                OptionalDouble.of(1024), OptionalDouble.of(5000), Optional.of("cpu-vector[512-bit]")));
        rows.add(LayerRow.measured(Backends.OPENBLAS, w, 4, f, 2000, NONE, OptionalDouble.of(190), 3e-5, NONE,
                OptionalDouble.of(2500), Optional.empty()));
        rows.add(LayerRow.without("eig-ejml", w, 4, f, "FAILED: fail java.lang.IllegalStateException: x|y", NONE,
                Optional.empty()));
        rows.add(LayerRow.without("opencl", w, 4, f, "n/a: no device", NONE, Optional.empty()));
        List<LayerRow> layer = rows.stream().map(r -> r.withRatios(rows)).toList();
        List<GemmRow> gemm = List.of(
                new GemmRow("cpu-vector", 32, OptionalInt.of(1), "ok", OptionalDouble.of(50), OptionalDouble.of(0.5),
                        OptionalDouble.of(60), OptionalDouble.of(1e-5), Optional.of("one product")),
                GemmRow.without("opencl", 32, OptionalInt.empty(), "n/a: no device"));
        List<ScalingRow> scaling = List.of(new ScalingRow("cpu-vector", w, 4, f, OptionalDouble.of(2500),
                OptionalDouble.of(4000), "ok"));
        return new Results(env, peak, layer, scaling, List.of(), "cpu-vector", gemm, 12.3);
    }

    @Test
    void markdownHasEveryTableAndItsFigures() {
        String md = MarkdownReport.render(plan("--profile", "smoke", "--threads", "2", "--gc"), results());
        assertTrue(md.startsWith("# isqrt4j benchmark report (profile smoke)\n\n- JDK: TestVM 17\n"), md);
        assertTrue(md.contains("- FMA peak (measured in this run, per thread CPU second; wall clock 90.0 on 1 thread): "
                + "100 GFLOP/s on 1 thread, 190 GFLOP/s on 2 threads; clock (dependent multiply chain, per thread CPU "
                + "second) 3.20 GHz, so 31.3 flop/cycle; clock-based peak 102 GFLOP/s per core (32.0 flop/cycle x clock)"), md);
        assertTrue(md.contains("- JMH: 0 fork(s), 0 warm-up + 1 measurement iteration(s) of 100 ms, throughput\n"), md);
        // samples/s ± error | GFLOP/s | % of peak | vs isqrt-openblas | vs eig-ejml | error %
        double gf = 4000 * Flops.perSample(32, 24, 5, false) / 1e9;
        assertTrue(md.contains("| tiny | 4 | 32 | 24 | 5 | forward | cpu-vector | 4000 ± 40.0 | " + Fmt.sig(gf) + " | "
                + String.format(java.util.Locale.ROOT, "%.1f %%", 100 * gf / 190) + " | 2.00x |  | 2.5e-05 |"), md);
        assertTrue(md.contains("| forward | eig-ejml | FAILED: fail java.lang.IllegalStateException: x/y | | | | | | |"), md);
        assertTrue(md.contains("| forward | opencl | n/a: no device | | | | | | |"), md);
        assertTrue(md.contains("## Layer per process CPU second"), md);
        assertTrue(md.contains("| tiny | forward | cpu-vector | 5000 |"), md);
        assertTrue(md.contains("## Thread scaling (cpu-vector, same run)"), md);
        assertTrue(md.contains("| tiny | 4 | forward | cpu-vector | 2500 | 4000 | 1.60x |"), md);
        assertTrue(md.contains("| tiny | 4 | forward | cpu-vector | 1024 | 256 |"), md);
        assertTrue(md.contains("| cpu-vector | 32 | 1 | 50.0 | 50.0 % | one product |"), md);
        assertTrue(md.contains("| opencl | 32 | device |  | | n/a: no device |"), md);
        assertFalse(md.contains("## Baseline choices"), "no --variants");
        assertFalse(md.contains("## Against torch-autograd"), "no torch-autograd cell");
    }

    @Test
    void jsonKeepsTheReportsFieldsAndDeviceMergeReadsIt(@TempDir Path dir) throws Exception {
        Plan plan = plan("--profile", "smoke", "--threads", "2");
        JsonNode root = Json.tree(Json.write(JsonReport.render(plan, results())));
        assertEquals(List.of("env", "layer", "gemm", "scaling"), names(root));
        assertEquals(List.of("jdk", "cpu", "cores", "threads", "vector_bits", "vector_bits_forced", "vector_flags",
                "opencl_device", "opencl_is_gpu", "signal_chaining", "peak_gflops_per_core", "peak_gflops_all_threads",
                "profile", "date", "openblas", "eig_ejml_precision", "isqrt_openblas_parallelism", "jmh",
                "peak_wall_gflops_t1", "peak_cpu_time_gflops_t1", "peak_wall_gflops_t2", "peak_cpu_time_gflops_t2",
                "clock_wall_ghz", "clock_ghz", "flop_per_cycle", "nominal_flop_per_cycle", "clock_peak_gflops_per_core",
                "elapsed_s"), names(root.get("env")));
        assertEquals(List.of("forks", "warmup_iterations", "measurement_iterations", "iteration_ms", "mode"),
                names(root.get("env").get("jmh")));
        assertEquals(List.of("backend", "workload", "batch", "d", "n", "iterations", "mode", "samples_per_s",
                "samples_per_s_error", "gflops", "fraction_of_peak", "speedup_vs_isqrt_openblas", "samples_per_s_cpu_time",
                "speedup_vs_isqrt_openblas_cpu_time", "speedup_vs_eig_ejml", "error_pct", "alloc_bytes_per_batch",
                "status", "description"), names(root.get("layer").get(0)));
        assertEquals(List.of("backend", "d", "threads", "gflops", "fraction_of_peak", "gflops_per_cpu_second",
                "error_pct", "status", "description"), names(root.get("gemm").get(0)));
        assertEquals(List.of("backend", "workload", "batch", "mode", "threads", "samples_per_s_1_thread",
                "samples_per_s_all_threads", "scaling", "status"), names(root.get("scaling").get(0)));
        assertEquals(100, root.get("env").get("peak_gflops_per_core").asInt());
        assertTrue(root.get("env").get("peak_gflops_per_core").isIntegralNumber(), "whole numbers without .0");
        assertEquals(190.0, root.get("env").get("peak_gflops_all_threads").asDouble());
        assertEquals(false, root.get("env").get("opencl_is_gpu").asBoolean(true));
        JsonNode cpu = root.get("layer").get(0);
        assertEquals(4000, cpu.get("samples_per_s").asInt());
        assertEquals(2.0, cpu.get("speedup_vs_isqrt_openblas").asDouble());
        assertTrue(cpu.get("speedup_vs_eig_ejml").isNull(), "eig-ejml failed: no ratio");
        assertEquals("cpu-vector[512-bit]", cpu.get("description").asText());
        assertTrue(root.get("layer").get(1).get("description").isNull());
        assertEquals("device", root.get("gemm").get(1).get("threads").asText());
        assertEquals(1, root.get("gemm").get(0).get("threads").asInt());
        assertEquals(1.6, root.get("scaling").get(0).get("scaling").asDouble(), 1e-12);

        // --merge-device reads what the report writes
        Path rep = dir.resolve("r.json");
        Files.writeString(rep, Json.write(JsonReport.render(plan, results())));
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.read(Files.readString(rep));
        Map<String, Object> merged = DeviceMerge.merge(back, List.of());
        assertEquals(4, ((List<?>) merged.get("layer")).size());
        assertTrue(DeviceMerge.markdown(merged).contains("| tiny | 4 | 32 | 24 | 5 | forward | cpu-vector | 4000 |"));
    }

    @Test
    void committedReportsStayReadable() throws Exception {
        Path results = Path.of("results");
        List<Path> files;
        try (var s = Files.list(results)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "bench/results has committed reports");
        for (Path p : files) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) Json.read(Files.readString(p));
            assertTrue(r.get("layer") instanceof List && r.get("env") instanceof Map, p.toString());
            String md = DeviceMerge.markdown(DeviceMerge.merge(r, List.of()));
            assertTrue(md.contains("## Layer") && md.contains("## GEMM"), p.toString());
        }
    }

    @Test
    void chartIsWritten(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("c.png");
        Chart.layer(png, plan("--profile", "smoke", "--threads", "2"), results());
        assertTrue(Files.size(png) > 1000);
    }

    @Test
    void peakCheckPicksTheNearestNominalFigure() {
        // 16 lanes: 64 flop/cycle at full width, 32 at half
        Peak full = Peak.of(List.of(new Peak.At(1, OptionalDouble.of(200), OptionalDouble.empty())), OptionalDouble.of(3.3),
                OptionalDouble.empty(), 16);
        assertEquals(64, full.nominalFlopPerCycle().getAsDouble());
        assertEquals(200 / 3.3, full.flopPerCycle().getAsDouble(), 1e-12);
        assertEquals(64 * 3.3, full.clockPeakPerCore().getAsDouble(), 1e-9);
        Peak half = Peak.of(List.of(new Peak.At(1, OptionalDouble.of(100), OptionalDouble.of(110))), OptionalDouble.of(3.0),
                OptionalDouble.of(3.5), 16);
        assertEquals(32, half.nominalFlopPerCycle().getAsDouble());
        assertEquals(110, half.perCore().getAsDouble(), "the CPU-time rate where it is higher");
        Peak none = Peak.of(List.of(), OptionalDouble.empty(), OptionalDouble.empty(), 16);
        assertTrue(none.flopPerCycle().isEmpty() && none.clockPeakPerCore().isEmpty() && none.on(2).isEmpty());
    }

    @Test
    void trialRecordsRoundTripThroughTheWorkFolder(@TempDir Path dir) {
        String before = System.getProperty(Checks.WORK_PROPERTY);
        System.setProperty(Checks.WORK_PROPERTY, dir.toString());
        try {
            Trial.save("layer-x-tiny-forward+backward-t2-b4", Trial.passed(1.5e-5, 2.5e9, "what ran"));
            Trial.update("layer-x-tiny-forward+backward-t2-b4", t -> t.withCpuRate(123.5));
            Trial t = Trial.load(dir, "layer-x-tiny-forward+backward-t2-b4").orElseThrow();
            assertEquals(new Trial(true, 1.5e-5, "what ran", OptionalDouble.of(2.5e9), OptionalDouble.of(123.5)), t);
            Trial.save("bad", Trial.failed(new IllegalStateException("wrong")));
            Trial f = Trial.load(dir, "bad").orElseThrow();
            assertFalse(f.passed());
            assertEquals("fail java.lang.IllegalStateException: wrong", f.failure());
            assertTrue(Trial.load(dir, "never-ran").isEmpty());
            Trial.update("never-ran", x -> x.withCpuRate(1));
            assertTrue(Trial.load(dir, "never-ran").isEmpty(), "an update without a trial stores nothing");
        } finally {
            if (before == null) {
                System.clearProperty(Checks.WORK_PROPERTY);
            } else {
                System.setProperty(Checks.WORK_PROPERTY, before);
            }
        }
    }

    @Test
    void openClProbeResultRoundTripsAndFillsTheGemmRows() {
        OpenClProbe.Found f = new OpenClProbe.Found(Optional.empty(), "opencl[test]", Optional.of(false),
                Optional.empty(), List.of()).with(new OpenClProbe.Gemm(32, 12.5, 3, 1000, Optional.empty()))
                .with(OpenClProbe.Gemm.failed(64, "CL_OUT_OF_RESOURCES"));
        OpenClProbe.Found back = OpenClProbe.Found.fromJson(Json.tree(Json.write(f.toJson())));
        assertEquals(f.device(), back.device());
        assertEquals(f.gpu(), back.gpu());
        assertEquals(f.gemm(32), back.gemm(32));
        assertEquals(Optional.of("CL_OUT_OF_RESOURCES"), back.gemm(64).orElseThrow().failure());
        assertTrue(back.gemm(128).isEmpty());
        assertEquals(Optional.of("gone"), OpenClProbe.Found.fromJson(Json.tree(Json.write(
                OpenClProbe.Found.unavailable("gone").toJson()))).unavailable());
    }

    private static List<String> names(JsonNode o) {
        List<String> n = new ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            n.add(it.next());
        }
        return n;
    }
}
