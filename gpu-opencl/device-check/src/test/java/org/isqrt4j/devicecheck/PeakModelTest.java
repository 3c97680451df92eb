package org.isqrt4j.devicecheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The FP32 peak model against vendors' published figures. */
class PeakModelTest {
    @Test
    void h200MatchesNvidiasPublishedFp32Peak() {
        // H100/H200 SXM: 132 SMs, 1980 MHz boost, published 67 TFLOP/s FP32.
        PeakModel.Peak p = PeakModel.of(true, "nvidia corporation", true, false, 9, 0, 1, 132, 1980);
        assertEquals(256, p.flopsPerClockPerUnit());
        assertEquals(66908.16, p.gflops(), 1e-6);
        assertTrue(p.assumption().contains("9.0"), p.assumption());
    }

    @Test
    void a100AndRtx4090MatchTheirPublishedFigures() {
        // A100: 108 SMs x 1410 MHz x 64 lanes x 2 = 19.5 TFLOP/s; RTX 4090 (8.9): 128 SMs x 2520 MHz x 128 x 2 = 82.6.
        assertEquals(19491.84, PeakModel.of(true, "nvidia", true, false, 8, 0, 1, 108, 1410).gflops(), 1e-6);
        assertEquals(82575.36, PeakModel.of(true, "nvidia", true, false, 8, 9, 1, 128, 2520).gflops(), 1e-6);
    }

    @Test
    void otherKinds() {
        assertEquals(128, PeakModel.of(false, "advanced micro devices, inc.", true, false, -1, -1, 4, 60, 1800)
                .flopsPerClockPerUnit());
        assertEquals(16, PeakModel.of(false, "intel(r) corporation", true, false, -1, -1, 8, 96, 1300).flopsPerClockPerUnit());
        // PoCL on an AVX-512 CPU: native width 16 -> 64 per unit.
        assertEquals(64, PeakModel.of(false, "authenticamd portable computing language", false, true, -1, -1, 16, 2, 2596)
                .flopsPerClockPerUnit());
        assertTrue(Double.isNaN(PeakModel.of(false, "x", false, false, -1, -1, 1, 0, 0).gflops()));
    }
}
