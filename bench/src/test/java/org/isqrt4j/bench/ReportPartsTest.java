package org.isqrt4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The report's pieces that need no benchmark run: flop counts, JSON, the GEMM spot check. */
class ReportPartsTest {

    @Test
    void flopCountIsTheStraightforwardScheme() {
        assertEquals(12, Flops.forwardProducts(5));
        assertEquals(38, Flops.backwardProducts(5));
        assertEquals(1, Flops.forwardProducts(1));
        assertEquals(2, Flops.backwardProducts(1));
        // d = 2, n = 3, K = 2: covariance 2*4*3 = 24 each way, products of 16 flops: 3 forward, 8 backward.
        assertEquals(24 + 3 * 16, Flops.perSample(2, 3, 2, false));
        assertEquals(24 + 3 * 16 + 24 + 8 * 16, Flops.perSample(2, 3, 2, true));
    }

    @Test
    void jsonEscapesAndKeepsOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", "quote\" back\\slash\nnew\u0001");
        m.put("a", Arrays.asList(1, 2.5, Double.NaN, null, true, 3.0));
        m.put("e", new ArrayList<>());
        m.put("o", new LinkedHashMap<>());
        String s = Json.write(m);
        assertEquals("{\n  \"b\": \"quote\\\" back\\\\slash\\nnew\\u0001\",\n"
                + "  \"a\": [\n    1,\n    2.5,\n    null,\n    null,\n    true,\n    3\n  ],\n  \"e\": [],\n  \"o\": {}\n}\n", s);
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }

    @Test
    void gemmSpotCheckSeesAWrongEntry() {
        int d = 32;
        Random r = new Random(1);
        float[] a = new float[d * d];
        float[] b = new float[d * d];
        for (int i = 0; i < d * d; i++) {
            a[i] = (float) r.nextGaussian();
            b[i] = (float) r.nextGaussian();
        }
        float[] c = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int p = 0; p < d; p++) {
                    s += (double) a[i * d + p] * b[p * d + j];
                }
                c[i * d + j] = (float) s;
            }
        }
        assertTrue(GemmBenchmark.spotCheck(a, b, c, d, new Random(2)) < 1e-4);
        float[] transposedB = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int p = 0; p < d; p++) {
                    s += (double) a[i * d + p] * b[j * d + p];
                }
                transposedB[i * d + j] = (float) s;
            }
        }
        assertTrue(GemmBenchmark.spotCheck(a, b, transposedB, d, new Random(2)) > 10);
    }

    @Test
    void unknownBackEndIsReportedNotThrown() {
        String why = OpRunner.unavailableReason("no-such-backend");
        assertTrue(why.startsWith("no provider 'no-such-backend'"), why);
        assertThrows(IllegalStateException.class, () -> Backends.unavailableReason("opencl"));
    }

    @Test
    void workloadsAreTheIssues() {
        assertEquals("imagenet(B=32, d=256, n=196, K=5)", Workload.IMAGENET.toString());
        assertEquals("small(B=128, d=64, n=49, K=5)", Workload.SMALL.toString());
        assertEquals("finegrained(B=8, d=256, n=784, K=5)", Workload.FINEGRAINED.toString());
        assertEquals("wide(B=4, d=1024, n=196, K=5)", Workload.WIDE.toString());
        assertEquals(Workload.SMALL, Workload.byId(" Small "));
        assertEquals("huge(B=2, d=2048, n=196, K=5)", Workload.HUGE.toString());
        assertThrows(IllegalArgumentException.class, () -> Workload.byId("enormous"));
    }
}
