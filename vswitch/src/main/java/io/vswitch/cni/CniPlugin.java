package io.vswitch.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import io.vswitch.ctl.ControlException;
import io.vswitch.ctl.CtlClient;
import io.vswitch.ctl.RpcError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The CNI operations against a running switch, over its control socket. Each returns the JSON
 * to print on stdout (null: nothing) or throws the {@link CniError} to print instead.
 *
 * <p>What stays behind when something fails: nothing this call created. ADD records the
 * attachment in its state file before {@code port.add} and removes the record again when the switch
 * refuses; a refusal leaves the switch and the socket directory as they were (the switch checks
 * names and paths before it creates anything), so another pod's port and socket are never touched.
 * DEL removes only a port whose socket is the attachment's own.
 */
public final class CniPlugin {
    /** The device-info spec version written into CNIDeviceInfoFile. */
    public static final String DEVICE_INFO_VERSION = "1.1.0";

    private final PrintStream log;
    private final Map<String, String> env;
    private final byte[] config;

    /** Without an environment to pass on: for configurations without {@code ipam}. */
    public CniPlugin(PrintStream log) {
        this(log, Map.of(), new byte[0]);
    }

    /**
     * @param log    where notes go (stderr: the spec leaves it for logs)
     * @param env    the environment the plugin was run with (passed on to the IPAM plugin)
     * @param config the configuration as read from stdin (passed on to the IPAM plugin)
     */
    public CniPlugin(PrintStream log, Map<String, String> env, byte[] config) {
        this.log = log;
        this.env = env;
        this.config = config;
    }

    private Ipam ipam(CniConfig cfg) {
        return Ipam.of(cfg, env, config, log);
    }

    // ------------------------------------------------------------------ VERSION, STATUS

