package io.vswitch.cni;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A CNI error result (spec 1.1 section 5, "Error"): {@code {"cniVersion","code","msg","details"}} on
 * stdout and a non-zero exit. {@code msg} is short and names the field or variable at fault
 * ("host.engine: unknown engine ..."); {@code details} says what to do.
 *
 * <p>Codes 1..99 are the spec's well-known ones; 100 and up are this plugin's (README "Kubernetes (CNI)").
 */
public final class CniError extends Exception {
    /** Incompatible CNI version. */
    public static final int INCOMPATIBLE_VERSION = 1;
    /** Unsupported field in the network configuration (the message has its key and value). */
    public static final int UNSUPPORTED_FIELD = 2;
    /** Invalid or missing environment variables (the message names them). */
    public static final int INVALID_ENV = 4;
    /** I/O failure (reading stdin, writing the device-info or state file). */
    public static final int IO_FAILURE = 5;
    /** The configuration is not JSON. */
    public static final int DECODE = 6;
    /** Invalid network configuration (the message names the field). */
    public static final int INVALID_CONFIG = 7;
    /** Try again later: the switch does not answer now. */
    public static final int TRY_AGAIN = 11;
    /** STATUS: the plugin cannot service ADD (the switch does not answer). */
    public static final int NOT_AVAILABLE = 50;
    /** The switch refused the request for another reason (details: its JSON-RPC code and message). */
    public static final int SWITCH_REFUSED = 100;
    /** The port name or socket path is taken on the switch (JSON-RPC -32002): another attachment has it. */
    public static final int PORT_TAKEN = 101;
    /** The switch could not create the port (JSON-RPC -32003): details say why. */
    public static final int PORT_NOT_CREATED = 102;
    /** The switch has as many ports as it can (JSON-RPC -32004). */
    public static final int PORT_LIMIT = 103;
    /** CHECK: the attachment is not as prevResult and the configuration say. */
    public static final int CHECK_FAILED = 110;
    /** A bug in the plugin; stderr has the stack trace. */
    public static final int INTERNAL = 120;

    private final int code;
    private final String details;

    public CniError(int code, String msg, String details) {
        super(msg, null, false, false);
        this.code = code;
        this.details = details == null ? "" : details;
    }

    public int code() {
        return code;
    }

    public String msg() {
        return getMessage();
    }

    public String details() {
        return details;
    }

    /** The spec's error object. */
    public ObjectNode toJson(String cniVersion) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("cniVersion", cniVersion);
        o.put("code", code);
        o.put("msg", getMessage());
        if (!details.isEmpty()) {
            o.put("details", details);
        }
        return o;
    }

    static CniError config(String field, String problem, String fix) {
        return new CniError(INVALID_CONFIG, field + ": " + problem, fix);
    }

    static CniError env(String variable, String problem, String fix) {
        return new CniError(INVALID_ENV, variable + ": " + problem, fix);
    }
}
