package io.vswitch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one Jackson configuration every program, the bench and the tests share (a configured
 * {@link ObjectMapper} is thread-safe). Not for the packet path: it allocates.
 *
 * <ul>
 * <li>Reading is strict: a duplicate key or anything after the document is an error.</li>
 * <li>Writing turns NaN and infinities into {@code null} (JSON has no such numbers; Jackson
 *     would otherwise write the string "NaN"), so "not measured" reads as null everywhere.</li>
 * <li>{@link #MAPPER} writes compact JSON (stats lines), {@link #PRETTY} indents by two spaces
 *     (reports), {@link #ROWS} keeps objects compact but puts each array element on its own
 *     line (the MAC table dump).</li>
 * </ul>
 */
public final class Json {
    private Json() {}

    /** Strict reading, compact writing, non-finite numbers as null. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .addDecorator((factory, g) -> new FiniteNumbers(g))
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Separators SEPARATORS = Separators.createDefaultInstance()
            .withObjectEmptySeparator("").withArrayEmptySeparator("");

    /** Two-space indentation, one member or element per line, {@code "name": value}. */
    public static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter(
                    SEPARATORS.withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    /** Compact objects, but every array element on its own line, indented by one space. */
    public static final ObjectWriter ROWS = MAPPER.writer(new DefaultPrettyPrinter(
                    SEPARATORS.withObjectFieldValueSpacing(Separators.Spacing.NONE))
            .withObjectIndenter(DefaultPrettyPrinter.NopIndenter.instance)
            .withArrayIndenter(new DefaultIndenter(" ", "\n")));

    /** Writes {@code null} for a non-finite double or float. */
    private static final class FiniteNumbers extends JsonGeneratorDelegate {
        FiniteNumbers(JsonGenerator g) {
            super(g, true);
        }

        @Override
        public void writeNumber(double v) throws IOException {
            if (Double.isFinite(v)) super.writeNumber(v);
            else writeNull();
        }

        @Override
        public void writeNumber(float v) throws IOException {
            if (Float.isFinite(v)) super.writeNumber(v);
            else writeNull();
        }
    }
}