    public static ObjectNode version(String cniVersion) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("cniVersion", cniVersion);
        ArrayNode a = o.putArray("supportedVersions");
        CniConfig.SUPPORTED_VERSIONS.forEach(a::add);
        return o;
    }

    /** STATUS: ready when the switch answers {@code ping}; code 50 when it does not. */
    public JsonNode status(CniConfig cfg) throws CniError {
        requireVersion(cfg, "1.1.0", "STATUS");
        try (CtlClient c = CtlClient.connect(cfg.ctl())) {
            c.call("ping");
        } catch (ControlException | RpcError e) {
            throw new CniError(CniError.NOT_AVAILABLE, "ctl: the switch at " + cfg.ctl() + " does not answer",
                    e.getMessage() + " (start the vswitch DaemonSet's pod on this node, or fix \"ctl\")");
        }
        Ipam ipam = ipam(cfg);
        if (ipam != null) {
            ipam.run("STATUS");
        }
        return null;
    }

    // ------------------------------------------------------------------ ADD

    public JsonNode add(CniConfig cfg, CniEnv env) throws CniError {
        Attachment a = Attachment.of(cfg, env.containerId(), env.ifname());
        checkNetns(env.netns());
        if (!Files.isDirectory(cfg.sharedDir())) {
            throw CniError.config("sharedDir", cfg.sharedDir() + " does not exist", "create it (the vswitch DaemonSet"
                    + " mounts it from the host) or set \"sharedDir\" to the switch's socket directory");
        }
        try (CtlClient c = connect(cfg)) {
            Ipam ipam = ipam(cfg);
            JsonNode addresses = ipam == null ? null : ipam.run("ADD");
            boolean recorded;
            try {
                recorded = writeStateIfAbsent(a, cfg);
            } catch (CniError e) {
                if (ipam != null) ipam.runQuietly("DEL");
                throw e;
            }
            ObjectNode params = Json.MAPPER.createObjectNode()
                    .put("name", a.portName())
                    .put("type", cfg.switchMode().portType())
                    .put("path", a.socket().toString())
                    .put("queues", cfg.queues());
            if (cfg.vlan() != null) {
                params.put("vlan", cfg.vlan());
            }
            JsonNode port;
            try {
                port = c.call("port.add", params);
            } catch (RpcError e) {
                if (recorded) {
                    deleteQuietly(a.stateFile());
                }
                if (ipam != null) {
                    ipam.runQuietly("DEL");
                }
                throw refused(e, a);
            } catch (ControlException e) {
                // the port may exist now: the record stays, so DEL (which the runtime sends after a failed
                // ADD) or GC removes it
                throw new CniError(CniError.TRY_AGAIN, "ctl: lost the switch at " + cfg.ctl() + " while adding port "
                        + a.portName(), e.getMessage());
            }
            if (cfg.deviceInfoFile() != null) {
                try {
                    writeAtomically(cfg.deviceInfoFile(), Json.MAPPER.writeValueAsString(deviceInfo(cfg, a)));
                } catch (IOException e) {
                    undoAdd(c, a, recorded);
                    if (ipam != null) {
                        ipam.runQuietly("DEL");
                    }
                    throw new CniError(CniError.IO_FAILURE, "runtimeConfig.CNIDeviceInfoFile: cannot write "
                            + cfg.deviceInfoFile(), String.valueOf(e.getMessage()) + " (the port was removed again)");
                }
            }
            log.println("vswitch-cni: ADD " + env.containerId() + " " + env.ifname() + ": port " + a.portName() + " ("
                    + cfg.switchMode().portType() + ", " + a.socket() + (cfg.vlan() == null ? "" : ", vlan " + cfg.vlan())
                    + ")");
            return result(cfg, env, a, port.path("mac").asText(""), addresses);
        }
    }

    private void undoAdd(CtlClient c, Attachment a, boolean recorded) {
        try {
            c.call("port.del", Json.MAPPER.createObjectNode().put("name", a.portName()));
        } catch (RpcError | ControlException e) {
            log.println("vswitch-cni: could not remove port " + a.portName() + " again: " + e.getMessage()
                    + " (DEL or GC removes it)");
            return;                                          // keep the record for DEL/GC
        }
        if (recorded) {
            deleteQuietly(a.stateFile());
        }
    }

    /**
     * The ADD result: prevResult (if any) with this attachment's interface added, and the IPAM plugin's
     * addresses (if any) on that interface, its routes and DNS.
     */
    static ObjectNode result(CniConfig cfg, CniEnv env, Attachment a, String mac, JsonNode addresses) {
        ObjectNode r;
        if (cfg.prevResult() != null) {
            r = cfg.prevResult().deepCopy();
        } else {
            r = JsonNodeFactory.instance.objectNode();
        }
        r.put("cniVersion", cfg.cniVersion());
        ArrayNode ifs = r.has("interfaces") && r.get("interfaces").isArray() ? (ArrayNode) r.get("interfaces")
                : r.putArray("interfaces");
        ObjectNode i = ifs.addObject();
        i.put("name", env.ifname());
        if (!mac.isEmpty()) {
            i.put("mac", mac);
        }
        i.put("sandbox", env.netns());
        if (cfg.atLeast("1.1.0")) {
            i.put("socketPath", a.socket().toString());
        }
        if (addresses != null) {
            int index = ifs.size() - 1;
            ArrayNode ips = r.has("ips") && r.get("ips").isArray() ? (ArrayNode) r.get("ips") : r.putArray("ips");
            for (JsonNode ip : addresses.path("ips")) {
                ips.add(((ObjectNode) ip.deepCopy()).put("interface", index));
            }
            if (addresses.path("routes").isArray() && !addresses.get("routes").isEmpty()) {
                ArrayNode routes = r.has("routes") && r.get("routes").isArray() ? (ArrayNode) r.get("routes")
                        : r.putArray("routes");
                addresses.get("routes").forEach(routes::add);
            }
            JsonNode dns = addresses.path("dns");
            if (dns.isObject() && !dns.isEmpty() && (!r.path("dns").isObject() || r.get("dns").isEmpty())) {
                r.set("dns", dns);
            }
        }
        if (!r.has("dns")) {
            r.putObject("dns");
        }
        return r;
    }

    /** The device-info file (Network Plumbing WG device-info spec 1.1.0); its mode is the pod's side. */
    static ObjectNode deviceInfo(CniConfig cfg, Attachment a) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", "vhost-user");
        o.put("version", DEVICE_INFO_VERSION);
        o.putObject("vhost-user").put("mode", cfg.switchMode().other().wire()).put("path", a.socket().toString());
        return o;
    }

    // ------------------------------------------------------------------ DEL

    /**
     * DEL: removes the port (if it is this attachment's), the socket, the device-info file and the
     * record. Succeeds when any of them is already gone. When the switch does not answer the port
     * cannot be removed now: the record stays (GC removes the port once the switch is back, and it
     * comes back with the port if it runs with --db) and DEL succeeds, as the spec asks of DEL.
     */
    public JsonNode del(CniConfig cfg, CniEnv env) throws CniError {
        Attachment a = Attachment.of(cfg, env.containerId(), env.ifname());
        CtlClient c;
        try {
            c = CtlClient.connect(cfg.ctl());
        } catch (ControlException e) {
            log.println("vswitch-cni: DEL " + a.portName() + ": " + e.getMessage() + "; the port stays recorded in "
                    + a.stateFile() + " for GC");
            removeSocket(a.socket(), Set.of());
            deleteQuietly(cfg.deviceInfoFile());
            releaseAddresses(cfg);
            return null;
        }
        try (c) {
            List<String> problems = new ArrayList<>();
            removeAttachment(c, a, ports(c), cfg.deviceInfoFile(), problems);
            if (!problems.isEmpty()) {
                throw new CniError(CniError.TRY_AGAIN, "ctl: could not remove port " + a.portName(),
                        String.join("; ", problems));
            }
        }
        releaseAddresses(cfg);
        return null;
    }

    private void releaseAddresses(CniConfig cfg) throws CniError {
        Ipam ipam = ipam(cfg);
        if (ipam != null) {
            ipam.run("DEL");
        }
    }

    /** Removes one attachment's port, socket, device-info and record; what fails goes to {@code problems}. */
    private void removeAttachment(CtlClient c, Attachment a, JsonNode ports, Path deviceInfo, List<String> problems) {
        JsonNode port = find(ports, a.portName());
        boolean removed = true;
        if (port != null) {
            String path = port.path("path").asText("");
            if (path.equals(a.socket().toString())) {
                try {
                    c.call("port.del", Json.MAPPER.createObjectNode().put("name", a.portName()));
                } catch (RpcError e) {
                    if (e.code() != RpcError.NO_SUCH_PORT) {
                        problems.add("port.del " + a.portName() + ": " + e.getMessage());
                        removed = false;
                    }
                } catch (ControlException e) {
                    problems.add(e.getMessage());
                    removed = false;
                }
            } else {
                log.println("vswitch-cni: port " + a.portName() + " on the switch has socket " + path + ", not "
                        + a.socket() + ": not this attachment's, left alone");
            }
        }
        Set<String> used = new HashSet<>();
        for (JsonNode p : ports) {
            if (!p.path("name").asText().equals(a.portName())) {
                used.add(p.path("path").asText(""));
            }
        }
        removeSocket(a.socket(), used);
        if (removed) {
            deleteQuietly(deviceInfo);
            deleteQuietly(a.stateFile());
        }
    }

    // ------------------------------------------------------------------ CHECK

    /** CHECK: the port is on the switch as prevResult and the configuration say. */
    public JsonNode check(CniConfig cfg, CniEnv env) throws CniError {
        requireVersion(cfg, "0.4.0", "CHECK");
        Attachment a = Attachment.of(cfg, env.containerId(), env.ifname());
        if (cfg.prevResult() == null) {
            throw CniError.config("prevResult", "missing", "the runtime passes the result of the ADD to CHECK");
        }
        JsonNode mine = null;
        for (JsonNode i : cfg.prevResult().path("interfaces")) {
            if (env.ifname().equals(i.path("name").asText()) && Objects.equals(env.netns(), i.path("sandbox").asText(null))) {
                mine = i;
            }
        }
        if (mine == null) {
            throw new CniError(CniError.CHECK_FAILED, "prevResult: no interface " + env.ifname() + " in sandbox "
                    + env.netns(), "prevResult.interfaces: " + cfg.prevResult().path("interfaces"));
        }
        if (mine.has("socketPath") && !mine.get("socketPath").asText().equals(a.socket().toString())) {
            throw new CniError(CniError.CHECK_FAILED, "prevResult: interface " + env.ifname() + " has socketPath "
                    + mine.get("socketPath").asText() + ", expected " + a.socket(), "the configuration's sharedDir changed"
                    + " since ADD");
        }
        checkNetns(env.netns());
        JsonNode port;
        try (CtlClient c = connect(cfg)) {
            port = find(ports(c), a.portName());
        }
        if (port == null) {
            throw new CniError(CniError.CHECK_FAILED, "port " + a.portName() + " is not on the switch",
                    "it was removed (vswitchctl del-port?) or the switch lost it: delete and re-create the pod");
        }
        List<String> wrong = new ArrayList<>();
        compare(wrong, "type", cfg.switchMode().portType(), port.path("type").asText());
        compare(wrong, "socket", a.socket().toString(), port.path("path").asText());
        compare(wrong, "vlan", cfg.vlan() == null ? "none" : cfg.vlan().toString(),
                port.hasNonNull("vlan") ? port.get("vlan").asText() : "none");
        compare(wrong, "queues", Integer.toString(cfg.queues()), port.path("queues").asText());
        if (mine.hasNonNull("mac")) {
            compare(wrong, "mac", mine.get("mac").asText(), port.path("mac").asText());
        }
        if ("failed".equals(port.path("link").asText())) {
            wrong.add("link failed: " + port.path("error").asText());
        }
        if (!wrong.isEmpty()) {
            throw new CniError(CniError.CHECK_FAILED, "port " + a.portName() + " is not as configured: "
                    + String.join(", ", wrong), "delete and re-create the pod");
        }
        Ipam ipam = ipam(cfg);
        if (ipam != null) {
            ipam.run("CHECK");
        }
        return null;
    }

    private static void compare(List<String> wrong, String what, String expected, String actual) {
        if (!expected.equals(actual)) {
            wrong.add(what + " " + actual + " (expected " + expected + ")");
        }
    }

    // ------------------------------------------------------------------ GC

    /**
     * GC: removes every attachment this network recorded that is not in {@code cni.dev/valid-attachments}
     * (its port, socket, device-info file and record). Goes on past failures and reports them all.
     */
    public JsonNode gc(CniConfig cfg) throws CniError {
        requireVersion(cfg, "1.1.0", "GC");
        if (cfg.validAttachments() == null) {
            throw CniError.config("cni.dev/valid-attachments", "missing", "the runtime lists the attachments still in use");
        }
        Set<CniConfig.AttachmentId> valid = new HashSet<>(cfg.validAttachments());
        Path dir = cfg.stateDir().resolve(cfg.name());
        List<String> problems = new ArrayList<>();
        Ipam ipam = ipam(cfg);
        if (ipam != null) {
            try {
                ipam.run("GC");                              // the spec: GC goes to delegated plugins too
            } catch (CniError e) {
                problems.add(e.msg() + " (" + e.details() + ")");
            }
        }
        List<Stale> stale = new ArrayList<>();
        if (Files.isDirectory(dir)) try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                try {
                    JsonNode s = Json.MAPPER.readTree(f.toFile());
                    var id = new CniConfig.AttachmentId(s.path("containerID").asText(), s.path("ifname").asText());
                    if (!valid.contains(id)) {
                        stale.add(new Stale(new Attachment(id.containerId(), id.ifname(), s.path("port").asText(),
                                Path.of(s.path("socket").asText()), f), s.hasNonNull("deviceInfoFile")
                                ? Path.of(s.get("deviceInfoFile").asText()) : null));
                    }
                } catch (IOException | RuntimeException e) {
                    problems.add(f + " is not a record of this plugin (" + e.getMessage() + "): left alone");
                }
            }
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "stateDir: cannot list " + dir, String.valueOf(e.getMessage()));
        }
        if (!stale.isEmpty()) {
            try (CtlClient c = connect(cfg)) {
                JsonNode ports = ports(c);
                for (Stale s : stale) {
                    int before = problems.size();
                    removeAttachment(c, s.attachment(), ports, s.deviceInfo(), problems);
                    if (problems.size() == before) log.println("vswitch-cni: GC removed " + s.attachment().containerId() + " "
                            + s.attachment().ifname() + " (port " + s.attachment().portName() + ")");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CniError(CniError.SWITCH_REFUSED, "GC: " + problems.size() + " problem(s), the rest was removed",
                    String.join("; ", problems));
        }
        return null;
    }

    private record Stale(Attachment attachment, Path deviceInfo) {}

    // ------------------------------------------------------------------ helpers

    private static void requireVersion(CniConfig cfg, String min, String command) throws CniError {
        if (!cfg.atLeast(min)) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "cniVersion: " + command + " needs " + min + " or later, the"
                    + " configuration has " + cfg.cniVersion(), "set \"cniVersion\": \"" + CniConfig.LATEST + "\"");
        }
    }

    private static void checkNetns(String netns) throws CniError {
        if (netns != null && netns.startsWith("/") && !Files.exists(Path.of(netns))) {
            throw CniError.env("CNI_NETNS", netns + " does not exist", "the runtime passes the pod's network namespace");
        }
    }

    private static CtlClient connect(CniConfig cfg) throws CniError {
        try {
            return CtlClient.connect(cfg.ctl());
        } catch (ControlException e) {
            throw new CniError(CniError.TRY_AGAIN, "ctl: the switch at " + cfg.ctl() + " does not answer",
                    e.getMessage());
        }
    }

    private static JsonNode ports(CtlClient c) throws CniError {
        try {
            return c.call("port.list").path("ports");
        } catch (RpcError | ControlException e) {
            throw new CniError(CniError.TRY_AGAIN, "ctl: port.list failed", e.getMessage());
        }
    }

    private static JsonNode find(JsonNode ports, String name) {
        for (JsonNode p : ports) {
            if (name.equals(p.path("name").asText())) {
                return p;
            }
        }
        return null;
    }

    private static CniError refused(RpcError e, Attachment a) {
        return switch (e.code()) {
            case RpcError.PORT_EXISTS -> new CniError(CniError.PORT_TAKEN, "port " + a.portName() + " or socket "
                    + a.socket() + " is taken on the switch", e.getMessage() + " (another attachment has it: an ADD"
                    + " without DEL, or a container whose id starts with the same 12 characters; it was left alone)");
            case RpcError.PORT_NOT_CREATED -> new CniError(CniError.PORT_NOT_CREATED, "the switch could not create port "
                    + a.portName(), e.getMessage() + (e.getMessage().contains("queues") ? " (set host.queues)" : ""));
            case RpcError.LIMIT_REACHED -> new CniError(CniError.PORT_LIMIT, "the switch has no room for port "
                    + a.portName(), e.getMessage());
            default -> new CniError(CniError.SWITCH_REFUSED, "the switch refused port.add " + a.portName(),
                    "JSON-RPC " + e.code() + ": " + e.getMessage());
        };
    }

    /** Records the attachment; false when a record was there already (then it is not ours to remove). */
    private static boolean writeStateIfAbsent(Attachment a, CniConfig cfg) throws CniError {
        ObjectNode s = JsonNodeFactory.instance.objectNode()
                .put("containerID", a.containerId()).put("ifname", a.ifname()).put("network", cfg.name())
                .put("port", a.portName()).put("socket", a.socket().toString())
                .put("mode", cfg.switchMode().wire());
        if (cfg.deviceInfoFile() != null) {
            s.put("deviceInfoFile", cfg.deviceInfoFile().toString());
        }
        try {
            Files.createDirectories(a.stateFile().getParent());
            Files.writeString(a.stateFile(), s + "\n", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "stateDir: cannot write " + a.stateFile(),
                    String.valueOf(e.getMessage()) + " (set \"stateDir\" to a writable directory)");
        }
    }

    /** Writes {@code text} to {@code file} through a temporary file and a rename, creating the directory. */
    static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text + "\n");
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes {@code socket} if it is a socket no other port uses (a client port's socket is the pod's). */
    private void removeSocket(Path socket, Set<String> usedByOthers) {
        if (usedByOthers.contains(socket.toString())) {
            return;
        }
        try {
            Object mode = Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (((Integer) mode & 0170000) == 0140000) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // gone already
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
