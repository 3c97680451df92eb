package org.isqrt4j.opencl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.opencl.GemmRoutine.Output;
import org.isqrt4j.opencl.GemmRoutine.Transpose;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;

/**
 * One device's OpenCL objects: context, profiling in-order queue, the program built once from the classpath
 * resource and its kernels, plus buffer bookkeeping (a live-buffer counter) and launch helpers.
 *
 * <p>Not thread-safe except {@link #release(cl_mem)} and {@link #liveBuffers()}, which handles' cleaners may call
 * from any thread: the op serialises every other use.
 */
final class ClRuntime {
    /**
     * Classpath resources of the kernels, split by concern, concatenated in this order into one program (the tiled
     * GEMM variants generated from {@link #TILED_RESOURCE} follow).
     */
    static final List<String> KERNEL_RESOURCES = List.of("/org/isqrt4j/opencl/common.cl",
            "/org/isqrt4j/opencl/gemm.cl", "/org/isqrt4j/opencl/covariance.cl", "/org/isqrt4j/opencl/normalise.cl",
            "/org/isqrt4j/opencl/packing.cl", "/org/isqrt4j/opencl/newton_schulz.cl",
            "/org/isqrt4j/opencl/backward.cl");
    /** Floats per sample in the per-sample scalar buffer: tau, sqrt(tau), 1/tau, 1/sqrt(tau). */
    static final int SCAL_STRIDE = 4;
    private static final String[] KERNEL_NAMES = {"gemm", "gemm_local", "row_mean", "covariance_centre",
        "trace_scalars", "normalise", "pack_out", "unpack_in", "dot_batched", "normalise_backward",
        "covariance_backward", "newton_schulz_backward_combine", "newton_schulz_step_small"};

    final ClDevice device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_program program;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final AtomicInteger liveBuffers = new AtomicInteger();
    private final List<cl_event> events = new ArrayList<>();
    /** Per recorded event: the kernel name, or "transfer". */
    private final List<String> eventNames = new ArrayList<>();
    /** Work-group size of the reductions, a power of two the device accepts; passed to the kernels as -DRED_WG. */
    final int redWg;
    /** Every GEMM kernel built and accepted by the device, by choice name ("direct", "local", tiled names). */
    private final Map<String, GemmVariant> variants = new java.util.LinkedHashMap<>();
    /** The GEMM kernel for products whose M and N are at most {@link #SMALL_GEMM} (W2's d = 64), and for the rest. */
    final GemmVariant gemmSmall;
    final GemmVariant gemmLarge;
    /**
     * Largest padded d whose Newton-Schulz steps can run as one newton_schulz_step_small launch per step (two NS_MAXD^2 float
     * matrices must fit the device's local memory), 0 when the device cannot.
     */
    final int nsMaxD;
    /** Work-group size of newton_schulz_step_small. */
    final int nsWg;
    /** Whether symmetric forwards with padded d up to {@link #nsMaxD} use newton_schulz_step_small. */
    final boolean fusedSteps;
    /**
     * System property for the fused small-d Newton-Schulz steps: "true" or "false"; by default the tuning pass
     * decides (wall time of a step as one fused launch against its three GEMM launches at d = 64, B = 128), and
     * without tuning they are off (on PoCL the fused kernel measured 5x slower than the GEMMs).
     */
    static final String FUSED_PROPERTY = "isqrt4j.opencl.fusedSteps";
    /** How the GEMM kernels were chosen, for logs and the device check. */
    final String gemmSummary;
    private volatile boolean closed;

    /** k slab of gemm_local and the tiled variants. */
    static final int GEMM_BK = 16;
    /**
     * System property forcing the GEMM kernel: "direct", "local", "tuned" or a tiled variant's name ({@link #TILED});
     * default "tuned" on GPUs, "direct" elsewhere.
     */
    static final String GEMM_PROPERTY = "isqrt4j.opencl.gemm";
    /** Classpath resource of the tiled GEMM template. */
    static final String TILED_RESOURCE = "/org/isqrt4j/opencl/gemm_tiled.cl";
    /**
     * The tiled variants, {TM, TN, WX, WY}: a TM x TN register tile per work-item, WX x WY work-items, so a
     * (TM WY) x (TN WX) block of C per group: 64 x 128, 64 x 64, 64 x 128, 128 x 128, 64 x 64.
     */
    static final int[][] TILED = {{4, 8, 16, 16}, {8, 8, 8, 8}, {8, 8, 16, 8}, {8, 8, 16, 16}, {4, 8, 8, 16}};
    /** M and N up to which {@link #gemmFor} returns {@link #gemmSmall}. */
    static final int SMALL_GEMM = 128;
    /** Tuning results per device (name, version, platform), so that every op on a device after the first skips it. */
    private static final Map<String, String[]> TUNED = new java.util.concurrent.ConcurrentHashMap<>();

