package org.isqrt4j.opencl;

import java.util.ArrayList;
import java.util.List;

import org.jocl.cl_mem;

/** Per-call device buffers, released at the end of the call (release waits for the queue's use of them). */
final class Temps implements AutoCloseable {
    private final ClRuntime rt;
    private final List<cl_mem> list = new ArrayList<>();

    Temps(ClRuntime rt) {
        this.rt = rt;
    }

    /** @param floats size  @return a new buffer released by {@link #close()} */
    cl_mem alloc(long floats) {
        cl_mem m = rt.alloc(floats);
        list.add(m);
        return m;
    }

    @Override
    public void close() {
        for (cl_mem m : list) {
            rt.release(m);
        }
        list.clear();
    }
}
