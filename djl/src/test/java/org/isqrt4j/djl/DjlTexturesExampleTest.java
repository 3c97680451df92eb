package org.isqrt4j.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The example's claim, with its own settings: the iSQRT-COV head beats global average pooling on the textures. */
class DjlTexturesExampleTest {

    @Test
    void isqrtCovBeatsAveragePooling() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DjlTexturesExample.Result r;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            r = DjlTexturesExample.run(DjlTexturesExample.EPOCHS, 20, out);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertTrue(text.contains("test accuracy isqrt-cov: ") && text.contains("test accuracy avg-pool:  ")
                && text.contains("two-phase scheme at B 32, d 8, n 49: "), text);
        assertTrue(r.covAccuracy() > 0.9, "isqrt-cov accuracy " + r.covAccuracy());
        assertTrue(r.covAccuracy() > r.avgAccuracy() + 0.05,
                "isqrt-cov " + r.covAccuracy() + " vs avg-pool " + r.avgAccuracy());
        assertTrue(r.covStepMs() > 0 && r.avgStepMs() > 0);
    }
}
