package org.isqrt4j.bench;

import java.util.List;

/**
 * The contenders of the layer benchmark, by id: the library's back-ends (found through ServiceLoader) and the
 * two baselines of this module, each with the variant ids that the report's choice between them rests on.
 */
final class Backends {
    /** The eigendecomposition baseline in its faster precision. */
    static final String EIG = "eig-ejml";
    /** The OpenBLAS baseline in its faster parallel scheme. */
    static final String OPENBLAS = "isqrt-openblas";

    /** The layer written in DJL NDArray operations on the PyTorch engine, autograd backward. */
    static final String TORCH = "torch-autograd";

    /** The layer table's columns, in report order. */
    static final List<String> DEFAULT_LAYER = List.of("cpu-vector", "cpu-scalar", "opencl", OPENBLAS, EIG, TORCH);
    /** The baselines' variants, run with {@code --variants}. */
    static final List<String> VARIANTS = List.of("eig-ejml-f32", "eig-ejml-f64", "isqrt-openblas-batch",
            "isqrt-openblas-blas-threads");

    private Backends() {
    }

    /** @param id a contender id  @return whether it is an eigendecomposition (true square root) baseline */
    static boolean isEig(String id) {
        return id.startsWith(EIG);
    }

    /** @param id a contender id  @return whether it is an OpenBLAS baseline */
    static boolean isOpenBlas(String id) {
        return id.startsWith(OPENBLAS);
    }

    /**
     * @param id a contender id
     * @return null if it can run here, else why not
     */
    static String unavailableReason(String id) {
        if (id.equals("opencl")) {
            throw new IllegalStateException("OpenCL is probed in its own JVM (OpenClProbe), never in the runner's");
        }
        return unavailableReasonInProcess(id);
    }

    /**
     * {@link #unavailableReason} without the OpenCL guard, for {@link OpenClProbe} in its own JVM.
     *
     * @param id a contender id
     * @return null if it can run here, else why not
     */
    static String unavailableReasonInProcess(String id) {
        if (isEig(id)) {
            return null;
        }
        if (isOpenBlas(id)) {
            return OpenBlas.unavailableReason();
        }
        if (id.equals(TORCH)) {
            return TorchAutogradLayer.unavailableReason();
        }
        String reason = OpRunner.unavailableReason(id);
        if (reason != null) {
            return reason;
        }
        // A provider may still fail to build its op (e.g. no OpenCL device in a sandbox): try once.
        try (org.isqrt4j.api.MatrixSqrtOp op = OpRunner.create(id, 1)) {
            return op == null ? "no op" : null;
        } catch (RuntimeException | LinkageError e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /**
     * @param id      contender id
     * @param threads pool size
     * @param batch   B
     * @param d       channels
     * @param n       positions
     * @param k       iterations
     * @return a runner bound to that shape
     */
    static LayerRunner create(String id, int threads, int batch, int d, int n, int k) {
        switch (id) {
            case EIG:
                return EigEjmlLayer.create(EigEjmlLayer.DEFAULT, threads, batch, d, n);
            case "eig-ejml-f32":
                return EigEjmlLayer.create(EigEjmlLayer.Precision.F32, threads, batch, d, n);
            case "eig-ejml-f64":
                return EigEjmlLayer.create(EigEjmlLayer.Precision.F64, threads, batch, d, n);
            case OPENBLAS:
                return new OpenBlasIsqrt(OpenBlasIsqrt.DEFAULT, threads, batch, d, n, k);
            case "isqrt-openblas-batch":
                return new OpenBlasIsqrt(OpenBlasIsqrt.Parallelism.BATCH, threads, batch, d, n, k);
            case "isqrt-openblas-blas-threads":
                return new OpenBlasIsqrt(OpenBlasIsqrt.Parallelism.BLAS_THREADS, threads, batch, d, n, k);
            case TORCH:
                return new TorchAutogradLayer(threads, batch, d, n, k);
            default:
                return new OpRunner(id, threads, batch, d, n, k);
        }
    }
}
