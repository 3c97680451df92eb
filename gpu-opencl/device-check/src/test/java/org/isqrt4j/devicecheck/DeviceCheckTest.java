package org.isqrt4j.devicecheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.isqrt4j.testsupport.OpenClAvailability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner end to end on whatever OpenCL device is here (PoCL in CI), with the smallest plan: one GEMM size, one
 * workload; the correctness subset itself is covered by {@link CorrectnessTest} and by CI's
 * {@code gpu-opencl/device-check/run.sh --local}. Without a device the test is skipped, except with CI=true ({@link OpenClAvailability}).
 */
class DeviceCheckTest {
    /** The keys of a layer row of the bench report's JSON, in its order (bench/results/*.json). */
    static final List<String> BENCH_LAYER_KEYS = List.of("backend", "workload", "batch", "d", "n", "iterations", "mode",
            "samples_per_s", "samples_per_s_error", "gflops", "fraction_of_peak", "speedup_vs_isqrt_openblas",
            "speedup_vs_eig_ejml", "error_pct", "alloc_bytes_per_batch", "status", "description");

    @Test
    void writesBenchFormatRowsForEveryDevice(@TempDir Path dir) throws Exception {
        String[] why = new String[1];
        if (DeviceInfo.list(why).isEmpty()) {
            throw OpenClAvailability.unavailable(why[0], null);
        }
        DeviceCheck.Plan plan = DeviceCheck.Plan.of(true);
        plan.checks = false;
        plan.gemmSizes = new int[] {40};
        plan.layerWorkloads = new int[] {1};
        plan.layerBatch = new int[] {0, 2, 0, 0};
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = DeviceCheck.run(plan, dir, new PrintStream(log, true, StandardCharsets.UTF_8));
        String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, text);
        String json = Files.readString(dir.resolve("device-check.json"));
        String md = Files.readString(dir.resolve("device-check.md"));
        assertTrue(md.contains("## Layer") && md.contains("| small | 2 | 64 | 49 | forward |"), md);
        // Every layer row has the bench report's keys, in its order, then the check's own extra keys.
        Matcher rows = Pattern.compile("\\{\\s*\"backend\": \"opencl@[^\"]+\",\\s*\"workload\"[^}]*\\}").matcher(json);
        int count = 0;
        while (rows.find()) {
            List<String> keys = new ArrayList<>();
            Matcher k = Pattern.compile("\"([a-z_0-9]+)\":").matcher(rows.group());
            while (k.find()) {
                keys.add(k.group(1));
            }
            assertEquals(BENCH_LAYER_KEYS, keys.subList(0, BENCH_LAYER_KEYS.size()), rows.group());
            assertTrue(rows.group().contains("\"status\": \"ok\""), rows.group());
            count++;
        }
        // two modes per kernel choice (both kernels outside the local plan; the default one here)
        assertEquals(2 * DeviceInfo.list(why).size(), count, json);
        Matcher gflops = Pattern.compile("\"d\": 40,\\s*\"threads\": \"device\",\\s*\"gflops\": ([0-9.eE+-]+)").matcher(json);
        assertTrue(gflops.find(), json);
        assertTrue(Double.parseDouble(gflops.group(1)) > 0, json);
    }
}