    /** One GEMM kernel: the kernel function, its local size and the tile of C one work-item computes. */
    static final class GemmVariant {
        final String name;
        final String kernel;
        final long[] local;
        final int tileRows;
        final int tileCols;

        GemmVariant(String name, String kernel, long[] local, int tileRows, int tileCols) {
            this.name = name;
            this.kernel = kernel;
            this.local = local;
            this.tileRows = tileRows;
            this.tileCols = tileCols;
        }

        @Override
        public String toString() {
            return name + " (" + tileRows + "x" + tileCols + " per work-item, groups " + local[0] + "x" + local[1] + ")";
        }
    }

    /** @param v {TM, TN, WX, WY}  @return the variant's choice name, e.g. "t8x8_g16x16" */
    static String tiledName(int[] v) {
        return "t" + v[0] + "x" + v[1] + "_g" + v[2] + "x" + v[3];
    }

    /** @return every value {@link #GEMM_PROPERTY} accepts */
    static List<String> gemmChoices() {
        List<String> c = new ArrayList<>(List.of("direct", "local", "tuned"));
        for (int[] v : TILED) {
            c.add(tiledName(v));
        }
        return c;
    }

    /**
     * Creates the context, queue, program and kernels on a device.
     *
     * @param device     the device
     * @param gemmChoice one of {@link #gemmChoices()}, or null/blank for the device's default
     */
    ClRuntime(ClDevice device, String gemmChoice) {
        String choice = gemmChoice == null || gemmChoice.isBlank() ? (device.gpu() ? "tuned" : "direct")
                : gemmChoice.trim();
        if (!gemmChoices().contains(choice)) {
            throw new Isqrt4jException("unknown " + GEMM_PROPERTY + " '" + choice + "': use one of " + gemmChoices());
        }
        this.device = device;
        cl_device_id dev = device.device();
        int[] err = new int[1];
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        context = CL.clCreateContext(props, 1, new cl_device_id[] {dev}, null, null, err);
        Cl.check(err[0], "clCreateContext");
        cl_command_queue q = null;
        cl_program prog = null;
        try {
            q = createQueue(context, device, err);
            long maxWg = Cl.deviceSize(dev, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE);
            int wg = 64;
            while (wg > maxWg && wg > 1) {
                wg >>= 1;
            }
            redWg = wg;
            String source = programSource();
            long localMemBytes = Cl.deviceLong(dev, CL.CL_DEVICE_LOCAL_MEM_SIZE);
            int nsD = 64;
            while (nsD >= 16 && 2L * nsD * nsD * Sizeof.cl_float + 1024 > localMemBytes) {
                nsD -= 16;
            }
            // gemm_local's group: 8 x 8 work-items (a 32 x 64 block of C) where the device allows it, halved
            // until the built kernel accepts it (register-hungry GPUs may lower CL_KERNEL_WORK_GROUP_SIZE).
            int lx = 8;
            int ly = 8;
            while ((long) lx * ly > maxWg) {
                if (ly >= lx) {
                    ly >>= 1;
                } else {
                    lx >>= 1;
                }
            }
            while (true) {
                prog = build(context, dev, source, "-DRED_WG=" + redWg + " -DSCAL_STRIDE=" + SCAL_STRIDE
                        + " -DGEMM_WX=" + lx + " -DGEMM_WY=" + ly + " -DGEMM_BK=" + GEMM_BK + " -DNS_MAXD=" + Math.max(16, nsD));
                cl_kernel g = CL.clCreateKernel(prog, "gemm_local", err);
                Cl.check(err[0], "clCreateKernel(gemm_local)");
                if (kernelWorkGroupSize(g, dev) >= (long) lx * ly || lx * ly == 1) {
                    kernels.put("gemm_local", g);
                    break;
                }
                CL.clReleaseKernel(g);
                CL.clReleaseProgram(prog);
                prog = null;
                if (ly >= lx) {
                    ly >>= 1;
                } else {
                    lx >>= 1;
                }
            }
            for (String name : KERNEL_NAMES) {
                if (!kernels.containsKey(name)) {
                    cl_kernel k = CL.clCreateKernel(prog, name, err);
                    Cl.check(err[0], "clCreateKernel(" + name + ")");
                    kernels.put(name, k);
                }
            }
            // On CPU OpenCL a group is a loop on one core: a small square group keeps the A rows and B
            // columns that neighbouring tiles share in L1/L2 (measured on PoCL: 2 x 2 and 1 x 1 beat 8 x 8).
            int dx = (int) Math.min(2, maxWg);
            int dy = (int) Math.max(1, Math.min(2, maxWg / dx));
            variants.put("direct", new GemmVariant("direct", "gemm", new long[] {dx, dy, 1}, 8, 16));
            variants.put("local", new GemmVariant("local", "gemm_local", new long[] {lx, ly, 1}, 4, 8));
            for (int[] v : TILED) {
                String name = tiledName(v);
                cl_kernel k = CL.clCreateKernel(prog, "gemm_" + name, err);
                Cl.check(err[0], "clCreateKernel(gemm_" + name + ")");
                // A device that cannot run the group (too many registers, too little local memory) lacks the variant.
                if (kernelWorkGroupSize(k, dev) >= (long) v[2] * v[3] && (long) v[2] * v[3] <= maxWg
                        && kernelLocalMem(k, dev) <= localMemBytes) {
                    kernels.put("gemm_" + name, k);
                    variants.put(name, new GemmVariant(name, "gemm_" + name, new long[] {v[2], v[3], 1}, v[0], v[1]));
                } else {
                    CL.clReleaseKernel(k);
                }
            }
            cl_kernel ns = kernels.get("newton_schulz_step_small");
            long nsKernelWg = kernelWorkGroupSize(ns, dev);
            int w = 256;
            while (w > nsKernelWg && w > 1) {
                w >>= 1;
            }
            nsWg = w;
            nsMaxD = nsD >= 16 && kernelLocalMem(ns, dev) <= localMemBytes ? nsD : 0;
            String fusedProp = System.getProperty(FUSED_PROPERTY, "").trim();
            if (!fusedProp.isEmpty() && !fusedProp.equals("true") && !fusedProp.equals("false")) {
                throw new Isqrt4jException("unknown " + FUSED_PROPERTY + " '" + fusedProp + "': use 'true' or 'false'");
            }
            queue = q;
            program = prog;
            if (choice.equals("tuned")) {
                String[] t = TUNED.computeIfAbsent(device.platformName() + "|" + device.name() + "|" + device.version(),
                        key -> tune());
                gemmSmall = variants.get(t[0]);
                gemmLarge = variants.get(t[1]);
                fusedSteps = nsMaxD > 0 && (fusedProp.isEmpty() ? t[3].equals("true") : fusedProp.equals("true"));
                gemmSummary = "tuned: " + t[2] + "; fused small-d steps " + (fusedSteps ? "on" : "off");
            } else {
                GemmVariant v = variants.get(choice);
                if (v == null) {
                    throw new Isqrt4jException("the GEMM kernel " + GEMM_PROPERTY + "='" + choice + "' cannot run on "
                            + device.describe() + " (work-group or local memory too large); available: "
                            + variants.keySet());
                }
                gemmSmall = v;
                gemmLarge = v;
                fusedSteps = nsMaxD > 0 && fusedProp.equals("true");
                gemmSummary = choice + (fusedSteps ? "; fused small-d steps on" : "");
            }
        } catch (RuntimeException e) {
            for (cl_kernel k : kernels.values()) {
                CL.clReleaseKernel(k);
            }
            if (prog != null) {
                CL.clReleaseProgram(prog);
            }
            if (q != null) {
                CL.clReleaseCommandQueue(q);
            }
            CL.clReleaseContext(context);
            throw e;
        }
    }

