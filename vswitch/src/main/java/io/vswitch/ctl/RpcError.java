package io.vswitch.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JSON-RPC 2.0 error: what a handler throws to refuse a request, and what {@link CtlClient}
 * throws when the switch refused one. The message is one line (line breaks are folded into
 * spaces) fit to show users as is, e.g. {@code no port named vm9}.
 *
 * <p>Codes: the JSON-RPC ones ({@link #PARSE_ERROR} .. {@link #INTERNAL_ERROR}) and the
 * switch's own ({@link #NO_SUCH_PORT} .. {@link #LIMIT_REACHED}). The factories give every
 * handler the same wording for the same refusal.
 */
public final class RpcError extends Exception {
    /** Malformed JSON. */
    public static final int PARSE_ERROR = -32700;
    /** Not a valid request object (jsonrpc, method, id, batch, line too long). */
    public static final int INVALID_REQUEST = -32600;
    /** No such method; the message names it. */
    public static final int METHOD_NOT_FOUND = -32601;
    /** A parameter is missing, ill-typed, out of range or unknown; the message names it. */
    public static final int INVALID_PARAMS = -32602;
    /** A handler failed unexpectedly (a bug); the message is the exception's text. */
    public static final int INTERNAL_ERROR = -32603;
    /** No port of that name. */
    public static final int NO_SUCH_PORT = -32001;
    /** The port name is already in use. */
    public static final int PORT_EXISTS = -32002;
    /** The port could not be created; the message says why. */
    public static final int PORT_NOT_CREATED = -32003;
    /** A limit was reached (e.g. too many ports). */
    public static final int LIMIT_REACHED = -32004;

    private final int code;
    private final transient JsonNode data;

    public RpcError(int code, String message) {
        this(code, message, null);
    }

    /** @param data the optional JSON-RPC {@code error.data}, or null */
    public RpcError(int code, String message, JsonNode data) {
        super(oneLine(message), null, false, false);
        this.code = code;
        this.data = data;
    }

    public int code() {
        return code;
    }

    /** The error's {@code data}, or null when it has none. */
    public JsonNode data() {
        return data;
    }

    /** For {@link #INVALID_PARAMS}: the name of the offending parameter (without {@code params.}), or null. */
    public String param() {
        return data != null && data.path("param").isTextual() ? data.get("param").asText() : null;
    }

    /**
     * {@link #INVALID_PARAMS} about one parameter: message {@code params.NAME: DETAIL}, data
     * {@code {"param":"NAME"}} (so a client can point at its own option for it).
     */
    public static RpcError invalidParams(String param, String detail) {
        ObjectNode d = JsonNodeFactory.instance.objectNode().put("param", param);
        return new RpcError(INVALID_PARAMS, "params." + param + ": " + detail, d);
    }

    /** {@link #NO_SUCH_PORT}: "no port named NAME". */
    public static RpcError noSuchPort(String name) {
        return new RpcError(NO_SUCH_PORT, "no port named " + name);
    }

    /** {@link #PORT_EXISTS}: "a port named NAME already exists". */
    public static RpcError portExists(String name) {
        return new RpcError(PORT_EXISTS, "a port named " + name + " already exists");
    }

    /** {@link #PORT_NOT_CREATED}: "cannot create port NAME: WHY" (WHY names the fix when there is one). */
    public static RpcError portNotCreated(String name, String why) {
        return new RpcError(PORT_NOT_CREATED, "cannot create port " + name + ": " + why);
    }

    /** {@link #LIMIT_REACHED} with the given message, e.g. "too many ports: the switch has 32 (its limit)". */
    public static RpcError limitReached(String message) {
        return new RpcError(LIMIT_REACHED, message);
    }

    /** {@code s} with every run of whitespace that holds a line break folded into one space; null becomes "". */
    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
