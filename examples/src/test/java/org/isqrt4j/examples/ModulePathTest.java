package org.isqrt4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The jars as JPMS modules: {@link ListBackends} started with {@code -m} from a module path holding every isqrt4j
 * module and their dependencies (EJML and JOCL as automatic modules) must find each back-end through its
 * module-info {@code provides} (service binding, nothing on the class path), report it from its named module,
 * and agree with the reference; the same jars on the class path must give the same back-ends from unnamed
 * modules. Child JVMs, so that the module graph is the one a user gets.
 */
class ModulePathTest {
    private static final Pattern LINE = Pattern.compile("backend id=(\\S+) priority=\\S+ module=(\\S+)(.*)");
    private static final Pattern ERR = Pattern.compile("forward=(\\S+) backward=(\\S+)");

    /** Every isqrt4j module (jar or classes folder, not test classes) and the libraries they read. */
    private static String modulePath() {
        List<String> keep = new ArrayList<>();
        for (String prop : new String[] {"jdk.module.path", "java.class.path"}) {
            for (String e : System.getProperty(prop, "").split(File.pathSeparator)) {
                String f = Path.of(e.isEmpty() ? "." : e).getFileName().toString();
                boolean ours = f.startsWith("isqrt4j-") || e.endsWith(File.separator + "classes")
                        || e.endsWith(File.separator + "classes" + File.separator);
                boolean lib = f.startsWith("ejml-") || f.startsWith("jocl-");
                if (!e.isEmpty() && (ours || lib) && !e.contains("test-classes") && !keep.contains(e)) {
                    keep.add(e);
                }
            }
        }
        // The examples' own classes: the module under test.
        String self = Path.of(ListBackends.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        if (!keep.contains(self)) {
            keep.add(self);
        }
        return String.join(File.pathSeparator, keep);
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // PoCL's LLVM installs a SIGSEGV handler in front of the JVM's; chain them (docs/contract.md, OpenCL on PoCL).
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        if (jsig.toFile().exists()) {
            pb.environment().put("LD_PRELOAD", jsig.toString());
        }
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + "\n" + out);
        return out;
    }

    /** @return id to the rest of its line, checking each available back-end against the reference */
    private static Map<String, String[]> parse(String out) {
        Map<String, String[]> found = new LinkedHashMap<>();
        for (String line : out.split("\\R")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            found.put(m.group(1), new String[] {m.group(2), m.group(3)});
            if (m.group(3).contains("unavailable=")) {
                continue;
            }
            Matcher e = ERR.matcher(m.group(3));
            if (!e.find()) {
                fail("no comparison with the reference: " + line + "\n" + out);
            }
            // float32 back-ends on a well-conditioned 12 x 12 sample: ~1e-6; the bound leaves room, not slack.
            assertTrue(Double.parseDouble(e.group(1)) < 1e-4, line);
            assertTrue(Double.parseDouble(e.group(2)) < 1e-4, line);
        }
        return found;
    }

    private static boolean openClExpected() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    @Test
    void modulePathFindsEveryBackEndThroughProvides() throws Exception {
        String out = run("--add-modules", "jdk.incubator.vector", "--module-path", modulePath(),
                "-m", "org.isqrt4j.examples/org.isqrt4j.examples.ListBackends");
        assertTrue(out.contains("api module=org.isqrt4j.api reference=true"), out);
        Map<String, String[]> found = parse(out);
        assertEquals("org.isqrt4j.cpu", found.get("cpu-vector")[0], out);
        assertTrue(found.get("cpu-vector")[1].contains("name=cpu-vector["), "vector kernels on the module path:\n" + out);
        assertEquals("org.isqrt4j.cpu", found.get("cpu-scalar")[0], out);
        assertEquals("org.isqrt4j.reference", found.get("reference")[0], out);
        assertEquals("org.isqrt4j.opencl", found.get("opencl")[0], out);
        if (openClExpected()) {
            assertTrue(!found.get("opencl")[1].contains("unavailable="), "CI has PoCL:\n" + out);
        }
    }

    @Test
    void withoutTheIncubatorModuleCpuVectorStepsAsideForCpuScalar() throws Exception {
        // requires static: the module graph resolves without jdk.incubator.vector, and the provider says why.
        String out = run("--module-path", modulePath(), "-m", "org.isqrt4j.examples/org.isqrt4j.examples.ListBackends");
        Map<String, String[]> found = parse(out);
        assertTrue(found.get("cpu-vector")[1].contains("unavailable=jdk.incubator.vector not resolved"), out);
        assertTrue(found.get("cpu-scalar")[1].contains("name=cpu-scalar"), out);
    }

    @Test
    void classPathFindsTheSameBackEnds() throws Exception {
        String mp = modulePath();
        String modular = run("--add-modules", "jdk.incubator.vector", "--module-path", mp,
                "-m", "org.isqrt4j.examples/org.isqrt4j.examples.ListBackends");
        String flat = run("--add-modules", "jdk.incubator.vector", "-cp", mp, "org.isqrt4j.examples.ListBackends");
        assertTrue(flat.contains("api module=unnamed reference=true"), flat);
        Map<String, String[]> a = parse(modular);
        Map<String, String[]> b = parse(flat);
        assertEquals(a.keySet(), b.keySet(), modular + "\n" + flat);
        for (String[] v : b.values()) {
            assertEquals("unnamed", v[0], flat);
        }
    }
}
