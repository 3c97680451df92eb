package org.isqrt4j.bench;

import java.util.List;
import java.util.OptionalDouble;

/**
 * The FMA peak calibration of a run ({@link PeakBenchmark}) and its clock-based check.
 *
 * @param at                 per thread count: the wall-clock and the CPU-time rate
 * @param clockWallGhz       the clock from the multiply chain's wall-clock score
 * @param clockGhz           the clock used: per thread CPU second if measured, else wall clock
 * @param flopPerCycle       the one-thread peak over the clock
 * @param nominalFlopPerCycle the nominal figure nearest to it (see {@link #of})
 */
record Peak(List<At> at, OptionalDouble clockWallGhz, OptionalDouble clockGhz, OptionalDouble flopPerCycle,
            OptionalDouble nominalFlopPerCycle) {

    /**
     * The peak on a number of threads.
     *
     * @param threads threads
     * @param wall    GFLOP/s from JMH's wall-clock score
     * @param cpu     GFLOP/s per thread CPU second, summed over the threads
     */
    record At(int threads, OptionalDouble wall, OptionalDouble cpu) {
        /** @return the true peak: the CPU-time rate where it is higher (a loaded machine), else the wall clock */
        OptionalDouble best() {
            if (cpu.isPresent() && (wall.isEmpty() || cpu.getAsDouble() > wall.getAsDouble())) {
                return cpu;
            }
            return wall;
        }
    }

    Peak {
        at = List.copyOf(at);
    }

    /**
     * The clock-based check: measured flop per cycle, and the nominal figure nearest to it, 2 FMA pipes x 2 flops x
     * lanes at the full width or at half of it (512-bit vectors on a 256-bit datapath, Zen 4).
     *
     * @param at           the measured peaks
     * @param clockWallGhz the clock from the wall-clock score
     * @param clockCpuGhz  the clock per thread CPU second
     * @param lanes        floats per vector
     * @return the calibration
     */
    static Peak of(List<At> at, OptionalDouble clockWallGhz, OptionalDouble clockCpuGhz, int lanes) {
        OptionalDouble clock = clockCpuGhz.isPresent() ? clockCpuGhz : clockWallGhz;
        OptionalDouble one = at.isEmpty() ? OptionalDouble.empty() : at.get(0).best();
        if (one.isEmpty() || clock.isEmpty() || clock.getAsDouble() <= 0) {
            return new Peak(at, clockWallGhz, clock, OptionalDouble.empty(), OptionalDouble.empty());
        }
        double perCycle = one.getAsDouble() / clock.getAsDouble();
        double full = 4.0 * lanes;
        double nominal = Math.abs(perCycle - full) <= Math.abs(perCycle - full / 2) ? full : full / 2;
        return new Peak(at, clockWallGhz, clock, OptionalDouble.of(perCycle), OptionalDouble.of(nominal));
    }

    /** @param threads thread count  @return the peak on that many threads, or empty if not measured */
    OptionalDouble on(int threads) {
        for (At a : at) {
            if (a.threads == threads) {
                return a.best();
            }
        }
        return OptionalDouble.empty();
    }

    /** @return the one-thread peak */
    OptionalDouble perCore() {
        return on(1);
    }

    /** @return the clock-based peak per core: nominal flop per cycle x clock */
    OptionalDouble clockPeakPerCore() {
        return nominalFlopPerCycle.isPresent()
                ? OptionalDouble.of(nominalFlopPerCycle.getAsDouble() * clockGhz.getAsDouble()) : OptionalDouble.empty();
    }
}
