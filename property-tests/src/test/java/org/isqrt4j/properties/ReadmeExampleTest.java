package org.isqrt4j.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's example compiles (it is {@link ReadmeExample}), runs, and the README shows exactly its code. */
class ReadmeExampleTest {

    @Test
    void readmeShowsTheCompiledExample() throws Exception {
        DocExample.requireShown(Path.of("src/test/java/org/isqrt4j/properties/ReadmeExample.java"),
                Path.of("../README.md"), "README-EXAMPLE");
    }

    @Test
    void exampleRunsAndPrintsShapes() throws Exception {
        String out = DocExample.run(ReadmeExample::main);
        assertTrue(out.contains("C " + (8 * 64 * 65 / 2) + ", dL/dX " + (8 * 64 * 49)), out);
    }
}