    /** @return the whole program's source: {@link #KERNEL_RESOURCES} in order, then {@link #tiledSource()} */
    static String programSource() {
        StringBuilder sb = new StringBuilder();
        for (String r : KERNEL_RESOURCES) {
            sb.append(loadSource(r)).append('\n');
        }
        return sb.append(tiledSource()).toString();
    }

    /** @return the tiled variants' source: the template once per {@link #TILED} entry, with literals filled in */
    static String tiledSource() {
        String template = loadSource(TILED_RESOURCE);
        StringBuilder sb = new StringBuilder();
        for (int[] v : TILED) {
            sb.append("\n/* ---- generated from gemm_tiled.cl: ").append(tiledName(v)).append(" */\n")
                    .append(template.replace("@NAME@", "gemm_" + tiledName(v)).replace("@TM@", Integer.toString(v[0]))
                            .replace("@TN@", Integer.toString(v[1])).replace("@WX@", Integer.toString(v[2]))
                            .replace("@WY@", Integer.toString(v[3])).replace("@BM@", Integer.toString(v[0] * v[3]))
                            .replace("@BN@", Integer.toString(v[1] * v[2])));
        }
        return sb.toString();
    }

    /** @param m rows of C  @param n columns of C  @return the GEMM kernel for that product */
    GemmVariant gemmFor(int m, int n) {
        return Math.max(m, n) <= SMALL_GEMM ? gemmSmall : gemmLarge;
    }

