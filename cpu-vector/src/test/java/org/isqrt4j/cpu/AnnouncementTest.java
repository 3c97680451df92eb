package org.isqrt4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.isqrt4j.api.MatrixSqrtOp;
import org.junit.jupiter.api.Test;

/**
 * The missing-module notice goes through System.Logger at INFO exactly once per class loader (so once per JVM
 * for the usual single copy of the library), and never when the module is there. The back-end is loaded into
 * a fresh class loader so that its one-time initialisation runs inside the test. The fresh loader's parent is
 * the bootstrap loader: under the module path the platform loader would hand back the app loader's copy of the
 * named module, already initialised.
 */
class AnnouncementTest {

    @Test
    void absentModuleIsAnnouncedOnce() throws Exception {
        boolean here = CpuMatrixSqrtOp.vectorAvailable(); // this loader's notice, if any, comes before the handler
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage() != null && r.getMessage().contains("jdk.incubator.vector")) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jul = Logger.getLogger("org.isqrt4j.cpu");
        jul.addHandler(h);
        URL cpu = CpuMatrixSqrtOp.class.getProtectionDomain().getCodeSource().getLocation();
        URL api = MatrixSqrtOp.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader fresh = new URLClassLoader(new URL[] {cpu, api}, null)) {
            Class<?> op = Class.forName(CpuMatrixSqrtOp.class.getName(), true, fresh);
            boolean first = (Boolean) op.getMethod("vectorAvailable").invoke(null);
            boolean second = (Boolean) op.getMethod("vectorAvailable").invoke(null);
            Object scalar = op.getMethod("scalar", int.class).invoke(null, 1);
            ((AutoCloseable) scalar).close();
            assertEquals(first, second);
            assertEquals(here, first);
            if (first) {
                assertEquals(0, records.size(), "no notice when the module is resolved");
            } else {
                assertEquals(1, records.size(), "exactly one notice");
                assertEquals(Level.INFO, records.get(0).getLevel());
                assertEquals(VectorSupport.ABSENT_MESSAGE, records.get(0).getMessage());
            }
        } finally {
            jul.removeHandler(h);
        }
    }
}
