package org.isqrt4j.devicecheck;

import java.util.Locale;

/**
 * The device's FP32 peak from what OpenCL reports: compute units x max clock x FP32 flops per clock per unit. OpenCL
 * does not report the last factor, so it is an assumption per vendor and architecture (an FMA counts as two flops):
 * <ul>
 *   <li>NVIDIA (a compute unit is an SM): 2 x the FP32 lanes per SM of its compute capability, from NVIDIA's CUDA
 *       programming guide: 3.x 192; 5.x 128; 6.0 64; 6.1-6.2 128; 7.x (Volta, Turing) 64; 8.0 (A100) 64; 8.6-8.9
 *       128; 9.0 (Hopper: H100, H200) 128; 10.x and 12.x (Blackwell) 128; unknown 128. An H200 (132 SMs, 1980 MHz
 *       boost) gives 132 x 1.98 GHz x 256 = 66.9 TFLOP/s, NVIDIA's published FP32 figure for the H100/H200 SXM;</li>
 *   <li>AMD GPUs (a compute unit has 64 lanes): 128, no dual issue or packed FP32 counted;</li>
 *   <li>Intel GPUs (OpenCL reports EUs as compute units, 8 FP32 lanes each): 16;</li>
 *   <li>CPUs (a compute unit is a hardware thread, as PoCL counts them): native float vector width x 2 (FMA) x 2
 *       (two FMA pipes). This overstates CPUs with SMT or narrower FMA pipes (a double-pumped AVX-512 core); the
 *       bench report's measured FMA peak is the CPU figure to trust;</li>
 *   <li>anything else: 2 (one scalar FMA per clock).</li>
 * </ul>
 * The max clock is the boost clock on NVIDIA; sustained clocks under a full GEMM load can be lower, so fractions of
 * this peak are upper-bound based (conservative).
 */
final class PeakModel {
    private PeakModel() {
    }

    /**
     * @param flopsPerClockPerUnit FP32 flops per clock per compute unit assumed
     * @param gflops               the resulting peak in GFLOP/s
     * @param assumption           what was assumed, for the report
     */
    record Peak(int flopsPerClockPerUnit, double gflops, String assumption) {
    }

    /**
     * @param major compute capability major
     * @param minor compute capability minor
     * @return FP32 lanes per SM
     */
    static int nvidiaLanesPerSm(int major, int minor) {
        switch (major) {
            case 3:
                return 192;
            case 5:
                return 128;
            case 6:
                return minor == 0 ? 64 : 128;
            case 7:
                return 64;
            case 8:
                return minor == 0 ? 64 : 128;
            default:
                return 128;
        }
    }

    /**
     * @param units     compute units
     * @param clockMhz  max clock in MHz
     * @param flopsPerClockPerUnit FP32 flops per clock per unit
     * @return units x clock x flops, in GFLOP/s
     */
    static double gflops(int units, int clockMhz, int flopsPerClockPerUnit) {
        return (double) units * clockMhz * 1e-3 * flopsPerClockPerUnit;
    }

    /** @param d the device  @return its assumed FP32 peak */
    static Peak of(DeviceInfo d) {
        return of(d.isNvidia(), (d.vendor + " " + d.platformName).toLowerCase(Locale.ROOT), d.gpu, d.cpu, d.ccMajor,
                d.ccMinor, d.nativeFloatWidth, d.computeUnits, d.clockMhz);
    }

    static Peak of(boolean nvidia, String vendorLower, boolean gpu, boolean cpu, int ccMajor, int ccMinor,
                   int nativeFloatWidth, int units, int clockMhz) {
        int f;
        String why;
        if (nvidia && gpu) {
            int lanes = ccMajor < 0 ? 128 : nvidiaLanesPerSm(ccMajor, ccMinor);
            f = 2 * lanes;
            why = "NVIDIA" + (ccMajor < 0 ? " (compute capability unknown)" : " compute capability " + ccMajor + "." + ccMinor)
                    + ": " + lanes + " FP32 lanes per SM x 2 (FMA)";
        } else if (gpu && (vendorLower.contains("amd") || vendorLower.contains("advanced micro"))) {
            f = 128;
            why = "AMD GPU: 64 lanes per CU x 2 (FMA), no dual issue counted";
        } else if (gpu && vendorLower.contains("intel")) {
            f = 16;
            why = "Intel GPU: 8 FP32 lanes per EU x 2 (FMA)";
        } else if (cpu) {
            int w = Math.max(1, nativeFloatWidth);
            f = w * 4;
            why = "CPU: native float vector width " + w + " x 2 (FMA) x 2 FMA pipes per compute unit (rough: SMT and "
                    + "double-pumped pipes make it an overestimate; use the bench report's measured FMA peak)";
        } else {
            f = 2;
            why = "unknown device kind: one scalar FMA per clock per unit";
        }
        double g = units > 0 && clockMhz > 0 ? gflops(units, clockMhz, f) : Double.NaN;
        return new Peak(f, g, String.format(Locale.ROOT, "%d units x %d MHz x %d flops/clock/unit; %s", units, clockMhz,
                f, why));
    }
}
