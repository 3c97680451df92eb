package org.isqrt4j.cpu;

/**
 * Decides once per class loader whether the Vector API can be used, and holds the kernels to use. The check
 * looks for jdk.incubator.vector in the boot layer and then loads {@code VectorKernels} reflectively: no class
 * touching the incubator module is linked unless the module is there. When it is absent, one INFO message says
 * so (once per JVM for this class loader) through {@link System.Logger}. Thread-safe (class initialisation).
 */
final class VectorSupport {
    static final String MODULE = "jdk.incubator.vector";
    static final String ABSENT_MESSAGE = MODULE + " not resolved; using the scalar path; pass --add-modules " + MODULE;

    private static final Kernels VECTOR;
    private static final InputChecksum CHECKSUM;
    private static final String REASON;

    static {
        Kernels k = null;
        InputChecksum c = null;
        String reason = null;
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            reason = MODULE + " not resolved (start the JVM with --add-modules " + MODULE + ")";
        } else {
            try {
                k = (Kernels) Class.forName(VectorSupport.class.getPackageName() + ".VectorKernels")
                        .getDeclaredConstructor().newInstance();
                c = (InputChecksum) Class.forName(VectorSupport.class.getPackageName() + ".VectorChecksum")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                reason = MODULE + " is resolved but the vector kernels failed to load: " + e;
                k = null;
                c = null;
            }
        }
        VECTOR = k;
        CHECKSUM = c;
        REASON = reason;
        if (k == null) {
            System.getLogger("org.isqrt4j.cpu").log(System.Logger.Level.INFO,
                    reason.startsWith(MODULE + " not resolved") ? ABSENT_MESSAGE : reason + "; using the scalar path");
        }
    }

    private VectorSupport() {
    }

    /** @return the vector kernels, or null when unavailable */
    static Kernels vectorKernels() {
        return VECTOR;
    }

    /** @return the vector form of the saved-input checksum, or null when the vector kernels are unavailable */
    static InputChecksum vectorChecksum() {
        return CHECKSUM;
    }

    /** @return null when the vector kernels are usable, else why not */
    static String unavailableReason() {
        return REASON;
    }
}
