package org.isqrt4j.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code --vector-bits}: the HotSpot flags that force a vector width, and the relaunch of the report in a child
 * JVM that has them (the quick profile runs its benchmarks in-process, and a running JVM cannot change its
 * width; JMH forks inherit the child's flags). On x86: 256 bits = {@code -XX:UseAVX=2} (AVX2, 16 vector
 * registers, as on Zen 3 or Haswell-Alder Lake); 128 bits = {@code -XX:UseAVX=2 -XX:MaxVectorSize=16} (also 16
 * registers, the hardest case; a 128-bit NEON core has 32); 512 bits = no flag. Elsewhere only
 * {@code -XX:MaxVectorSize} is used.
 */
final class VectorWidth {
    /** Set in the child JVM, so that it never relaunches again. */
    static final String CHILD_PROPERTY = "isqrt4j.bench.vector-child";

    private VectorWidth() {
    }

    /** @param bits 128, 256 or 512  @return the JVM flags that give that width on this architecture */
    static List<String> flags(int bits) {
        boolean x86 = System.getProperty("os.arch", "").matches("amd64|x86_64");
        switch (bits) {
            case 512:
                return List.of();
            case 256:
                return x86 ? List.of("-XX:UseAVX=2") : List.of("-XX:MaxVectorSize=32");
            case 128:
                return x86 ? List.of("-XX:UseAVX=2", "-XX:MaxVectorSize=16") : List.of("-XX:MaxVectorSize=16");
            default:
                throw new IllegalArgumentException("--vector-bits needs 128, 256 or 512, got " + bits);
        }
    }

    /** @return the width-forcing flags this JVM was started with (empty: the host's native width) */
    static List<String> forcedFlags() {
        List<String> r = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:UseAVX=") || a.startsWith("-XX:MaxVectorSize=") || a.startsWith("-XX:UseSSE=")
                    || a.startsWith("-XX:UseSVE=")) {
                r.add(a);
            }
        }
        return r;
    }

    /**
     * Runs the report again in a child JVM with the flags for {@code bits}, this JVM's other options, class path
     * and arguments, and the same standard streams.
     *
     * @param bits the wanted width
     * @param args the report's arguments
     * @return the child's exit status
     * @throws Exception if it cannot be started or is interrupted
     */
    static int relaunch(int bits, String[] args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + "/bin/java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!forcedFlags().contains(a)) {
                cmd.add(a);
            }
        }
        cmd.addAll(flags(bits));
        cmd.add("-D" + CHILD_PROPERTY + "=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Report.class.getName());
        cmd.addAll(List.of(args));
        System.err.println(String.format(Locale.ROOT, "[bench] --vector-bits %d: this JVM has %s-bit vectors; "
                + "running the report in a child JVM with %s", bits, Environment.jvmVectorBits().isPresent() ? Environment.jvmVectorBits().getAsInt() : "no", flags(bits)));
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