    /** @return every GEMM kernel this device accepted, by choice name */
    Map<String, GemmVariant> gemmVariants() {
        return java.util.Collections.unmodifiableMap(variants);
    }

    /**
     * The autotuning pass: times every available GEMM kernel on the device, C_b = A_b^T B_b (the Newton-Schulz
     * products' form) at d = 64 and d = 256, one warm-up and three timed launches each (profiling events), and keeps
     * the fastest per size class. Batches: 256 and 32 on GPUs (a launch of 0.13-1 GFLOP, well above launch overhead),
     * 8 and 2 elsewhere (tuning is only the default on GPUs). About 10 ms of device time on a GPU, after the build.
     *
     * @return {small winner, large winner, description with the timings}
     */
    private String[] tune() {
        String[] best = new String[2];
        StringBuilder why = new StringBuilder();
        int[][] problems = device.gpu() ? new int[][] {{64, 256}, {256, 32}} : new int[][] {{64, 8}, {256, 2}};
        for (int p = 0; p < 2; p++) {
            int d = problems[p][0];
            int batch = problems[p][1];
            int ld = d + 16;
            int per = d * ld;
            long total = (long) batch * per;
            cl_mem a = alloc(total);
            cl_mem b = alloc(total);
            cl_mem c = alloc(total);
            try {
                float[] zeros = new float[(int) total];
                write(a, zeros, 0, zeros.length);
                write(b, zeros, 0, zeros.length);
                drainProfile();
                long bestNs = Long.MAX_VALUE;
                why.append(p == 0 ? "" : "; ").append("d=").append(d).append(" x").append(batch).append(':');
                for (GemmVariant v : variants.values()) {
                    GemmRoutine.Args product = GemmRoutine.args(batch, d, d, d).a(a, ld, per, Transpose.YES)
                            .b(b, ld, per, Transpose.NO).c(c, ld, per);
                    GemmRoutine.launch(this, v, product);
                    drainProfile();
                    for (int r = 0; r < 3; r++) {
                        GemmRoutine.launch(this, v, product);
                    }
                    long ns = drainProfile().getOrDefault(v.kernel, Long.MAX_VALUE);
                    why.append(' ').append(v.name).append(' ').append(String.format(java.util.Locale.ROOT, "%.1f",
                            6.0 * d * d * d * batch / Math.max(1, ns))).append(" GFLOP/s");
                    if (ns < bestNs) {
                        bestNs = ns;
                        best[p] = v.name;
                    }
                }
            } finally {
                discardEvents();
                release(a);
                release(b);
                release(c);
            }
        }
        boolean fused = false;
        if (nsMaxD >= 64) {
            long[] wall = timeStep(variants.get(best[0]));
            fused = wall[0] < wall[1];
            why.append(String.format(java.util.Locale.ROOT, "; d=64 x128 step: fused %.0f us, 3 GEMMs %.0f us",
                    wall[0] / 1e3, wall[1] / 1e3));
        }
        return new String[] {best[0], best[1], "d <= " + SMALL_GEMM + ": " + best[0] + ", larger: " + best[1] + " ("
                + why + ")", Boolean.toString(fused)};
    }

