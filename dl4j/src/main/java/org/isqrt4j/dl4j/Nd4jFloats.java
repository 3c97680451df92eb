package org.isqrt4j.dl4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between ND4J arrays (off-heap) and the layer's float32 heap arrays, element order = the array's
 * logical C order. Float arrays laid out contiguously in C order are copied with one native memcpy through the buffer's
 * address (which already includes a view's offset); anything else (other strides, other data types) goes through
 * a C-ordered float or double copy made in the given workspace first.
 */
final class Nd4jFloats {
    /** Doubles converted per native call on the double path. */
    private static final int CHUNK = 4096;

    private Nd4jFloats() {
    }

    /**
     * Returns whether the elements of a lie contiguously in C order from its buffer's address.
     *
     * @param a an array
     * @return whether it can be copied with one memcpy
     */
    static boolean isCContiguous(INDArray a) {
        // Strides of size-1 dimensions do not matter (ND4J does not always give them the default value).
        long expected = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            long size = a.size(i);
            if (size != 1 && a.stride(i) != expected) {
                return false;
            }
            expected *= size;
        }
        return true;
    }

    /**
     * Copies all elements of a (logical C order) into dst[0, a.length()).
     *
     * @param a    the source
     * @param dst  the destination, at least a.length() floats
     * @param mgr  where a temporary copy may be made
     * @param work FF_WORKING_MEM in the forward, BP_WORKING_MEM in the backward
     */
    static void read(INDArray a, float[] dst, LayerWorkspaceMgr mgr, ArrayType work) {
        int len = Math.toIntExact(a.length());
        INDArray c = a;
        DataType t = c.dataType();
        if (t != DataType.FLOAT && t != DataType.DOUBLE) {
            c = mgr.castTo(work, DataType.FLOAT, c, false);
            t = DataType.FLOAT;
        }
        if (!isCContiguous(c)) {
            c = mgr.dup(work, c, 'c');
        }
        if (len == 0) {
            return;
        }
        if (t == DataType.FLOAT) {
            ((FloatPointer) c.data().addressPointer()).get(dst, 0, len);
        } else {
            DoublePointer p = (DoublePointer) c.data().addressPointer();
            double[] chunk = new double[Math.min(CHUNK, len)];
            for (int from = 0; from < len; from += chunk.length) {
                int m = Math.min(chunk.length, len - from);
                p.position(from).get(chunk, 0, m);
                for (int i = 0; i < m; i++) {
                    dst[from + i] = (float) chunk[i];
                }
            }
        }
    }

    /**
     * Copies src[0, a.length()) into a, which must be C-contiguous of type FLOAT or DOUBLE (as the layer's own
     * outputs are).
     *
     * @param src the source
     * @param a   the destination
     */
    static void write(float[] src, INDArray a) {
        int len = Math.toIntExact(a.length());
        if (!isCContiguous(a)) {
            throw new IllegalStateException("not a C-contiguous array: " + a.shapeInfoToString());
        }
        if (len == 0) {
            return;
        }
        if (a.dataType() == DataType.FLOAT) {
            ((FloatPointer) a.data().addressPointer()).put(src, 0, len);
        } else if (a.dataType() == DataType.DOUBLE) {
            DoublePointer p = (DoublePointer) a.data().addressPointer();
            double[] chunk = new double[Math.min(CHUNK, len)];
            for (int from = 0; from < len; from += chunk.length) {
                int m = Math.min(chunk.length, len - from);
                for (int i = 0; i < m; i++) {
                    chunk[i] = src[from + i];
                }
                p.position(from).put(chunk, 0, m);
            }
        } else {
            throw new IllegalStateException("unsupported data type " + a.dataType());
        }
    }
}
