package org.isqrt4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.OptionalDouble;

/**
 * The report's JSON ({@code latest.json}, {@code bench/results/*.json}): a renderer of {@link Results}. The field
 * names and their order are the reports' format, which {@code --merge-device} ({@link DeviceMerge}) reads back.
 */
final class JsonReport {
    private JsonReport() {
    }

    /**
     * @param plan the run's plan
     * @param r    its results
     * @return the report's JSON tree: env, layer, gemm, and scaling and whitening when they ran
     */
    static ObjectNode render(Plan plan, Results r) {
        ObjectNode root = Json.object();
        root.set("env", env(plan, r));
        ArrayNode layer = root.putArray("layer");
        for (LayerRow row : r.layer()) {
            ObjectNode m = layer.addObject();
            Workload w = row.workload();
            m.put("backend", row.backend());
            m.put("workload", w.id());
            m.put("batch", row.batch());
            m.put("d", w.d());
            m.put("n", w.n());
            m.put("iterations", w.iterations());
            m.put("mode", row.mode());
            Json.put(m, "samples_per_s", row.samplesPerS());
            Json.put(m, "samples_per_s_error", row.samplesErr());
            Json.put(m, "gflops", row.gflops());
            Json.put(m, "fraction_of_peak", row.fraction());
            Json.put(m, "speedup_vs_isqrt_openblas", row.vsOpenBlas());
            Json.put(m, "samples_per_s_cpu_time", row.samplesCpu());
            Json.put(m, "speedup_vs_isqrt_openblas_cpu_time", row.vsOpenBlasCpu());
            Json.put(m, "speedup_vs_eig_ejml", row.vsEig());
            Json.put(m, "error_pct", row.errorPct());
            Json.put(m, "alloc_bytes_per_batch", row.allocPerBatch());
            m.put("status", row.status());
            Json.put(m, "description", row.description());
        }
        ArrayNode gemm = root.putArray("gemm");
        for (GemmRow row : r.gemm()) {
            ObjectNode m = gemm.addObject();
            m.put("backend", row.backend());
            m.put("d", row.d());
            if (row.threads().isPresent()) {
                m.put("threads", row.threads().getAsInt());
            } else {
                m.put("threads", "device");
            }
            Json.put(m, "gflops", row.gflops());
            Json.put(m, "fraction_of_peak", row.fraction());
            Json.put(m, "gflops_per_cpu_second", row.gflopsCpu());
            Json.put(m, "error_pct", row.errorPct());
            m.put("status", row.status());
            Json.put(m, "description", row.description());
        }
        if (!r.scaling().isEmpty()) {
            ArrayNode sc = root.putArray("scaling");
            for (ScalingRow row : r.scaling()) {
                ObjectNode m = sc.addObject();
                m.put("backend", row.backend());
                m.put("workload", row.workload().id());
                m.put("batch", row.batch());
                m.put("mode", row.mode());
                m.put("threads", plan.threads());
                Json.put(m, "samples_per_s_1_thread", row.oneThread());
                Json.put(m, "samples_per_s_all_threads", row.allThreads());
                Json.put(m, "scaling", row.ratio());
                m.put("status", row.status());
            }
        }
        if (!r.whitening().isEmpty()) {
            ArrayNode wl = root.putArray("whitening");
            for (WhiteningBench.Row row : r.whitening()) {
                ObjectNode m = wl.addObject();
                m.put("workload", row.workload());
                m.put("contender", row.contender());
                m.put("pass", row.pass());
                m.put("batch", row.batch());
                Json.put(m, "seconds_per_batch", OptionalDouble.of(row.seconds()));
                Json.put(m, "samples_per_s", OptionalDouble.of(row.samplesPerSecond()));
            }
        }
        return root;
    }

    private static ObjectNode env(Plan plan, Results r) {
        Environment e = r.env();
        Peak peak = r.peak();
        ObjectNode env = Json.object();
        env.put("jdk", e.jdk());
        env.put("cpu", e.cpu());
        env.put("cores", e.cores());
        env.put("threads", plan.threads());
        Json.put(env, "vector_bits", e.vectorBits());
        env.put("vector_bits_forced", e.vectorBitsForced());
        env.put("vector_flags", e.vectorFlags());
        env.put("opencl_device", e.openclDevice());
        if (e.openclIsGpu().isPresent()) {
            env.put("opencl_is_gpu", e.openclIsGpu().get());
        } else {
            env.putNull("opencl_is_gpu");
        }
        env.put("signal_chaining", e.signalChaining());
        Json.put(env, "peak_gflops_per_core", peak.perCore());
        Json.put(env, "peak_gflops_all_threads", peak.on(plan.threads()));
        env.put("profile", plan.profile());
        env.put("date", e.date());
        env.put("openblas", e.openblas());
        env.put("eig_ejml_precision", e.eigEjmlPrecision());
        env.put("isqrt_openblas_parallelism", e.isqrtOpenblasParallelism());
        ObjectNode jmh = env.putObject("jmh");
        jmh.put("forks", plan.layer().forks());
        jmh.put("warmup_iterations", plan.layer().warmup());
        jmh.put("measurement_iterations", plan.layer().iterations());
        jmh.put("iteration_ms", plan.layer().timeMs());
        if (plan.layer().warmupMs() != plan.layer().timeMs()) {
            jmh.put("warmup_iteration_ms", plan.layer().warmupMs());
        }
        jmh.put("mode", "throughput");
        for (Peak.At at : peak.at()) {
            Json.put(env, "peak_wall_gflops_t" + at.threads(), at.wall());
            Json.put(env, "peak_cpu_time_gflops_t" + at.threads(), at.cpu());
        }
        Json.put(env, "clock_wall_ghz", peak.clockWallGhz());
        Json.put(env, "clock_ghz", peak.clockGhz());
        Json.put(env, "flop_per_cycle", peak.flopPerCycle());
        if (peak.nominalFlopPerCycle().isPresent()) {
            Json.put(env, "nominal_flop_per_cycle", peak.nominalFlopPerCycle());
        }
        Json.put(env, "clock_peak_gflops_per_core", peak.clockPeakPerCore());
        Json.put(env, "elapsed_s", OptionalDouble.of(r.elapsedS()));
        return env;
    }
}
