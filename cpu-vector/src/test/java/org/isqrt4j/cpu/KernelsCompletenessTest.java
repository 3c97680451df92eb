package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No kernel method can silently run another implementation's code (docs/testing.md): {@link Kernels} has no
 * default methods, and each implementation declares every method itself, so a vectorised method that the parallel
 * wrapper does not forward, or that the vector kernels inherit, is a failure here rather than a slow path that
 * gives the same bits.
 */
class KernelsCompletenessTest {

    /** @return the names of the Kernels methods that cls does not declare itself, or inherits from a class */
    static List<String> undeclared(Class<?> cls) {
        List<String> missing = new ArrayList<>();
        if (cls.getSuperclass() != Object.class) {
            missing.add("extends " + cls.getSuperclass().getSimpleName());
        }
        for (Method m : Kernels.class.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                Method impl = cls.getDeclaredMethod(m.getName(), m.getParameterTypes());
                if (impl.isBridge() || Modifier.isAbstract(impl.getModifiers())) {
                    missing.add(m.getName());
                }
            } catch (NoSuchMethodException e) {
                missing.add(m.getName());
            }
        }
        return missing;
    }

    @Test
    void kernelsHasNoDefaultMethods() {
        List<String> defaults = new ArrayList<>();
        for (Method m : Kernels.class.getDeclaredMethods()) {
            if (m.isDefault()) {
                defaults.add(m.getName());
            }
        }
        assertEquals(List.of(), defaults, "Kernels must stay a plain interface");
        assertTrue(Kernels.class.getDeclaredMethods().length >= 14, "the reflection sees the kernel methods");
    }

    @Test
    void scalarAndParallelKernelsDeclareEveryMethod() {
        assertEquals(List.of(), undeclared(ScalarKernels.class), "ScalarKernels");
        assertEquals(List.of(), undeclared(ParallelKernels.class), "ParallelKernels");
    }

    /** The check itself can fail: a class that inherits its methods is reported. */
    @Test
    void aKernelsClassThatInheritsIsReported() {
        abstract class Partial implements Kernels {
            @Override
            public String name() {
                return "partial";
            }
        }
        List<String> missing = undeclared(Partial.class);
        assertTrue(missing.contains("gemm") && missing.contains("maxAbs"), missing.toString());
        assertFalse(missing.contains("name"), missing.toString());
    }

    /** Every method of the parallel wrapper reaches the wrapped kernels (none runs some other code instead). */
    @Test
    void parallelKernelsForwardEveryMethodToTheWrappedKernels() throws Exception {
        List<String> reached = new ArrayList<>();
        Kernels recorder = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
                new Class<?>[] {Kernels.class}, (proxy, m, args) -> {
                    reached.add(m.getName());
                    Class<?> r = m.getReturnType();
                    return r == double.class ? 0.0 : r == float.class ? 0f : r == boolean.class ? true
                            : r == String.class ? "recorder" : null;
                });
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            ParallelKernels par = new ParallelKernels(recorder, pool, 2);
            List<String> all = new ArrayList<>();
            for (Method m : Kernels.class.getDeclaredMethods()) {
                Class<?>[] types = m.getParameterTypes();
                Object[] args = new Object[types.length];
                for (int i = 0; i < types.length; i++) {
                    // 1 x 1 x 1 products stay below the split threshold, so they go to the wrapped gemm directly.
                    args[i] = types[i] == int.class ? (Object) 1 : types[i] == float.class ? (Object) 1f
                            : types[i] == double.class ? (Object) 1.0 : types[i] == boolean.class ? (Object) false
                            : new float[4];
                }
                m.invoke(par, args);
                all.add(m.getName());
            }
            Collections.sort(all);
            Collections.sort(reached);
            assertEquals(all, reached);
        } finally {
            pool.shutdown();
        }
    }

    // Runs only in the executions with jdk.incubator.vector (the scalar-path execution excludes the tag).
    @Test
    @Tag("needs-vector")
    void vectorKernelsDeclareEveryMethod() {
        Kernels v = VectorSupport.vectorKernels();
        assertNotNull(v, "the vector kernels load in this execution");
        assertEquals("VectorKernels", v.getClass().getSimpleName());
        assertEquals(List.of(), undeclared(v.getClass()), "VectorKernels");
    }
}
