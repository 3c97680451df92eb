package org.isqrt4j.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Paths;

/**
 * Baseline {@code torch-autograd}: the layer written in DJL NDArray operations on the PyTorch engine (libtorch
 * 2.7.1 with the MKL it ships in {@code pytorch-native-cpu}), differentiated by PyTorch's autograd. What a JVM user
 * would run instead of this library.
 *
 * <p>Forward, the official iSQRT-COV code's schedule (3K-3 batched products, 12 for K = 5): Xc = X minus the
 * channel means, Sigma = Xc Xc^T / n (one batched product); tau = tr Sigma, A = Sigma / tau; step 1:
 * T = (3I - A)/2, Y = A T, Z = T; steps 2..K: T = (3I - Z Y)/2, Y = Y T and, except in the last step, Z = T Z;
 * C = sqrt(tau) Y. Backward: {@code torch::autograd::backward(C, dL/dC)} through that graph, dL/dX read from
 * X's gradient. Each forward copies X into a fresh leaf tensor and C out; the backward copies dL/dC in and
 * dL/dX out: the copies a JVM caller pays. The forward always records the graph (grad mode on), also in the
 * forward-only cells. libtorch runs on the benchmark's thread count ({@code at::set_num_threads}).
 *
 * <p>Constants are arrays that stay open on the runner's manager: {@code NDArray.mul(Number)} frees its scalar
 * right after the operation while autograd may still read it.
 */
final class TorchAutogradLayer implements LayerRunner {
    static {
        // libtorch is unpacked from the native jar into DJL's cache folder (about 430 MB), inside a build directory;
        // never a download or a telemetry call.
        if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
            // bench/run.sh runs from the repository root: the same folder as the djl and bench modules' tests.
            String dir = Paths.get("target", "djl-cache").toAbsolutePath().toString();
            System.setProperty("DJL_CACHE_DIR", dir);
            System.setProperty("ENGINE_CACHE_DIR", dir);
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    private static final String ENGINE = "PyTorch";

    private final int batch;
    private final int d;
    private final int n;
    private final int k;
    private final NDManager root;
    private final NDArray eye;
    private final NDArray eye15;
    private final NDArray half;
    private final NDArray invN;
    private NDManager step;
    private PtNDArray x;
    private PtNDArray c;

    TorchAutogradLayer(int threads, int batch, int d, int n, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("K must be >= 1, got " + k);
        }
        this.batch = batch;
        this.d = d;
        this.n = n;
        this.k = k;
        Engine.getEngine(ENGINE);
        JniUtils.setNumThreads(threads);
        root = NDManager.newBaseManager(Device.cpu(), ENGINE);
        eye = root.eye(d, d, 0, DataType.FLOAT32);
        eye15 = root.eye(d, d, 0, DataType.FLOAT32).mul(root.full(new Shape(), 1.5f));
        half = root.full(new Shape(), 0.5f);
        invN = root.full(new Shape(), (float) (1.0 / n));
    }

    /** @return null if the PyTorch engine loads here, else why not */
    static String unavailableReason() {
        try {
            Engine.getEngine(ENGINE);
            return null;
        } catch (RuntimeException | LinkageError e) {
            return "DJL PyTorch engine not available: " + e;
        }
    }

    @Override
    public String describe() {
        return "DJL " + Engine.getDjlVersion() + ", PyTorch " + Engine.getEngine(ENGINE).getVersion()
                + " autograd, " + JniUtils.getNumThreads() + " thread(s)";
    }

    @Override
    public void forward(float[] xIn, float[] out) {
        if (step != null) {
            step.close();
        }
        step = root.newSubManager();
        JniUtils.setGradMode(true);
        x = (PtNDArray) step.create(xIn, new Shape(batch, d, n));
        x.setRequiresGradient(true);
        NDArray xc = x.sub(x.mean(new int[] {2}, true));
        NDArray sigma = xc.matMul(xc.transpose(0, 2, 1)).mul(invN);
        NDArray tau = sigma.mul(eye).sum(new int[] {1, 2}, true);
        NDArray a = sigma.div(tau);
        NDArray t = eye15.sub(a.mul(half));
        NDArray y = a.matMul(t);
        NDArray z = t;
        for (int s = 2; s <= k; s++) {
            t = eye15.sub(z.matMul(y).mul(half));
            NDArray yn = y.matMul(t);
            if (s < k) {
                z = t.matMul(z);
            }
            y = yn;
        }
        c = (PtNDArray) y.mul(tau.sqrt());
        float[] v = c.toFloatArray();
        System.arraycopy(v, 0, out, 0, v.length);
    }

    @Override
    public void backward(float[] gradOut, float[] gradX) {
        if (c == null) {
            throw new IllegalStateException("torch-autograd: one backward per forward (the graph is freed)");
        }
        PtNDArray g = (PtNDArray) step.create(gradOut, new Shape(batch, d, d));
        // As PyTorch users run it (retain_graph = False): the graph is freed, one backward per forward.
        JniUtils.backward(c, g, false, false);
        c = null;
        float[] v = x.getGradient().toFloatArray();
        System.arraycopy(v, 0, gradX, 0, v.length);
    }

    @Override
    public void close() {
        if (step != null) {
            step.close();
            step = null;
        }
        root.close();
    }
}
