package org.isqrt4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --merge-device}: a device check's rows beside a report's CPU rows, and the JSON reader it uses. */
class DeviceMergeTest {
    private static Map<String, Object> row(String backend, String workload, String mode, Double sps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", backend);
        m.put("workload", workload);
        m.put("batch", 32);
        m.put("d", 256);
        m.put("n", 196);
        m.put("iterations", 5);
        m.put("mode", mode);
        m.put("samples_per_s", sps);
        m.put("gflops", 1.0); // wrong on purpose: the merge recomputes it
        m.put("status", "ok");
        return m;
    }

    private static Map<String, Object> report() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("profile", "full");
        env.put("threads", 2);
        env.put("peak_gflops_all_threads", 500.0);
        List<Object> layer = new ArrayList<>();
        layer.add(row("cpu-vector", "imagenet", "forward", 1500.0));
        layer.add(row("isqrt-openblas", "imagenet", "forward", 500.0));
        layer.add(row("eig-ejml", "imagenet", "forward", 100.0));
        layer.add(row("isqrt-openblas", "imagenet", "forward+backward", 200.0));
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("backend", "cpu-vector");
        g.put("d", 64);
        g.put("threads", 1);
        g.put("gflops", 270.0);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("env", env);
        root.put("layer", layer);
        root.put("gemm", new ArrayList<>(List.of(g)));
        return root;
    }

    private static Map<String, Object> device() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("profile", "device-check");
        env.put("date", "2026-12-02T00:00:00Z");
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("id", "opencl@NVIDIA H200");
        dev.put("peak_gflops_fp32", 66908.16);
        List<Object> layer = new ArrayList<>();
        layer.add(row("opencl@NVIDIA H200/local", "imagenet", "forward", 50000.0));
        layer.add(row("opencl@NVIDIA H200/local", "imagenet", "forward+backward", 20000.0));
        layer.add(row("opencl@NVIDIA H200/local", "wide", "forward", null));
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("backend", "opencl@NVIDIA H200/local");
        g.put("d", 1024);
        g.put("threads", "device");
        g.put("gflops", 33454.08);
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("device", "opencl@NVIDIA H200");
        check.put("kernel", "local");
        check.put("name", "layer x");
        check.put("status", "FAIL");
        check.put("detail", "relative error 1 >= 2e-05");
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("env", env);
        root.put("devices", List.of(dev));
        root.put("checks", List.of(check));
        root.put("layer", layer);
        root.put("gemm", List.of(g));
        return root;
    }

    @Test
    void deviceRowsGetTheReportsCountPeakAndRatios() {
        Map<String, Object> m = DeviceMerge.merge(report(), List.of(device()));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> layer = (List<Map<String, Object>>) m.get("layer");
        assertEquals(7, layer.size());
        Map<String, Object> fwd = layer.get(4);
        assertEquals("opencl@NVIDIA H200/local", fwd.get("backend"));
        double g = 50000.0 * Flops.perSample(256, 196, 5, false) / 1e9;
        assertEquals(g, (Double) fwd.get("gflops"), 1e-9);
        assertEquals(g / 66908.16, (Double) fwd.get("fraction_of_peak"), 1e-12);
        assertEquals(100.0, (Double) fwd.get("speedup_vs_isqrt_openblas"), 1e-12);
        assertEquals(500.0, (Double) fwd.get("speedup_vs_eig_ejml"), 1e-12);
        Map<String, Object> both = layer.get(5);
        assertEquals(100.0, (Double) both.get("speedup_vs_isqrt_openblas"), 1e-12);
        assertNull(both.get("speedup_vs_eig_ejml"), "no eig-ejml forward+backward row in the report");
        assertEquals(1.0, (Double) layer.get(0).get("gflops"), "CPU rows are left as they are");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> gemm = (List<Map<String, Object>>) m.get("gemm");
        assertEquals(0.5, (Double) gemm.get(1).get("fraction_of_peak"), 1e-12);
        String md = DeviceMerge.markdown(m);
        // device rows right under the CPU rows of their workload and mode; the failed check is named
        int cpu = md.indexOf("| imagenet | 32 | 256 | 196 | 5 | forward | eig-ejml |");
        int gpu = md.indexOf("| imagenet | 32 | 256 | 196 | 5 | forward | opencl@NVIDIA H200/local | 50000 |");
        int cpuBoth = md.indexOf("| forward+backward | isqrt-openblas |");
        assertTrue(cpu > 0 && gpu > cpu && cpuBoth > gpu, md);
        assertTrue(md.contains("100.00x | 500.00x"), md);
        assertTrue(md.contains("FAILED check on opencl@NVIDIA H200 / local: layer x"), md);
        assertTrue(md.contains("| wide | 32 | 256 | 196 | 5 | forward | opencl@NVIDIA H200/local | ok |"), md);
    }

    @Test
    void runWritesJsonMarkdownAndChart(@TempDir Path dir) throws Exception {
        Path rep = dir.resolve("full-x.json");
        Path dev = dir.resolve("device-check.json");
        Files.writeString(rep, Json.write(report()));
        Files.writeString(dev, Json.write(device()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = DeviceMerge.run(new String[] {"--merge-device", dev.toString(), "--into", rep.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.size(dir.resolve("full-x-with-device.png")) > 1000);
        Map<?, ?> back = (Map<?, ?>) Json.read(Files.readString(dir.resolve("full-x-with-device.json")));
        List<?> layer = (List<?>) back.get("layer");
        assertEquals(7, layer.size());
        assertEquals(100.0, ((Map<?, ?>) layer.get(4)).get("speedup_vs_isqrt_openblas"));
        List<?> merged = (List<?>) ((Map<?, ?>) back.get("env")).get("merged_devices");
        assertEquals(dev.toString(), ((Map<?, ?>) merged.get(0)).get("file"));
        assertTrue(Files.readString(dir.resolve("full-x-with-device.md")).contains("opencl@NVIDIA H200/local"));
        assertEquals(2, DeviceMerge.run(new String[] {"--merge-device"}, new PrintStream(out), new PrintStream(err)));
    }

    @Test
    void jsonReadsWhatJsonWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"q\" \\ / \n\t\u0001 é");
        m.put("n", -1.5e-7);
        m.put("i", 3.0);
        m.put("b", true);
        m.put("z", null);
        m.put("l", List.of(1.0, "x", List.of(), Map.of()));
        assertEquals(m, Json.read(Json.write(m)));
        assertThrows(IllegalArgumentException.class, () -> Json.read("{\"a\": 1,}"));
        assertThrows(IllegalArgumentException.class, () -> Json.read("[1 2]"));
        assertThrows(IllegalArgumentException.class, () -> Json.read("\"open"));
    }
}
