package io.vswitch.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The params of {@code port.add}, syntactically valid: what {@link #from} accepts the switch can
 * try to create (whether the socket path is free, the interface exists... is the switch's to find out).
 *
 * @param name   1..32 characters of {@code [A-Za-z0-9_.-]}, not starting with '.' or '-'
 * @param type   the kind of port
 * @param path   the vhost-user socket (vhost types only) as given: possibly relative, which the switch
 *               resolves against its working directory ({@link #socketPath()})
 * @param iface  the kernel interface (tap and af_packet only), 1..15 bytes
 * @param queues queue pairs, 1..32 (default 1)
 * @param vlan   the access VLAN 1..4094, or null for a trunk port (every VLAN, tags kept)
 * @param mac    a unicast MAC, lower case {@code xx:xx:xx:xx:xx:xx}, or null
 * @param owner  who owns a vhost-user (server) socket the switch creates, {@code UID:GID} (numbers), or null
 *               (the switch's own user)
 * @param mode   the permission bits of that socket, 0..0777 (given as an octal string, {@code "0660"}), or null
 *               (what the switch's umask gives)
 */
public record PortRequest(String name, PortType type, String path, String iface, int queues, Integer vlan,
        String mac, String owner, Integer mode) {
    public static final int MAX_NAME_CHARS = 32;
    public static final int MAX_QUEUES = 32;
    public static final int DEFAULT_QUEUES = 1;
    /** IFNAMSIZ - 1. */
    public static final int MAX_IFACE_BYTES = 15;
    /** sizeof(sockaddr_un.sun_path) - 1: the longest socket path, in bytes, absolute. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;
    public static final int MIN_VLAN = 1;
    public static final int MAX_VLAN = 4094;
    /** What a port name must be, for error messages. */
    public static final String NAME_RULE = "a port name: 1..32 characters of A-Z a-z 0-9 _ . -, not starting with . or -";
    /** The params {@code port.add} takes. */
    public static final String[] PARAMS = {"name", "type", "path", "iface", "queues", "vlan", "mac", "owner", "mode"};

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");
    private static final Pattern OWNER = Pattern.compile("[0-9]{1,10}:[0-9]{1,10}");
    private static final Pattern MODE = Pattern.compile("0?[0-7]{1,3}");

    public PortRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** {@link #from(JsonNode, Path)} against this process's working directory (the switch's, on the switch). */
    public static PortRequest from(JsonNode params) throws RpcError {
        return from(params, Path.of("").toAbsolutePath());
    }

    /** {@link #from(JsonNode, Path)} of a request's params. */
    public static PortRequest from(Params params) throws RpcError {
        return from(params.node());
    }

    /**
     * Validates {@code port.add}'s params.
     *
     * @param base the directory a relative {@code path} is resolved against for the length limit
     * @throws RpcError {@link RpcError#INVALID_PARAMS} naming the first offending parameter
     */
    public static PortRequest from(JsonNode params, Path base) throws RpcError {
        Params p = Params.of(params).only(PARAMS);
        String name = p.portName("name");
        String typeName = p.string("type");
        PortType type = PortType.fromWire(typeName);
        if (type == null) {
            throw Params.invalid("type", "one of " + PortType.wireNames(), p.node().get("type"));
        }
        String path = p.optString("path");
        String iface = p.optString("iface");
        if (type.vhost()) {
            if (path == null) {
                throw Params.missing("path", "the vhost-user socket path (type " + type + " needs one)");
            }
            if (iface != null) {
                throw RpcError.invalidParams("iface", "not allowed for type " + type
                        + " (a vhost-user port has a socket params.path, no kernel interface)");
            }
            checkSocketPath(path, base, p.node().get("path"));
        } else {
            if (iface == null) {
                throw Params.missing("iface", "the kernel interface name (type " + type + " needs one)");
            }
            if (path != null) {
                throw RpcError.invalidParams("path", "not allowed for type " + type
                        + " (it takes a kernel interface params.iface, no socket)");
            }
            if (!isValidIface(iface)) {
                throw Params.invalid("iface", "an interface name of 1..15 bytes without '/', ':' or spaces",
                        p.node().get("iface"));
            }
        }
        int queues = p.optInteger("queues", 1, MAX_QUEUES, DEFAULT_QUEUES);
        Integer vlan = p.optInteger("vlan", MIN_VLAN, MAX_VLAN);
        String mac = p.optString("mac");
        if (mac != null) {
            mac = unicastMac(mac, p.node().get("mac"));
        }
        String owner = p.optString("owner");
        String modeText = p.optString("mode");
        Integer mode = null;
        if ((owner != null || modeText != null) && type != PortType.VHOST_USER) {
            throw RpcError.invalidParams(owner != null ? "owner" : "mode", "only for type vhost-user (the switch"
                    + " creates that socket; a " + type + " port's " + (type.vhost() ? "socket belongs to the guest"
                    : "interface has no socket") + ")");
        }
        if (owner != null) {
            if (!OWNER.matcher(owner).matches() || Long.parseLong(owner.split(":")[0]) > 0xfffffffeL
                    || Long.parseLong(owner.split(":")[1]) > 0xfffffffeL) {
                throw Params.invalid("owner", "UID:GID, two numbers (e.g. 107:107 for QEMU's user)",
                        p.node().get("owner"));
            }
        }
        if (modeText != null) {
            if (!MODE.matcher(modeText).matches()) {
                throw Params.invalid("mode", "octal permission bits such as \"0660\"", p.node().get("mode"));
            }
            mode = Integer.parseInt(modeText, 8);
        }
        return new PortRequest(name, type, path, iface, queues, vlan, mac, owner, mode);
    }

    /** {@code mode} as the octal string port.add takes ("0660"), or null. */
    public static String modeText(Integer mode) {
        return mode == null ? null : String.format("%04o", mode);
    }

    /** The params that {@link #from} turns back into this request (absent fields left out). */
    public ObjectNode toParams() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        o.put("type", type.wireName());
        if (path != null) o.put("path", path);
        if (iface != null) o.put("iface", iface);
        o.put("queues", queues);
        if (vlan != null) o.put("vlan", vlan);
        if (mac != null) o.put("mac", mac);
        if (owner != null) o.put("owner", owner);
        if (mode != null) o.put("mode", modeText(mode));
        return o;
    }

    /** The socket path made absolute against this process's working directory, or null for non-vhost ports. */
    public Path socketPath() {
        return path == null ? null : Path.of(path).toAbsolutePath();
    }

    /** True if {@code s} is a valid port name: {@value #NAME_RULE}. */
    public static boolean isValidName(String s) {
        return s != null && NAME.matcher(s).matches();
    }

    /** True if {@code s} is a name Linux accepts for an interface (dev_valid_name): 1..15 bytes, not . or .., no / : or whitespace. */
    public static boolean isValidIface(String s) {
        if (s == null || s.isEmpty() || s.getBytes(StandardCharsets.UTF_8).length > MAX_IFACE_BYTES
                || s.equals(".") || s.equals("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    /** The length in bytes of {@code path} made absolute against {@code base}. */
    public static int absoluteBytes(String path, Path base) {
        return base.resolve(path).toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private static void checkSocketPath(String path, Path base, JsonNode got) throws RpcError {
        if (path.isEmpty() || path.indexOf('\0') >= 0) {
            throw Params.invalid("path", "a socket path", got);
        }
        int bytes;
        try {
            bytes = absoluteBytes(path, base);
        } catch (InvalidPathException e) {
            throw Params.invalid("path", "a socket path", got);
        }
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw RpcError.invalidParams("path", "the absolute path " + base.resolve(path) + " is " + bytes
                    + " bytes, longer than the " + MAX_SOCKET_PATH_BYTES + " a Unix socket path can have: use a shorter path");
        }
    }

    private static String unicastMac(String mac, JsonNode got) throws RpcError {
        if (!MAC.matcher(mac).matches()) {
            throw Params.invalid("mac", "a MAC address xx:xx:xx:xx:xx:xx", got);
        }
        String m = mac.toLowerCase(Locale.ROOT);
        if ((Integer.parseInt(m.substring(0, 2), 16) & 1) != 0) {
            throw RpcError.invalidParams("mac", m + " is a " + (m.equals("ff:ff:ff:ff:ff:ff") ? "broadcast" : "multicast")
                    + " address, expected a unicast MAC (first octet even, e.g. 02:00:00:00:00:01)");
        }
        if (m.equals("00:00:00:00:00:00")) {
            throw RpcError.invalidParams("mac", "00:00:00:00:00:00 is not a usable address, expected a unicast MAC"
                    + " (e.g. 02:00:00:00:00:01)");
        }
        return m;
    }
}
