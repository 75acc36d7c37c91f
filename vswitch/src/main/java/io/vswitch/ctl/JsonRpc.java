package io.vswitch.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The JSON-RPC 2.0 dispatcher of the control socket: one request line in, one response line out
 * ({@link #handle}). Pure logic, no I/O: {@link ControlServer} feeds it lines.
 *
 * <p>Every bad request gets an error response naming what is wrong (see {@link RpcError} for the
 * codes); a handler that throws anything other than {@link RpcError} gets {@link RpcError#INTERNAL_ERROR}
 * with the exception's text, and is reported to {@link #onInternalError} with its stack trace.
 * Requests without {@code id} are notifications: they run, and get no response, not even an error,
 * unless the request itself is invalid. Batches are refused. A request's members other than
 * {@code jsonrpc, method, params, id} are refused, so {@code "parms"} never silently means "no params".
 *
 * <p>Results are serialised with {@link #MAPPER} (snake_case property names: a record component
 * {@code portId} is {@code "port_id"}). Thread-safe; {@link ControlServer} calls it for one request at a time.
 */
public final class JsonRpc {
    /** The protocol version {@code version} reports; raised on incompatible changes. */
    public static final int PROTOCOL = 1;
    /** The longest request line, in bytes, without its '\n'. */
    public static final int MAX_LINE_BYTES = 1 << 20;

    /**
     * The ObjectMapper of the control protocol: snake_case properties, strict parsing (duplicate keys and
     * trailing garbage after the value are parse errors).
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Set<String> MEMBERS = Set.of("jsonrpc", "method", "params", "id");

    /** A method: takes the request's params, returns its result (any value Jackson serialises, null included). */
    @FunctionalInterface
    public interface Handler {
        /**
         * @throws RpcError to refuse the request (the client gets its code and message); call
         *         {@link Params#only} first so misspelt params are refused
         */
        Object handle(Params params) throws RpcError;
    }

    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, Throwable> internalErrors = (method, t) -> {
        System.err.println("vswitch: control: internal error in " + method + " (a bug; please report it with this trace):");
        t.printStackTrace();
    };

    /** Adds {@code method}; a method is registered once. */
    public JsonRpc register(String method, Handler handler) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        if (handlers.putIfAbsent(method, handler) != null) {
            throw new IllegalStateException("method " + method + " is already registered");
        }
        return this;
    }

    /**
     * Registers the methods every switch has: {@code ping} ({@code "pong"}) and {@code version}
     * ({@code {"version":VERSION,"protocol":1}}).
     */
    public JsonRpc registerBuiltins(String version) {
        register("ping", p -> {
            p.only();
            return "pong";
        });
        register("version", p -> {
            p.only();
            return MAPPER.createObjectNode().put("version", version).put("protocol", PROTOCOL);
        });
        return this;
    }

    /** The registered methods, sorted. */
    public Set<String> methods() {
        return new TreeSet<>(handlers.keySet());
    }

    /**
     * Where handler failures other than {@link RpcError} go (method, exception), besides the -32603
     * response. Default: a line and the stack trace on stderr.
     */
    public JsonRpc onInternalError(BiConsumer<String, Throwable> sink) {
        this.internalErrors = Objects.requireNonNull(sink);
        return this;
    }

    /**
     * Handles one request line (without its '\n').
     *
     * @return the response line (one line of JSON, without '\n'), or null for a notification
     */
    public String handle(String line) {
        JsonNode req;
        try {
            req = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return error(null, RpcError.PARSE_ERROR, "parse error: " + RpcError.oneLine(e.getOriginalMessage())
                    + " (line 1, column " + e.getLocation().getColumnNr() + ")");
        }
        if (req == null || req.isMissingNode()) {
            return error(null, RpcError.PARSE_ERROR, "parse error: empty line, expected a JSON-RPC request object");
        }
        if (req.isArray()) {
            return error(null, RpcError.INVALID_REQUEST, "batches are not supported: send one request per line");
        }
        if (!req.isObject()) {
            return error(null, RpcError.INVALID_REQUEST, "a request is a JSON object, got " + Params.kind(req));
        }
        JsonNode id = req.get("id");
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            return error(null, RpcError.INVALID_REQUEST, "id: expected a string, a number or null, got "
                    + Params.shown(id));
        }
        JsonNode replyId = id == null ? NullNode.instance : id;
        for (Iterator<String> it = req.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!MEMBERS.contains(f)) {
                return error(replyId, RpcError.INVALID_REQUEST, "unknown member \"" + f
                        + "\": a request has jsonrpc, method, params and id");
            }
        }
        JsonNode version = req.get("jsonrpc");
        if (version == null) {
            return error(replyId, RpcError.INVALID_REQUEST, "jsonrpc: missing, expected \"2.0\"");
        }
        if (!version.isTextual() || !version.textValue().equals("2.0")) {
            return error(replyId, RpcError.INVALID_REQUEST, "jsonrpc: expected \"2.0\", got " + Params.shown(version));
        }
        JsonNode methodNode = req.get("method");
        if (methodNode == null) {
            return error(replyId, RpcError.INVALID_REQUEST, "method: missing, expected a string");
        }
        if (!methodNode.isTextual()) {
            return error(replyId, RpcError.INVALID_REQUEST, "method: expected a string, got " + Params.shown(methodNode));
        }
        JsonNode paramsNode = req.get("params");
        if (paramsNode != null && !paramsNode.isContainerNode() && !paramsNode.isNull()) {
            return error(replyId, RpcError.INVALID_REQUEST, "params: expected an object, got " + Params.kind(paramsNode));
        }
        boolean notification = id == null;
        String method = methodNode.textValue();
        Handler h = handlers.get(method);
        if (h == null) {
            return notification ? null : error(replyId, RpcError.METHOD_NOT_FOUND, "method not found: " + method);
        }
        JsonNode result;
        try {
            Object r = h.handle(Params.of(paramsNode));
            result = r == null ? NullNode.instance : MAPPER.valueToTree(r);
        } catch (RpcError e) {
            return notification ? null : error(replyId, e.code(), e.getMessage(), e.data());
        } catch (Exception | AssertionError | LinkageError e) {
            internalErrors.accept(method, e);
            String text = RpcError.oneLine(e.getMessage());
            return notification ? null : error(replyId, RpcError.INTERNAL_ERROR,
                    text.isEmpty() ? e.getClass().getSimpleName() : text);
        }
        if (notification) {
            return null;
        }
        ObjectNode resp = MAPPER.createObjectNode().put("jsonrpc", "2.0");
        resp.set("result", result);
        resp.set("id", replyId);
        return write(resp);
    }

    /** An error response line with {@code "id":null}: for the server's own errors (e.g. a line too long). */
    public static String errorLine(int code, String message) {
        return error(null, code, message);
    }

    private static String error(JsonNode id, int code, String message) {
        return error(id, code, message, null);
    }

    private static String error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode err = MAPPER.createObjectNode().put("code", code).put("message", RpcError.oneLine(message));
        if (data != null) {
            err.set("data", data);
        }
        ObjectNode resp = MAPPER.createObjectNode().put("jsonrpc", "2.0");
        resp.set("error", err);
        resp.set("id", id == null ? NullNode.instance : id);
        return write(resp);
    }

    private static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e); // a tree always serialises
        }
    }
}
