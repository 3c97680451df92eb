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
     * GEMM variants generated from {@link GemmRoutine#TILED_RESOURCE} follow).
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
    private final Map<String, GemmRoutine.Variant> variants = new java.util.LinkedHashMap<>();
    /** The GEMM kernel for products whose M and N are at most {@link GemmRoutine#SMALL} (W2's d = 64), and for the rest. */
    final GemmRoutine.Variant gemmSmall;
    final GemmRoutine.Variant gemmLarge;
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

    /** Tuning results per device (name, version, platform), so that every op on a device after the first skips it. */
    private static final Map<String, String[]> TUNED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Creates the context, queue, program and kernels on a device.
     *
     * @param device     the device
     * @param gemmChoice one of {@link GemmRoutine#choices()}, or null/blank for the device's default
     */
    ClRuntime(ClDevice device, String gemmChoice) {
        String choice = gemmChoice == null || gemmChoice.isBlank() ? (device.gpu() ? "tuned" : "direct")
                : gemmChoice.trim();
        if (!GemmRoutine.choices().contains(choice)) {
            throw new Isqrt4jException("unknown " + GemmRoutine.PROPERTY + " '" + choice + "': use one of "
                    + GemmRoutine.choices());
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
                        + " -DGEMM_WX=" + lx + " -DGEMM_WY=" + ly + " -DGEMM_BK=" + GemmRoutine.BK + " -DNS_MAXD="
                        + Math.max(16, nsD));
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
            variants.put("direct", new GemmRoutine.Variant("direct", "gemm", new long[] {dx, dy, 1}, 8, 16));
            variants.put("local", new GemmRoutine.Variant("local", "gemm_local", new long[] {lx, ly, 1}, 4, 8));
            for (int[] v : GemmRoutine.TILED) {
                String name = GemmRoutine.tiledName(v);
                cl_kernel k = CL.clCreateKernel(prog, "gemm_" + name, err);
                Cl.check(err[0], "clCreateKernel(gemm_" + name + ")");
                // A device that cannot run the group (too many registers, too little local memory) lacks the variant.
                if (kernelWorkGroupSize(k, dev) >= (long) v[2] * v[3] && (long) v[2] * v[3] <= maxWg
                        && kernelLocalMem(k, dev) <= localMemBytes) {
                    kernels.put("gemm_" + name, k);
                    variants.put(name, new GemmRoutine.Variant(name, "gemm_" + name, new long[] {v[2], v[3], 1}, v[0],
                            v[1]));
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
                        key -> GemmTuner.tune(this, variants));
                gemmSmall = variants.get(t[0]);
                gemmLarge = variants.get(t[1]);
                fusedSteps = nsMaxD > 0 && (fusedProp.isEmpty() ? t[3].equals("true") : fusedProp.equals("true"));
                gemmSummary = "tuned: " + t[2] + "; fused small-d steps " + (fusedSteps ? "on" : "off");
            } else {
                GemmRoutine.Variant v = variants.get(choice);
                if (v == null) {
                    throw new Isqrt4jException("the GEMM kernel " + GemmRoutine.PROPERTY + "='" + choice
                            + "' cannot run on " + device.describe() + " (work-group or local memory too large); available: "
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

    /** @return the whole program's source: {@link #KERNEL_RESOURCES} in order, then {@link GemmRoutine#tiledSource()} */
    static String programSource() {
        StringBuilder sb = new StringBuilder();
        for (String r : KERNEL_RESOURCES) {
            sb.append(loadSource(r)).append('\n');
        }
        return sb.append(GemmRoutine.tiledSource()).toString();
    }

    /** @param m rows of C  @param n columns of C  @return the GEMM kernel for that product */
    GemmRoutine.Variant gemmFor(int m, int n) {
        return Math.max(m, n) <= GemmRoutine.SMALL ? gemmSmall : gemmLarge;
    }

    /** @return every GEMM kernel this device accepted, by choice name */
    Map<String, GemmRoutine.Variant> gemmVariants() {
        return java.util.Collections.unmodifiableMap(variants);
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
