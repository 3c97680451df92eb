package org.isqrt4j.bench;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.isqrt4j.api.ForwardHandle;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtProvider;
import org.isqrt4j.api.OutputLayout;
import org.isqrt4j.api.SqrtOptions;

/**
 * A library back-end ({@code cpu-vector}, {@code cpu-scalar}, {@code opencl}) behind {@link LayerRunner}, found by
 * its provider id. The CPU back-ends are built with the benchmark's thread count when their factory
 * ({@code org.isqrt4j.cpu.CpuMatrixSqrtOp.vector(int)} / {@code scalar(int)}) is there, so every CPU contender
 * uses the same pool size; it is looked up reflectively because the back-ends are built alongside this module.
 */
final class OpRunner implements LayerRunner {
    private static final String CPU_FACTORY = "org.isqrt4j.cpu.CpuMatrixSqrtOp";
    private static final String OPENCL_PACKAGE = "org.isqrt4j.opencl.";

    private final MatrixSqrtOp op;
    private final int batch;
    private final int d;
    private final int n;
    private final SqrtOptions options;
    private ForwardHandle handle;

    OpRunner(String id, int threads, int batch, int d, int n, int k) {
        this.op = create(id, threads);
        this.batch = batch;
        this.d = d;
        this.n = n;
        this.options = SqrtOptions.of(k, OutputLayout.FULL);
    }

    /**
     * @param id      provider id
     * @param threads pool size for the CPU back-ends
     * @return a new op
     * @throws RuntimeException (an {@link org.isqrt4j.api.Isqrt4jException}) saying why it cannot run here
     */
    static MatrixSqrtOp create(String id, int threads) {
        if (id.equals("cpu-vector") || id.equals("cpu-scalar")) {
            MatrixSqrtOp op = cpuFactory(id.equals("cpu-vector") ? "vector" : "scalar", threads);
            if (op != null) {
                return op;
            }
        }
        MatrixSqrtProvider p = provider(id);
        if (p == null) {
            throw new Isqrt4jException(unavailableReason(id));
        }
        String reason = p.unavailableReason();
        if (reason != null) {
            throw new Isqrt4jException("isqrt4j back-end '" + id + "' is not available: " + reason);
        }
        return p.create();
    }

    /**
     * Finds a provider by id without instantiating the OpenCL provider unless {@code id} is {@code opencl}.
     * (MatrixSqrtOps.providers() asks every provider for its priority, which initialises OpenCL; with PoCL that
     * loads LLVM, whose signal handlers then catch the JVM's own safepoint-poll faults and can kill the process.
     * The benchmark keeps OpenCL out of every JVM that runs anything else.)
     *
     * @param id provider id
     * @return the provider, or null if none has that id
     */
    static MatrixSqrtProvider provider(String id) {
        boolean wantCl = id.equals("opencl");
        ServiceLoader<MatrixSqrtProvider> loader = ServiceLoader.load(MatrixSqrtProvider.class, OpRunner.class.getClassLoader());
        for (ServiceLoader.Provider<MatrixSqrtProvider> p : loader.stream().collect(Collectors.toList())) {
            if (p.type().getName().startsWith(OPENCL_PACKAGE) != wantCl) {
                continue;
            }
            MatrixSqrtProvider instance = p.get();
            if (instance.id().equals(id)) {
                return instance;
            }
        }
        return null;
    }

    private static MatrixSqrtOp cpuFactory(String method, int threads) {
        Method m;
        try {
            m = Class.forName(CPU_FACTORY).getMethod(method, int.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
        if (!Modifier.isStatic(m.getModifiers()) || !MatrixSqrtOp.class.isAssignableFrom(m.getReturnType())) {
            return null;
        }
        try {
            return (MatrixSqrtOp) m.invoke(null, threads);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException ? (RuntimeException) c : new IllegalStateException(c);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    /**
     * @param id provider id
     * @return null if the back-end is registered and says it can run here, else the reason it cannot
     */
    static String unavailableReason(String id) {
        MatrixSqrtProvider p = provider(id);
        if (p != null) {
            return p.unavailableReason();
        }
        List<String> types = new ArrayList<>();
        for (ServiceLoader.Provider<MatrixSqrtProvider> q
                : ServiceLoader.load(MatrixSqrtProvider.class, OpRunner.class.getClassLoader()).stream().collect(Collectors.toList())) {
            types.add(q.type().getSimpleName());
        }
        return "no provider '" + id + "' on the class path (providers: " + (types.isEmpty() ? "none" : String.join(", ", types)) + ")";
    }

    @Override
    public String describe() {
        return op.name();
    }

    @Override
    public void forward(float[] x, float[] out) {
        if (handle != null) {
            handle.close();
        }
        handle = op.forward(batch, d, n, options, x, 0, out, 0);
    }

    @Override
    public void backward(float[] gradOut, float[] gradX) {
        op.backward(handle, gradOut, 0, gradX, 0);
    }

    @Override
    public void close() {
        if (handle != null) {
            handle.close();
            handle = null;
        }
        op.close();
    }
}
