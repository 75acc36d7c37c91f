package io.vswitch.sw;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.ExitCode;
import io.vswitch.Json;
import io.vswitch.UserError;
import io.vswitch.ctl.PortRequest;
import io.vswitch.ctl.RpcError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The port database ({@code --db}): the ports added through the control socket, so that a
 * restarted switch re-creates them (as Open vSwitch's database does for {@code ovs-vsctl
 * add-port}). One JSON file:
 *
 * <pre>
 *   {"version":1,"ports":[{"name":"vm0","type":"vhost-user-client","path":"/run/vm0.sock","queues":1}, ...]}
 * </pre>
 *
 * Each entry holds port.add's params and is checked by the same rules ({@link PortRequest#from}).
 * Every change rewrites the whole file atomically: a temporary file beside it is written and
 * fsynced, renamed over the file, and the directory fsynced; a crash leaves the old or the new
 * file, never a torn one. A file that does not parse or breaks a rule is a {@link UserError}
 * ({@link ExitCode#DB}) naming the file and the entry, before anything is started.
 * Not thread-safe: the switch calls it under its port lock.
 */
public final class PortDb {
    static final int VERSION = 1;

    private final Path file;
    private final Map<String, SwitchNode.PortConfig> ports = new LinkedHashMap<>();

    private PortDb(Path file) {
        this.file = file;
    }

    /**
     * Opens {@code file}: reads it when it exists; otherwise creates its directory and writes an
     * empty database, so that a directory the switch cannot write is found at start, not at the
     * first add-port.
     */
    public static PortDb open(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        PortDb db = new PortDb(abs);
        if (Files.isDirectory(abs)) {
            throw error(abs, "is a directory: give a file path, e.g. " + abs.resolve("ports.json"));
        }
        if (Files.exists(abs)) {
            db.read();
        } else {
            try {
                Files.createDirectories(abs.getParent());
            } catch (IOException e) {
                throw error(abs, "cannot create its directory " + abs.getParent() + " (" + why(e) + "): create it"
                        + " or choose another --db");
            }
            db.save();
        }
        return db;
    }

    public Path file() {
        return file;
    }

    /** The recorded ports, in the order they were added. */
    public List<SwitchNode.PortConfig> ports() {
        return List.copyOf(ports.values());
    }

    public boolean contains(String name) {
        return ports.containsKey(name);
    }

    /** Records {@code pc} (replacing a port of that name) and saves; a failed save leaves the record unchanged. */
    public void put(SwitchNode.PortConfig pc) {
        SwitchNode.PortConfig before = ports.put(pc.name(), pc);
        try {
            save();
        } catch (UserError e) {
            if (before == null) {
                ports.remove(pc.name());
            } else {
                ports.put(pc.name(), before);
            }
            throw e;
        }
    }

    /** Forgets the port {@code name} and saves; returns false when it was not recorded. */
    public boolean remove(String name) {
        SwitchNode.PortConfig before = ports.remove(name);
        if (before == null) {
            return false;
        }
        try {
            save();
        } catch (UserError e) {
            ports.put(name, before);
            throw e;
        }
        return true;
    }

    // ------------------------------------------------------------------ the file

    private void read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw error(file, "cannot be read (" + why(e) + ")");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw error(file, "is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): repair it, or move it away to start with no recorded ports");
        } catch (IOException e) {
            throw error(file, "cannot be read (" + why(e) + ")");
        }
        if (root == null || !root.isObject()) {
            throw damaged("is not a JSON object {\"version\":1,\"ports\":[...]}");
        }
        Set<String> keys = new HashSet<>();
        root.fieldNames().forEachRemaining(keys::add);
        keys.removeAll(Set.of("version", "ports"));
        if (!keys.isEmpty()) {
            throw damaged("has an unknown field \"" + keys.iterator().next() + "\"");
        }
        JsonNode v = root.get("version");
        if (v == null || !v.isInt() || v.intValue() != VERSION) {
            throw damaged("has version " + v + ", this switch reads version " + VERSION);
        }
        JsonNode list = root.get("ports");
        if (list == null || !list.isArray()) {
            throw damaged("has no \"ports\" array");
        }
        Set<String> paths = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            PortRequest r;
            try {
                r = PortRequest.from(entry, Path.of("/"));
            } catch (RpcError e) {
                throw damaged("port " + (i + 1) + " " + entry + ": " + e.getMessage());
            }
            if (r.path() != null && !Path.of(r.path()).isAbsolute()) {
                throw damaged("port " + (i + 1) + " (" + r.name() + "): path " + r.path() + " is not absolute");
            }
            if (ports.containsKey(r.name())) {
                throw damaged("names port " + r.name() + " twice");
            }
            if (r.path() != null && !paths.add(r.path())) {
                throw damaged("gives socket path " + r.path() + " to two ports");
            }
            ports.put(r.name(), config(r));
        }
    }

    /** The node's port config of a validated request. */
    static SwitchNode.PortConfig config(PortRequest r) {
        return new SwitchNode.PortConfig(r.name(), r.type().wireName(), r.path(), r.iface(), r.queues(), r.vlan(),
                r.mac(), r.owner(), r.mode());
    }

    /** A port's port.add params (absent fields left out): a database entry, and the start of port.list's view. */
    static ObjectNode params(SwitchNode.PortConfig pc) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", pc.name());
        o.put("type", pc.type());
        if (pc.path() != null) o.put("path", pc.path());
        if (pc.iface() != null) o.put("iface", pc.iface());
        o.put("queues", pc.queues());
        if (pc.vlan() != null) o.put("vlan", pc.vlan());
        if (pc.mac() != null) o.put("mac", pc.mac());
        if (pc.owner() != null) o.put("owner", pc.owner());
        if (pc.mode() != null) o.put("mode", PortRequest.modeText(pc.mode()));
        return o;
    }

    /** The JSON text of the database. */
    String text() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", VERSION);
        ArrayNode a = root.putArray("ports");
        for (SwitchNode.PortConfig pc : ports.values()) {
            a.add(params(pc));
        }
        try {
            return Json.PRETTY.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the database atomically: temporary file, fsync, rename, fsync of the directory. */
    private void save() {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(text().getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);           // the rename itself survives a crash
            } catch (IOException ignored) {
                // some file systems cannot open a directory for fsync; the rename is still atomic
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw error(file, "cannot be written (" + why(e) + "): check the directory's space and permissions");
        }
    }

    private UserError damaged(String what) {
        return error(file, what + ": repair it, or move it away to start with no recorded ports");
    }

    private static UserError error(Path file, String what) {
        return new UserError(ExitCode.DB, "--db " + file + " " + what);
    }

    private static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory: " + e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** For tests: the entries as a list of names. */
    List<String> names() {
        return new ArrayList<>(ports.keySet());
    }
}
