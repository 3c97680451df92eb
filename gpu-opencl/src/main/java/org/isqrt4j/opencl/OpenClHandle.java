package org.isqrt4j.opencl;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.isqrt4j.api.AbstractForwardHandle;
import org.isqrt4j.api.SqrtOptions;
import org.jocl.cl_mem;

/**
 * What an {@link OpenClMatrixSqrtOp} forward leaves on the device for its backward: the centred input (layer),
 * the normalised matrix A, the Newton-Schulz iterates Y_k, Z_k, T_k, the output C and the per-sample scalars.
 *
 * <p>{@link #close()} releases that device memory (idempotent); a {@link Cleaner} releases it too if the handle
 * becomes unreachable unclosed, and closing the op releases the memory of every handle it made. Not
 * thread-safe: use one handle from one thread at a time.
 */
public final class OpenClHandle extends AbstractForwardHandle {
    /** One daemon thread for the safety nets of all handles and ops. */
    static final Cleaner CLEANER = Cleaner.create();

    /** Device buffers of one forward; its release runs once, from close, the cleaner or the op's close. */
    static final class State implements Runnable {
        private final ClRuntime rt;
        private final Set<State> registry;
        private final List<cl_mem> owned = new ArrayList<>();
        private boolean released;

        /**
         * @param rt       the runtime the buffers come from
         * @param registry the op's set of unreleased states, which this state leaves once released (it references
         *                 the set, not the op, so that an unreachable op can be cleaned while handles live)
         */
        State(ClRuntime rt, Set<State> registry) {
            this.rt = rt;
            this.registry = registry;
        }

        /** @param floats size  @return a new buffer owned by this state */
        cl_mem alloc(long floats) {
            cl_mem m = rt.alloc(floats);
            owned.add(m);
            return m;
        }

        /** @return whether the buffers were released */
        synchronized boolean isReleased() {
            return released;
        }

        @Override
        public void run() {
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
                for (cl_mem m : owned) {
                    rt.release(m);
                }
                owned.clear();
            }
            registry.remove(this);
        }
    }

    final State state;
    private final Cleaner.Cleanable cleanable;
    /** Whether Sigma (so every iterate) is exactly symmetric: selects the symmetric-product shortcuts. */
    final boolean symmetric;
    /** The Newton-Schulz iterates and C, on the device; null for handles whose state lives on the host. */
    final ForwardStages.Iterates iterates;
    /** Per-sample scalars (tau, sqrt tau, 1/tau, 1/sqrt tau). */
    final cl_mem scal;
    /** Centred input Xc (d x n per sample, of the power-of-two scaled X) for the layer; null for the square root alone. */
    final cl_mem xc;
    /** SQRT only: Sigma of sample b was uploaded times 4^k[b]; null when no sample was scaled. */
    final int[] sigmaExponents;

    OpenClHandle(OpenClMatrixSqrtOp owner, Stage stage, int batch, int d, int n, SqrtOptions options, float[] output,
                 int outputOffset, State state, boolean symmetric, ForwardStages.Iterates iterates, cl_mem scal,
                 cl_mem xc, int[] sigmaExponents) {
        super(owner, stage, batch, d, n, options, output, outputOffset);
        this.state = state;
        this.symmetric = symmetric;
        this.iterates = iterates;
        this.scal = scal;
        this.xc = xc;
        this.sigmaExponents = sigmaExponents;
        this.cleanable = CLEANER.register(this, state);
    }

    @Override
    protected void release() {
        cleanable.clean();
    }
}