    /**
     * Wall time (enqueue to finish, so launch overhead counts) of one Newton-Schulz step at d = 64, B = 128 (W2) as
     * one newton_schulz_step_small launch and as its three GEMM launches with the given kernel; best of five each.
     *
     * @return {fused ns, GEMMs ns}
     */
    private long[] timeStep(GemmVariant g) {
        int dp = 64;
        int ld = dp + 16;
        int batch = 128;
        int per = dp * ld;
        long total = (long) batch * per;
        List<cl_mem> bufs = new ArrayList<>();
        try {
            cl_mem[] m = new cl_mem[6];
            float[] zeros = new float[(int) total];
            for (int i = 0; i < 5; i++) {
                m[i] = alloc(total);
                bufs.add(m[i]);
                write(m[i], zeros, 0, zeros.length);
            }
            m[5] = alloc((long) batch * SCAL_STRIDE);
            bufs.add(m[5]);
            write(m[5], zeros, 0, batch * SCAL_STRIDE);
            long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
            for (int r = 0; r < 6; r++) {
                for (int way = 0; way < 2; way++) {
                    drainProfile();
                    long t0 = System.nanoTime();
                    if (way == 0) {
                        kernel("newton_schulz_step_small").i(dp).i(ld).i(dp).i(0).m(m[0]).m(m[1]).m(m[2]).m(m[3]).m(m[4]).m(m[5])
                                .run(new long[] {(long) nsWg * batch}, new long[] {nsWg});
                    } else {
                        // T = (3I - Z Y)/2, Y' = Y T, Z' = T Z, as the newtonSchulz stage runs them.
                        GemmRoutine.launch(this, g, GemmRoutine.args(batch, dp, dp, dp).a(m[1], ld, per, Transpose.YES)
                                .b(m[0], ld, per, Transpose.NO).c(m[2], ld, per).alpha(-0.5f).identity(1.5f, dp)
                                .output(Output.SYMMETRIC));
                        GemmRoutine.launch(this, g, GemmRoutine.args(batch, dp, dp, dp).a(m[0], ld, per, Transpose.YES)
                                .b(m[2], ld, per, Transpose.NO).c(m[3], ld, per).output(Output.SYMMETRIC));
                        GemmRoutine.launch(this, g, GemmRoutine.args(batch, dp, dp, dp).a(m[2], ld, per, Transpose.YES)
                                .b(m[1], ld, per, Transpose.NO).c(m[4], ld, per).output(Output.SYMMETRIC));
                    }
                    finish();
                    long ns = System.nanoTime() - t0;
                    if (r > 0) { // the first round is the warm-up
                        best[way] = Math.min(best[way], ns);
                    }
                }
            }
            return best;
        } finally {
            discardEvents();
            for (cl_mem b : bufs) {
                release(b);
            }
        }
    }

    @SuppressWarnings("deprecation")
    private static cl_command_queue createQueue(cl_context context, ClDevice device, int[] err) {
        cl_command_queue q;
        if (device.majorVersion() >= 2) {
            cl_queue_properties qp = new cl_queue_properties();
            qp.addProperty(CL.CL_QUEUE_PROPERTIES, CL.CL_QUEUE_PROFILING_ENABLE);
            q = CL.clCreateCommandQueueWithProperties(context, device.device(), qp, err);
            Cl.check(err[0], "clCreateCommandQueueWithProperties");
        } else {
            q = CL.clCreateCommandQueue(context, device.device(), CL.CL_QUEUE_PROFILING_ENABLE, err);
            Cl.check(err[0], "clCreateCommandQueue");
        }
        return q;
    }

