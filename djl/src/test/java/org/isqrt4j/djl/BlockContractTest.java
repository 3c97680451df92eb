package org.isqrt4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.isqrt4j.api.Isqrt4jException;
import org.isqrt4j.api.MatrixSqrtOp;
import org.isqrt4j.api.MatrixSqrtOps;
import org.isqrt4j.api.OutputLayout;
import org.junit.jupiter.api.Test;

/** Shape inference, options and back-end selection, and the errors for bad input. */
class BlockContractTest {

    @Test
    void shapesForFeatureMapsAndSequences() {
        try (IsqrtCovBlock full = IsqrtCovBlock.builder().build();
             IsqrtCovBlock triu = IsqrtCovBlock.builder().layout(OutputLayout.TRIU).build()) {
            assertEquals(new Shape(8, 64, 64), full.getOutputShapes(new Shape[] {new Shape(8, 64, 7, 7)})[0]);
            assertEquals(new Shape(8, 64, 64), full.getOutputShapes(new Shape[] {new Shape(8, 64, 49)})[0]);
            assertEquals(new Shape(2, 64 * 65 / 2), triu.getOutputShapes(new Shape[] {new Shape(2, 64, 3, 5)})[0]);
            assertEquals(new Shape(2, 10), triu.getOutputShapes(new Shape[] {new Shape(2, 4, 1)})[0]);
            assertThrows(IllegalArgumentException.class, () -> full.getOutputShapes(new Shape[] {new Shape(8, 64)}));
            assertThrows(IllegalArgumentException.class,
                    () -> full.getOutputShapes(new Shape[] {new Shape(8, 64, 7, 7, 1)}));
        }
    }

    @Test
    void optionsAndBackEnd() {
        try (IsqrtCovBlock b = IsqrtCovBlock.builder().iterations(3).layout(OutputLayout.TRIU).backend("cpu-scalar")
                .build()) {
            assertEquals(3, b.options().iterations());
            assertEquals(OutputLayout.TRIU, b.options().layout());
            assertEquals("cpu-scalar", b.op().name());
            assertTrue(b.toString().contains("K=3") && b.toString().contains("TRIU"), b.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> IsqrtCovBlock.builder().iterations(0).build());
        assertThrows(Isqrt4jException.class, () -> IsqrtCovBlock.builder().backend("no-such-backend").build());
        try (MatrixSqrtOp op = MatrixSqrtOps.load("cpu-scalar")) {
            IsqrtCovBlock b = IsqrtCovBlock.builder().op(op).build();
            b.close(); // not the block's op: stays open
            assertEquals("cpu-scalar", op.name());
            assertTrue(op.forward(1, 2, 3, b.options(), new float[6]).output().length == 4);
            assertThrows(IllegalArgumentException.class, () -> IsqrtCovBlock.builder().op(op).backend("cpu-scalar").build());
        }
    }

    @Test
    void badInputGivesTheLibrarysError() {
        try (IsqrtCovBlock block = IsqrtCovBlock.builder().build();
             NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            float[] v = new float[2 * 3 * 4];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) Math.sin(i);
            }
            v[3 * 4 + 5] = Float.NaN; // sample 1
            NDArray x = m.create(v, new Shape(2, 3, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> block.forward(ps, new NDList(x), false));
            assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("sample 1"), e.getMessage());

            NDArray flat = m.create(new float[6], new Shape(2, 3));
            e = assertThrows(IllegalArgumentException.class, () -> block.forward(ps, new NDList(flat), false));
            assertTrue(e.getMessage().contains("(B, C, H, W)"), e.getMessage());

            NDArray dbl = m.create(new double[24], new Shape(2, 3, 4));
            assertEquals(DataType.FLOAT64, dbl.getDataType());
            e = assertThrows(IllegalArgumentException.class, () -> block.forward(ps, new NDList(dbl), false));
            assertTrue(e.getMessage().contains("float32"), e.getMessage());

            NDArray ok = m.create(new float[24], new Shape(2, 3, 4));
            assertThrows(IllegalArgumentException.class, () -> block.forward(ps, new NDList(ok, ok), false));
        }
    }
}
