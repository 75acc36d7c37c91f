package io.vswitch.cni;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.ctl.ControlServer;
import io.vswitch.ctl.PortRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The network configuration a runtime passes on stdin, validated. The keys are the CNI spec's
 * ({@code cniVersion}, {@code name}, {@code type}, {@code runtimeConfig}, {@code prevResult},
 * {@code cni.dev/valid-attachments}), this plugin's ({@code ctl}, {@code sharedDir}, {@code stateDir}) and
 * the userspace CNI plugin's {@code host} block (with its {@code container} block accepted), so a
 * NetworkAttachmentDefinition written for it carries over by changing {@code type} and {@code host.engine}.
 *
 * @param cniVersion     the version the runtime speaks (one of {@link #SUPPORTED_VERSIONS})
 * @param name           the network's name
 * @param ctl            the switch's control socket
 * @param sharedDir      the directory the pods' vhost-user sockets are in (it must exist)
 * @param stateDir       where the plugin records its attachments, per network (for GC)
 * @param switchMode     {@code host.vhost.mode}: the switch's side of the socket
 * @param vlan           {@code host.bridge.vlanId}: the access VLAN, or null for a trunk port
 * @param queues         {@code host.queues}: queue pairs
 * @param deviceInfoFile {@code runtimeConfig.CNIDeviceInfoFile}, or null
 * @param prevResult     {@code prevResult}, or null
 * @param validAttachments {@code cni.dev/valid-attachments} (GC), or null when absent
 * @param ipamType       {@code ipam.type}: the IPAM plugin to delegate to, or null for none
 */
public record CniConfig(String cniVersion, String name, Path ctl, Path sharedDir, Path stateDir, VhostMode switchMode,
        Integer vlan, int queues, Path deviceInfoFile, JsonNode prevResult, List<AttachmentId> validAttachments,
        String ipamType) {

    /** The CNI spec versions this plugin speaks, oldest first. */
    public static final List<String> SUPPORTED_VERSIONS = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
    public static final String LATEST = "1.1.0";
    public static final String DEFAULT_SHARED_DIR = "/var/lib/vswitch/sockets";
    public static final String DEFAULT_STATE_DIR = "/var/lib/cni/vswitch-cni";
    public static final String ENGINE = "vswitch";
    public static final String IFTYPE = "vhostuser";

    /** A network name (spec section 1). */
    static final Pattern NETWORK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern SEMVER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    /** The keys of the {@code host} block this plugin knows; any other is an error (code 2). */
    private static final Set<String> HOST_KEYS = Set.of("engine", "iftype", "netType", "vhost", "bridge", "queues");

    /** The switch's side of a vhost-user socket (the pod's app is on the other). */
    public enum VhostMode {
        /** The switch connects (port type vhost-user-client); the pod's app owns the socket (virtio-user server=1). */
        CLIENT,
        /** The switch owns the socket (port type vhost-user); the pod's app connects. */
        SERVER;

        public String wire() {
            return this == CLIENT ? "client" : "server";
        }

        public VhostMode other() {
            return this == CLIENT ? SERVER : CLIENT;
        }

        /** The port.add type for this switch side. */
        public String portType() {
            return this == CLIENT ? "vhost-user-client" : "vhost-user";
        }
    }

    /** One attachment: {@code (CNI_CONTAINERID, CNI_IFNAME)}. */
    public record AttachmentId(String containerId, String ifname) {}

    /** {@code version} compared with {@code other} (both x.y.z). */
    static int compareVersions(String version, String other) {
        var a = SEMVER.matcher(version);
        var b = SEMVER.matcher(other);
        if (!a.matches() || !b.matches()) {
            throw new IllegalArgumentException(version + " vs " + other);
        }
        for (int i = 1; i <= 3; i++) {
            int c = Integer.compare(Integer.parseInt(a.group(i)), Integer.parseInt(b.group(i)));
            if (c != 0) return c;
        }
        return 0;
    }

    /** True if this configuration's version is at least {@code v}. */
    public boolean atLeast(String v) {
        return compareVersions(cniVersion, v) >= 0;
    }

    /**
     * The {@code cniVersion} of a configuration as far as it can be read, for the error result
     * (the spec: "the protocol version in use"); {@link #LATEST} when there is none.
     */
    public static String versionOf(JsonNode root) {
        JsonNode v = root == null ? null : root.get("cniVersion");
        return v != null && v.isTextual() && SUPPORTED_VERSIONS.contains(v.asText()) ? v.asText() : LATEST;
    }

    /** Only {@code cniVersion}: what VERSION needs. Absent is fine (the latest is answered). */
    public static String parseVersion(JsonNode root) throws CniError {
        if (root == null || root.isMissingNode() || root.isNull() || !root.has("cniVersion")) {
            return LATEST;
        }
        if (!root.isObject()) {
            throw new CniError(CniError.DECODE, "the network configuration on stdin is not a JSON object",
                    "the runtime passes the plugin's configuration object on stdin");
        }
        return version(root);
    }

    private static String version(JsonNode root) throws CniError {
        JsonNode v = root.get("cniVersion");
        if (v == null || v.isNull()) {
            throw CniError.config("cniVersion", "missing", "set \"cniVersion\": \"" + LATEST + "\" (supported: "
                    + String.join(", ", SUPPORTED_VERSIONS) + ")");
        }
        if (!v.isTextual() || !SUPPORTED_VERSIONS.contains(v.asText())) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "cniVersion: " + v + " is not supported",
                    "vswitch-cni speaks CNI " + String.join(", ", SUPPORTED_VERSIONS) + ": set \"cniVersion\": \""
                            + LATEST + "\"");
        }
        return v.asText();
    }

    /**
     * Validates a configuration.
     *
     * @throws CniError naming the first field at fault: code 6 not a JSON object, 1 unsupported
     *                  cniVersion, 7 a missing or invalid field, 2 a field this plugin does not support
     */
    public static CniConfig parse(JsonNode root) throws CniError {
        if (root == null || !root.isObject()) {
            throw new CniError(CniError.DECODE, "the network configuration on stdin is not a JSON object",
                    "the runtime passes the plugin's configuration object on stdin");
        }
        String version = version(root);
        String name = requiredString(root, "name", "the network's name");
        if (!NETWORK_NAME.matcher(name).matches()) {
            throw CniError.config("name", "\"" + name + "\" is not a network name",
                    "start with a letter or digit, then letters, digits, _ . or -");
        }
        requiredString(root, "type", "\"vswitch-cni\", the plugin's binary name");
        String ipamType = null;
        JsonNode ipam = root.get("ipam");
        if (ipam != null && !ipam.isNull()) {
            if (!ipam.isObject()) {
                throw CniError.config("ipam", "expected an object, got " + ipam, "e.g. {\"type\": \"host-local\", ...}");
            }
            JsonNode t = ipam.get("type");
            if (t == null || !t.isTextual() || t.asText().isEmpty() || t.asText().contains("/")) {
                throw CniError.config("ipam.type", t == null ? "missing" : t + " is not a plugin name",
                        "the IPAM plugin's binary name in CNI_PATH, e.g. \"host-local\"");
            }
            ipamType = t.asText();
        }
        Path ctl = absolutePath(root, "ctl", ControlServer.DEFAULT_PATH);
        if (ctl.toString().getBytes(StandardCharsets.UTF_8).length > PortRequest.MAX_SOCKET_PATH_BYTES) {
            throw CniError.config("ctl", ctl + " is longer than the " + PortRequest.MAX_SOCKET_PATH_BYTES
                    + " bytes a Unix socket path can have", "use the path the switch's --ctl has");
        }
        Path sharedDir = absolutePath(root, "sharedDir", DEFAULT_SHARED_DIR);
        Path stateDir = absolutePath(root, "stateDir", DEFAULT_STATE_DIR);

        JsonNode host = root.get("host");
        if (host == null || host.isNull()) {
            throw CniError.config("host", "missing", "add \"host\": {\"engine\": \"vswitch\", \"iftype\": \"vhostuser\"}");
        }
        if (!host.isObject()) {
            throw CniError.config("host", "expected an object, got " + host, "see README \"Kubernetes (CNI)\"");
        }
        for (Iterator<String> it = host.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!HOST_KEYS.contains(k)) {
                throw new CniError(CniError.UNSUPPORTED_FIELD, "host." + k + ": " + host.get(k) + " is not supported",
                        "vswitch-cni reads host." + String.join(", host.", HOST_KEYS.stream().sorted().toList())
                                + (k.equals("memif") ? " (vhost-user only, no memif)" : "") + "; remove host." + k);
            }
        }
        String engine = requiredString(host, "engine", "host.engine", "\"vswitch\"");
        if (!engine.equals(ENGINE)) {
            throw CniError.config("host.engine", "unknown engine \"" + engine + "\"",
                    "vswitch-cni plugs pods into vswitch only: set \"engine\": \"vswitch\"");
        }
        String iftype = requiredString(host, "iftype", "host.iftype", "\"vhostuser\"");
        if (!iftype.equals(IFTYPE)) {
            throw CniError.config("host.iftype", "unknown interface type \"" + iftype + "\"",
                    "vswitch gives pods vhost-user ports: set \"iftype\": \"vhostuser\"");
        }
        JsonNode netType = host.get("netType");
        if (netType != null && !(netType.isTextual() && netType.asText().equals("bridge"))) {
            throw new CniError(CniError.UNSUPPORTED_FIELD, "host.netType: " + netType + " is not supported",
                    "vswitch is one L2 switch: leave netType out or set \"bridge\"");
        }
        VhostMode mode = VhostMode.CLIENT;
        JsonNode vhost = host.get("vhost");
        if (vhost != null && !vhost.isNull()) {
            if (!vhost.isObject()) {
                throw CniError.config("host.vhost", "expected an object, got " + vhost, "e.g. {\"mode\": \"client\"}");
            }
            for (Iterator<String> it = vhost.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!k.equals("mode")) {
                    throw new CniError(CniError.UNSUPPORTED_FIELD, "host.vhost." + k + ": " + vhost.get(k)
                            + " is not supported", "vswitch-cni names the socket <sharedDir>/<container id[:12]>-<ifname>"
                            + " itself and reads only host.vhost.mode; remove host.vhost." + k);
                }
            }
            mode = vhostMode(vhost.get("mode"), "host.vhost.mode", VhostMode.CLIENT);
        }
        Integer vlan = null;
        JsonNode bridge = host.get("bridge");
        if (bridge != null && !bridge.isNull()) {
            if (!bridge.isObject()) {
                throw CniError.config("host.bridge", "expected an object, got " + bridge, "e.g. {\"vlanId\": 10}");
            }
            // bridgeName/bridgeId are accepted (NetworkAttachmentDefinitions written for OVS-DPDK have them):
            // vswitch is one bridge; VLANs (vlanId) separate networks.
            for (Iterator<String> it = bridge.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!Set.of("vlanId", "bridgeName", "bridgeId").contains(k)) {
                    throw new CniError(CniError.UNSUPPORTED_FIELD, "host.bridge." + k + ": " + bridge.get(k)
                            + " is not supported", "host.bridge takes vlanId (bridgeName and bridgeId are ignored)");
                }
            }
            JsonNode v = bridge.get("vlanId");
            if (v != null && !v.isNull()) {
                if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > PortRequest.MAX_VLAN) {
                    throw CniError.config("host.bridge.vlanId", v + " is not a VLAN id",
                            "use 1.." + PortRequest.MAX_VLAN + " (an access port on that VLAN), or 0 or nothing for a"
                                    + " trunk port");
                }
                vlan = v.asInt() == 0 ? null : v.asInt();          // 0: none, as the userspace plugin reads it
            }
        }
        int queues = PortRequest.DEFAULT_QUEUES;
        JsonNode q = host.get("queues");
        if (q != null && !q.isNull()) {
            if (!q.isIntegralNumber() || !q.canConvertToInt() || q.asInt() < 1 || q.asInt() > PortRequest.MAX_QUEUES) {
                throw CniError.config("host.queues", q + " is not a queue count", "use 1.." + PortRequest.MAX_QUEUES
                        + " (the switch needs at least as many as it has lcores)");
            }
            queues = q.asInt();
        }
        checkContainerBlock(root.get("container"), mode);

        Path deviceInfo = null;
        JsonNode rc = root.get("runtimeConfig");
        if (rc != null && !rc.isNull()) {
            if (!rc.isObject()) {
                throw CniError.config("runtimeConfig", "expected an object, got " + rc, "the runtime sets it");
            }
            JsonNode f = rc.get("CNIDeviceInfoFile");
            if (f != null && !f.isNull()) {
                if (!f.isTextual() || f.asText().isEmpty() || !f.asText().startsWith("/")) {
                    throw CniError.config("runtimeConfig.CNIDeviceInfoFile", f + " is not an absolute path",
                            "the runtime (Multus) sets it to /var/run/k8s.cni.cncf.io/devinfo/cni/<unique name>");
                }
                deviceInfo = Path.of(f.asText());
            }
        }
        JsonNode prev = root.get("prevResult");
        if (prev != null && prev.isNull()) {
            prev = null;
        }
        if (prev != null && !prev.isObject()) {
            throw CniError.config("prevResult", "expected a result object, got " + prev, "the runtime sets it");
        }
        List<AttachmentId> valid = null;
        JsonNode va = root.get("cni.dev/valid-attachments");
        if (va != null && !va.isNull()) {
            if (!va.isArray()) {
                throw CniError.config("cni.dev/valid-attachments", "expected an array, got " + va, "the runtime sets it");
            }
            valid = new ArrayList<>();
            for (JsonNode a : va) {
                if (!a.path("containerID").isTextual() || !a.path("ifname").isTextual()) {
                    throw CniError.config("cni.dev/valid-attachments", a + " has no containerID and ifname strings",
                            "each entry is {\"containerID\": ..., \"ifname\": ...}");
                }
                valid.add(new AttachmentId(a.get("containerID").asText(), a.get("ifname").asText()));
            }
        }
        return new CniConfig(version, name, ctl, sharedDir, stateDir, mode, vlan, queues, deviceInfo, prev,
                valid == null ? null : List.copyOf(valid), ipamType);
    }

    /**
     * The userspace plugin's {@code container} block describes the pod's side: accepted, and checked
     * against the host side where the two must agree (vhost-user, opposite socket modes).
     */
    private static void checkContainerBlock(JsonNode c, VhostMode switchMode) throws CniError {
        if (c == null || c.isNull()) {
            return;
        }
        if (!c.isObject()) {
            throw CniError.config("container", "expected an object, got " + c, "or leave it out");
        }
        JsonNode iftype = c.get("iftype");
        if (iftype != null && !(iftype.isTextual() && iftype.asText().equals(IFTYPE))) {
            throw CniError.config("container.iftype", iftype + " does not match host.iftype \"vhostuser\"",
                    "set \"vhostuser\" or leave it out");
        }
        JsonNode vhost = c.get("vhost");
        if (vhost != null && vhost.isObject() && vhost.has("mode")) {
            VhostMode podMode = vhostMode(vhost.get("mode"), "container.vhost.mode", null);
            if (podMode == switchMode) {
                throw CniError.config("container.vhost.mode", "\"" + podMode.wire() + "\" is the same as host.vhost.mode",
                        "one side owns the socket and the other connects: set container.vhost.mode to \""
                                + switchMode.other().wire() + "\" or leave it out");
            }
        }
    }

    private static VhostMode vhostMode(JsonNode m, String field, VhostMode dflt) throws CniError {
        if (m == null || m.isNull()) {
            if (dflt != null) return dflt;
            throw CniError.config(field, "missing", "\"client\" or \"server\"");
        }
        if (m.isTextual() && m.asText().equals("client")) return VhostMode.CLIENT;
        if (m.isTextual() && m.asText().equals("server")) return VhostMode.SERVER;
        throw CniError.config(field, m + " is not a vhost-user mode", "\"client\" (the switch connects, the pod's app"
                + " owns the socket) or \"server\" (the switch owns the socket)");
    }

    private static String requiredString(JsonNode o, String key, String what) throws CniError {
        return requiredString(o, key, key, what);
    }

    private static String requiredString(JsonNode o, String key, String field, String what) throws CniError {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            throw CniError.config(field, "missing", "set it: " + what);
        }
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw CniError.config(field, "expected a non-empty string, got " + v, "set it: " + what);
        }
        return v.asText();
    }

    private static Path absolutePath(JsonNode o, String key, String dflt) throws CniError {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            return Path.of(dflt);
        }
        if (!v.isTextual() || !v.asText().startsWith("/") || v.asText().indexOf('\0') >= 0) {
            throw CniError.config(key, "expected an absolute path, got " + v, "default: " + dflt);
        }
        try {
            return Path.of(v.asText()).normalize();
        } catch (InvalidPathException e) {
            throw CniError.config(key, "expected an absolute path, got " + v, "default: " + dflt);
        }
    }
}
