package io.vswitch.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;

/**
 * Typed, validating access to a request's {@code params} object. Every refusal is an
 * {@link RpcError#INVALID_PARAMS} whose message names the parameter and what is expected,
 * e.g. {@code params.queues: expected an integer 1..32, got "two"}.
 *
 * <p>An explicit JSON {@code null} reads as absent: {@code "vlan":null} is the same as no vlan.
 * Handlers call {@link #only} first, so a misspelt parameter is refused rather than ignored.
 */
public final class Params {
    private static final int MAX_SHOWN = 40;
    private static final Params EMPTY = new Params(JsonNodeFactory.instance.objectNode());

    private final ObjectNode node;

    private Params(ObjectNode node) {
        this.node = node;
    }

    /** No params. */
    public static Params empty() {
        return EMPTY;
    }

    /**
     * The params of a request: an object, or absent ({@code null}, missing or JSON null) for none.
     *
     * @throws RpcError {@link RpcError#INVALID_PARAMS} for anything else (JSON-RPC's by-position arrays included)
     */
    public static Params of(JsonNode params) throws RpcError {
        if (params == null || params.isMissingNode() || params.isNull()) {
            return EMPTY;
        }
        if (!params.isObject()) {
            throw new RpcError(RpcError.INVALID_PARAMS, "params: expected an object (parameters by name), got "
                    + kind(params));
        }
        return new Params((ObjectNode) params);
    }

    /** The params object itself (do not modify it). */
    public ObjectNode node() {
        return node;
    }

    /** True if {@code name} is present and not JSON null. */
    public boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    /**
     * Refuses any parameter not in {@code names}: {@code params.nmae: unknown parameter (expected name)}.
     * Unknown parameters are refused even when null, so a typo never passes silently.
     */
    public Params only(String... names) throws RpcError {
        List<String> allowed = List.of(names);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw RpcError.invalidParams(f, "unknown parameter ("
                        + (names.length == 0 ? "this method takes none" : "expected " + String.join(", ", names)) + ")");
            }
        }
        return this;
    }

    /** A required string. */
    public String string(String name) throws RpcError {
        String s = optString(name);
        if (s == null) {
            throw missing(name, "a string");
        }
        return s;
    }

    /** An optional string, or null when absent. */
    public String optString(String name) throws RpcError {
        if (!has(name)) {
            return null;
        }
        JsonNode v = node.get(name);
        if (!v.isTextual()) {
            throw invalid(name, "a string", v);
        }
        return v.textValue();
    }

    /** A required integer in {@code min..max}. */
    public int integer(String name, int min, int max) throws RpcError {
        Integer i = optInteger(name, min, max);
        if (i == null) {
            throw missing(name, "an integer " + min + ".." + max);
        }
        return i;
    }

    /** An optional integer in {@code min..max}, or null when absent. JSON numbers with a fraction are refused. */
    public Integer optInteger(String name, int min, int max) throws RpcError {
        if (!has(name)) {
            return null;
        }
        JsonNode v = node.get(name);
        String expected = "an integer " + min + ".." + max;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw invalid(name, expected, v);
        }
        return v.intValue();
    }

    /** An optional integer in {@code min..max}, or {@code dflt} when absent. */
    public int optInteger(String name, int min, int max, int dflt) throws RpcError {
        Integer i = optInteger(name, min, max);
        return i == null ? dflt : i;
    }

    /** An optional boolean, or {@code dflt} when absent. */
    public boolean optBoolean(String name, boolean dflt) throws RpcError {
        if (!has(name)) {
            return dflt;
        }
        JsonNode v = node.get(name);
        if (!v.isBoolean()) {
            throw invalid(name, "true or false", v);
        }
        return v.booleanValue();
    }

    /** A required port name (the rules of {@link PortRequest#isValidName}). */
    public String portName(String name) throws RpcError {
        String s = optPortName(name);
        if (s == null) {
            throw missing(name, PortRequest.NAME_RULE);
        }
        return s;
    }

    /** An optional port name (the rules of {@link PortRequest#isValidName}), or null when absent. */
    public String optPortName(String name) throws RpcError {
        if (!has(name)) {
            return null;
        }
        JsonNode v = node.get(name);
        if (!v.isTextual() || !PortRequest.isValidName(v.textValue())) {
            throw invalid(name, PortRequest.NAME_RULE, v);
        }
        return v.textValue();
    }

    /** {@code params.NAME: expected EXPECTED, got VALUE} (VALUE as JSON, shortened). */
    public static RpcError invalid(String name, String expected, JsonNode got) {
        return RpcError.invalidParams(name, "expected " + expected + ", got " + shown(got));
    }

    /** {@code params.NAME: missing, expected EXPECTED}. */
    public static RpcError missing(String name, String expected) {
        return RpcError.invalidParams(name, "missing, expected " + expected);
    }

    /** A JSON value as it is shown in error messages: its JSON text, at most 40 characters. */
    static String shown(JsonNode v) {
        String s = v.toString();
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN - 3) + "...";
    }

    /** "an object", "a string", ... for error messages. */
    static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "nothing";
        };
    }

    @Override
    public String toString() {
        return node.toString();
    }
}
