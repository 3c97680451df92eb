package org.isqrt4j.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The bench's JSON, on Jackson: the report's layout (two-space indent, {@code "key": value}, one array element per
 * line), numbers as the reports have always had them (a whole number without ".0", a non-finite one as null), and
 * the reader that {@code --merge-device} uses (objects as {@link LinkedHashMap} in file order, arrays as
 * {@link ArrayList}, every number a {@link Double}). Thread-safe.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Double.class, new DoubleAsReport()));
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"))
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator("")));

    private Json() {
    }

    /** @return a new, empty JSON object (keys keep their insertion order) */
    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /**
     * @param value a {@link JsonNode}, or a tree of maps, lists, strings, numbers, booleans and null
     * @return its JSON text in the report's layout, with a final newline
     */
    static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON: " + e, e);
        }
    }

    /**
     * @param text JSON text
     * @return its tree
     * @throws IllegalArgumentException if the text is not one well-formed JSON value
     */
    static JsonNode tree(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param text JSON text
     * @return its value: {@link LinkedHashMap}, {@link ArrayList}, {@link Double}, {@link String}, {@link Boolean}
     *         or null
     * @throws IllegalArgumentException if the text is not one well-formed JSON value
     */
    static Object read(String text) {
        return plain(tree(text));
    }

    private static Object plain(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), plain(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(e -> l.add(plain(e)));
            return l;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n.asText();
    }

    /** Puts a number the way the reports write it: whole numbers without ".0", absent or non-finite as null. */
    static void put(ObjectNode o, String key, OptionalDouble v) {
        if (v.isEmpty() || !Double.isFinite(v.getAsDouble())) {
            o.putNull(key);
        } else if (isWhole(v.getAsDouble())) {
            o.put(key, (long) v.getAsDouble());
        } else {
            o.put(key, v.getAsDouble());
        }
    }

    /** @param o object  @param key key  @param v a number, or empty for null */
    static void put(ObjectNode o, String key, OptionalInt v) {
        if (v.isEmpty()) {
            o.putNull(key);
        } else {
            o.put(key, v.getAsInt());
        }
    }

    /** @param o object  @param key key  @param v a string, or empty for null */
    static void put(ObjectNode o, String key, Optional<String> v) {
        if (v.isEmpty()) {
            o.putNull(key);
        } else {
            o.put(key, v.get());
        }
    }

    /** @param n a node  @return its number, empty when it is missing, null or not a number */
    static OptionalDouble number(JsonNode n) {
        return n != null && n.isNumber() ? OptionalDouble.of(n.doubleValue()) : OptionalDouble.empty();
    }

    private static boolean isWhole(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15;
    }

    /** Doubles in maps and lists: as {@link #put(ObjectNode, String, OptionalDouble)} writes them. */
    private static final class DoubleAsReport extends StdSerializer<Double> {
        DoubleAsReport() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (!Double.isFinite(v)) {
                g.writeNull();
            } else if (isWhole(v)) {
                g.writeNumber((long) (double) v);
            } else {
                g.writeNumber(v);
            }
        }
    }
}