    /**
     * @param name classpath resource
     * @return its text
     * @throws Isqrt4jException if missing or unreadable
     */
    static String loadSource(String name) {
        try (InputStream in = ClRuntime.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new Isqrt4jException("OpenCL kernel resource " + name + " not found on the classpath");
            }
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            in.transferTo(bos);
            return bos.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Isqrt4jException("cannot read OpenCL kernel resource " + name, e);
        }
    }

    /**
     * Builds a program for one device.
     *
     * @param context the context  @param dev the device  @param source OpenCL C  @param options build options
     * @return the built program
     * @throws Isqrt4jException with the build log if the build fails
     */
    static cl_program build(cl_context context, cl_device_id dev, String source, String options) {
        int[] err = new int[1];
        cl_program prog = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, err);
        Cl.check(err[0], "clCreateProgramWithSource");
        int st = CL.clBuildProgram(prog, 1, new cl_device_id[] {dev}, options, null, null);
        if (st != CL.CL_SUCCESS) {
            String log;
            try {
                log = buildLog(prog, dev);
            } catch (RuntimeException e) {
                log = "(build log unavailable: " + e.getMessage() + ")";
            }
            CL.clReleaseProgram(prog);
            throw new Isqrt4jException("OpenCL call clBuildProgram failed: " + Cl.errorName(st) + " with options '"
                    + options + "'; build log:\n" + log);
        }
        return prog;
    }

    private static String buildLog(cl_program prog, cl_device_id dev) {
        long[] size = new long[1];
        Cl.check(CL.clGetProgramBuildInfo(prog, dev, CL.CL_PROGRAM_BUILD_LOG, 0, null, size), "clGetProgramBuildInfo");
        byte[] buf = new byte[(int) size[0]];
        Cl.check(CL.clGetProgramBuildInfo(prog, dev, CL.CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null),
                "clGetProgramBuildInfo");
        int len = buf.length;
        while (len > 0 && buf[len - 1] == 0) {
            len--;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    private static long kernelLocalMem(cl_kernel k, cl_device_id dev) {
        long[] v = new long[1];
        Cl.check(CL.clGetKernelWorkGroupInfo(k, dev, CL.CL_KERNEL_LOCAL_MEM_SIZE, 8, Pointer.to(v), null),
                "clGetKernelWorkGroupInfo");
        return v[0];
    }

    private static long kernelWorkGroupSize(cl_kernel k, cl_device_id dev) {
        long[] v = new long[1];
        Cl.check(CL.clGetKernelWorkGroupInfo(k, dev, CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(v), null),
                "clGetKernelWorkGroupInfo");
        return v[0];
    }

    /** @return the context, for tests that build extra programs */
    cl_context context() {
        return context;
    }

    // ------------------------------------------------------------------ buffers

    /**
     * @param floats number of floats, at least 1 is allocated
     * @return a new read-write buffer, counted as live until {@link #release(cl_mem)}
     */
    cl_mem alloc(long floats) {
        int[] err = new int[1];
        long bytes = Math.max(1, floats) * Sizeof.cl_float;
        cl_mem m = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, bytes, null, err);
        Cl.check(err[0], "clCreateBuffer(" + bytes + " bytes)");
        liveBuffers.incrementAndGet();
        return m;
    }

    /** Releases a buffer from {@link #alloc}; null is ignored. Thread-safe. @param m the buffer */
    void release(cl_mem m) {
        if (m != null) {
            int st = CL.clReleaseMemObject(m);
            liveBuffers.decrementAndGet();
            // A failing release means a bookkeeping bug; it is not worth failing the caller's close for.
            assert st == CL.CL_SUCCESS : "clReleaseMemObject: " + Cl.errorName(st);
        }
    }

    /** @return buffers allocated and not yet released */
    int liveBuffers() {
        return liveBuffers.get();
    }

    /** Blocking host-to-device copy. @param m buffer @param src array @param off offset @param len floats */
    void write(cl_mem m, float[] src, int off, int len) {
        cl_event ev = new cl_event();
        Cl.check(CL.clEnqueueWriteBuffer(queue, m, CL.CL_TRUE, 0, (long) len * Sizeof.cl_float,
                Pointer.to(src).withByteOffset((long) off * Sizeof.cl_float), 0, null, ev), "clEnqueueWriteBuffer");
        record(ev, "transfer");
    }

    /** Blocking device-to-host copy. @param m buffer @param dst array @param off offset @param len floats */
    void read(cl_mem m, float[] dst, int off, int len) {
        cl_event ev = new cl_event();
        Cl.check(CL.clEnqueueReadBuffer(queue, m, CL.CL_TRUE, 0, (long) len * Sizeof.cl_float,
                Pointer.to(dst).withByteOffset((long) off * Sizeof.cl_float), 0, null, ev), "clEnqueueReadBuffer");
        record(ev, "transfer");
    }

    /** Waits for everything enqueued. */
    void finish() {
        Cl.check(CL.clFinish(queue), "clFinish");
    }

    // ------------------------------------------------------------------ launches

    /** @param name a kernel of the program  @return a launch builder for it */
    Launch kernel(String name) {
        cl_kernel k = kernels.get(name);
        assert k != null : name;
        return new Launch(name, k);
    }

    /** Sets arguments in order and enqueues one NDRange; records a profiling event. */
    final class Launch {
        private final String name;
        private final cl_kernel k;
        private int index;

        private Launch(String name, cl_kernel k) {
            this.name = name;
            this.k = k;
        }

        /** @param v int argument @return this */
        Launch i(int v) {
            Cl.check(CL.clSetKernelArg(k, index++, Sizeof.cl_int, Pointer.to(new int[] {v})), "clSetKernelArg(" + name + ")");
            return this;
        }

        /** @param v float argument @return this */
        Launch f(float v) {
            Cl.check(CL.clSetKernelArg(k, index++, Sizeof.cl_float, Pointer.to(new float[] {v})), "clSetKernelArg(" + name + ")");
            return this;
        }

        /** @param m buffer argument @return this */
        Launch m(cl_mem m) {
            Cl.check(CL.clSetKernelArg(k, index++, Sizeof.cl_mem, Pointer.to(m)), "clSetKernelArg(" + name + ")");
            return this;
        }

        /**
         * @param global global size per dimension (rounded up to the local size here)
         * @param local  local size per dimension, or null to let the implementation choose
         */
        void run(long[] global, long[] local) {
            long[] g = global.clone();
            if (local != null) {
                for (int i = 0; i < g.length; i++) {
                    g[i] = (g[i] + local[i] - 1) / local[i] * local[i];
                }
            }
            cl_event ev = new cl_event();
            Cl.check(CL.clEnqueueNDRangeKernel(queue, k, g.length, null, g, local, 0, null, ev),
                    "clEnqueueNDRangeKernel(" + name + ")");
            record(ev, name);
        }
    }

    // ------------------------------------------------------------------ profiling

    private void record(cl_event ev, String name) {
        events.add(ev);
        eventNames.add(name);
    }

    /**
     * Waits for the queue, sums the device time (CL_PROFILING_COMMAND_END - START) of the commands recorded since
     * the last call per kernel name ("transfer" for copies) and releases their events.
     *
     * @return nanoseconds per kernel name, in first-use order
     */
    Map<String, Long> drainProfile() {
        Map<String, Long> times = new java.util.LinkedHashMap<>();
        if (!events.isEmpty()) {
            finish();
            long[] t = new long[1];
            for (int i = 0; i < events.size(); i++) {
                cl_event ev = events.get(i);
                Cl.check(CL.clGetEventProfilingInfo(ev, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(t), null),
                        "clGetEventProfilingInfo");
                long start = t[0];
                Cl.check(CL.clGetEventProfilingInfo(ev, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(t), null),
                        "clGetEventProfilingInfo");
                times.merge(eventNames.get(i), t[0] - start, Long::sum);
            }
        }
        discardEvents();
        return times;
    }

    /** Releases recorded events without reading them (error paths). */
    void discardEvents() {
        for (cl_event ev : events) {
            CL.clReleaseEvent(ev);
        }
        events.clear();
        eventNames.clear();
    }

    // ------------------------------------------------------------------ lifecycle

    /** @return whether {@link #close()} ran */
    boolean isClosed() {
        return closed;
    }

    /** Releases kernels, program, queue and context. Buffers must have been released before. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            CL.clFinish(queue);
        } finally {
            discardEvents();
            for (cl_kernel k : kernels.values()) {
                CL.clReleaseKernel(k);
            }
            kernels.clear();
            CL.clReleaseProgram(program);
            CL.clReleaseCommandQueue(queue);
            CL.clReleaseContext(context);
        }
    }
}
