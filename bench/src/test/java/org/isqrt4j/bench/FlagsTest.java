package org.isqrt4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.TimeValue;

/** The command line: profiles, the report's options, and JMH's own options passed through to every JMH run. */
class FlagsTest {
    private static Plan plan(String... args) {
        return Flags.parse(args).orElseThrow();
    }

    @Test
    void profilesGiveTheirDefaults() {
        Plan quick = plan();
        assertEquals("quick", quick.profile());
        assertEquals(new Plan.JmhSettings(0, 1, 2, 400, 400), quick.layer());
        assertEquals(new Plan.JmhSettings(0, 1, 1, 250, 250), quick.gemm());
        assertEquals(List.of(Workload.IMAGENET, Workload.SMALL, Workload.FINEGRAINED), quick.workloads());
        assertEquals(8, quick.batchOf(Workload.IMAGENET));
        assertEquals(Workload.FINEGRAINED.batch(), quick.batchOf(Workload.FINEGRAINED));
        assertTrue(!quick.gc() && !quick.scaling() && quick.whitening() && quick.jitWarmUp() && quick.gemmTable());
        assertEquals(Paths.get("bench", "results"), quick.out());
        Plan full = plan("--profile", "full");
        assertEquals(new Plan.JmhSettings(2, 3, 5, 2000, 2000), full.layer());
        assertTrue(full.workloads().contains(Workload.WIDE) && full.gc() && full.scaling());
        assertEquals(Map.of(), full.batch());
        Plan smoke = plan("--profile=smoke");
        assertEquals(List.of(Workload.TINY), smoke.workloads());
        assertEquals(new Plan.JmhSettings(0, 0, 1, 100, 100), smoke.layer());
        assertEquals(List.of(32, 64), smoke.gemmSizes());
        assertTrue(!smoke.jitWarmUp() && smoke.whiteningSmall());
        assertEquals(Paths.get("bench", "results", "tmp"), smoke.out());
    }

    @Test
    void reportOptionsOverrideTheProfile() {
        Plan p = plan("--profile", "full", "--threads=3", "--variants", "--no-gemm", "--no-whitening",
                "--backends", "cpu-vector,eig-ejml", "--out", "/tmp/x", "--work=/tmp/w", "--vector-bits", "256",
                "--forks", "1", "--warmup", "4", "--iterations", "3", "--time-ms", "1000");
        assertEquals(3, p.threads());
        assertEquals(new Plan.JmhSettings(1, 4, 3, 1000, 1000), p.layer());
        assertEquals(new Plan.JmhSettings(1, 4, 3, 1000, 1000), p.gemm());
        assertTrue(!p.gemmTable() && !p.whitening() && p.variants());
        assertEquals("cpu-vector", p.backends().get(0));
        assertTrue(p.backends().containsAll(Backends.VARIANTS), "--variants adds the variants");
        assertEquals(Paths.get("/tmp/x"), p.out());
        assertEquals(Paths.get("/tmp/w"), p.work());
        assertEquals(OptionalInt.of(256), p.vectorBits());
        Plan s = plan("--profile=smoke", "--batch", "2", "--workloads", "small,tiny", "--gc", "--scaling");
        assertEquals(List.of(Workload.SMALL, Workload.TINY), s.workloads());
        assertEquals(2, s.batchOf(Workload.SMALL));
        assertTrue(s.gc() && s.scaling());
        assertEquals(Workload.IMAGENET.batch(), plan("--batch", "issue").batchOf(Workload.IMAGENET));
        assertTrue(Flags.parse(new String[] {"--help"}).isEmpty());
        assertTrue(Flags.parse(new String[] {"-h"}).isEmpty());
    }

    @Test
    void badOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> plan("--profile", "fast"));
        assertThrows(IllegalArgumentException.class, () -> plan("--threads", "0"));
        assertThrows(IllegalArgumentException.class, () -> plan("--bogus", "1"));
        assertThrows(IllegalArgumentException.class, () -> plan("--threads"));
        assertThrows(IllegalArgumentException.class, () -> plan("--vector-bits", "300"));
        assertThrows(IllegalArgumentException.class, () -> plan("-bogusJmhOption", "1"));
        assertThrows(IllegalArgumentException.class, () -> plan("-f", "many"));
        assertThrows(IllegalArgumentException.class, () -> plan("--gemm-sizes", "64,0"));
        assertThrows(IllegalArgumentException.class, () -> plan("--workloads", "enormous"));
    }

    @Test
    void gemmSizesAndTheD2048WorkloadCanBeChosen() {
        Plan p = plan("--gemm-sizes", "1024,2048", "--workloads", "wide,huge");
        assertEquals(List.of(1024, 2048), p.gemmSizes());
        assertEquals(List.of(Workload.WIDE, Workload.HUGE), p.workloads());
        assertEquals(2048, Workload.HUGE.d());
        assertEquals(2, p.batchOf(Workload.HUGE));
    }

    @Test
    void jmhOptionsSetTheSameSettingsAsTheReportsNames() {
        Plan p = plan("--profile", "smoke", "-f", "2", "-wi", "3", "-i", "4", "-w", "300ms", "-r", "1s");
        assertEquals(new Plan.JmhSettings(2, 3, 4, 300, 1000), p.layer());
        assertEquals(new Plan.JmhSettings(2, 3, 4, 300, 1000), p.gemm());
        // JMH's spelling after the report's: the later one counts
        assertEquals(5, plan("--forks", "1", "-f", "5").layer().forks());
    }

    @Test
    void otherJmhOptionsReachEveryRun() {
        Plan p = plan("--profile", "smoke", "--work", "/tmp/w", "-prof", "stack", "-jvmArgsAppend=-Xmx1g", "-to", "3m",
                "--threads", "2");
        assertEquals(2, p.threads(), "report options after JMH options are still read");
        JmhRuns runs = new JmhRuns(p, Paths.get("/tmp/w/jmh.log"));
        Options o = runs.options(LayerBenchmark.class, Map.of("workload", new String[] {"tiny"}), p.layer(), 0);
        assertEquals(List.of("stack"), o.getProfilers().stream().map(c -> c.getKlass()).toList());
        List<String> jvm = List.copyOf(o.getJvmArgsAppend().get());
        assertTrue(jvm.contains("-Xmx1g") && jvm.contains("--add-modules=jdk.incubator.vector"), jvm.toString());
        assertTrue(jvm.contains("-D" + Checks.WORK_PROPERTY + "=" + Paths.get("/tmp/w").toAbsolutePath()), jvm.toString());
        assertEquals(TimeValue.minutes(3), o.getTimeout().get());
        assertEquals(0, o.getForkCount().get());
        assertEquals(List.of("^\\Q" + LayerBenchmark.class.getName() + ".\\E.*"), o.getIncludes());
        assertEquals(TimeValue.milliseconds(100), o.getMeasurementTime().get());
        Plan gc = plan("--gc");
        Options og = new JmhRuns(gc, Paths.get("jmh.log")).options(LayerBenchmark.class, Map.of(), gc.layer(), 0);
        assertEquals(1, og.getProfilers().size(), "--gc: JMH's GC profiler on the layer runs");
        Options gemm = new JmhRuns(gc, Paths.get("jmh.log")).options(GemmBenchmark.class, Map.of(), gc.gemm(), 0);
        assertTrue(gemm.getProfilers().isEmpty(), "not on the GEMM runs");
    }
}
