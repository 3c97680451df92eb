package org.isqrt4j.devicecheck;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The check's result file in JSON, on Jackson, in the bench reports' layout (two-space indent, {@code "key": value},
 * one array element per line; a whole number without ".0", a non-finite one as null), which
 * {@code bench/run.sh --merge-device} reads. Thread-safe.
 */
final class Json {
    private static final ObjectWriter WRITER = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Double.class, new StdSerializer<Double>(Double.class) {
                @Override
                public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
                    if (!Double.isFinite(v)) {
                        g.writeNull();
                    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                        g.writeNumber((long) (double) v);
                    } else {
                        g.writeNumber(v);
                    }
                }
            }))
            .writer(new DefaultPrettyPrinter()
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n"))
                    .withSeparators(Separators.createDefaultInstance()
                            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                            .withObjectEmptySeparator("")
                            .withArrayEmptySeparator("")));

    private Json() {
    }

    /**
     * @param value a tree of {@link Map}, {@link List}, {@link String}, {@link Number}, {@link Boolean} and null
     * @return its JSON text, indented by two spaces, with a final newline
     */
    static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: " + e, e);
        }
    }
}
