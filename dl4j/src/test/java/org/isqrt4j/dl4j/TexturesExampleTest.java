package org.isqrt4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A shorter run of {@link TexturesExample}: iSQRT-COV pooling learns the textures, average pooling does not. */
class TexturesExampleTest {
    @Test
    void covariancePoolingBeatsAveragePooling() {
        TexturesExample.Result r = TexturesExample.run(TexturesExample.Config.defaults().withSizes(1000, 500, 4), null);
        System.out.println("TexturesExample (1000/500 samples, 4 epochs): " + r);
        assertTrue(r.covAccuracy() > 0.6, r.toString());
        assertTrue(r.avgAccuracy() < 0.4, r.toString());     // 4 classes: chance is 0.25
        assertTrue(r.covSamplesPerS() > 0 && r.avgSamplesPerS() > 0, r.toString());
    }
}
