package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.ExitCode;
import io.vswitch.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The port database's file: round trip, atomic replacement, and every kind of damage refused with one line. */
class PortDbTest {
    @TempDir Path dir;

    static SwitchNode.PortConfig vhost(String name, String path) {
        return new SwitchNode.PortConfig(name, SwitchNode.VHOST_USER, path, null, 2, 10, null, "107:107", 0660);
    }

    @Test
    void aMissingFileStartsEmptyAndIsCreatedWithItsDirectory() throws Exception {
        Path f = dir.resolve("var/lib/vswitch/ports.json");
        PortDb db = PortDb.open(f);
        assertEquals(List.of(), db.ports());
        assertTrue(Files.isRegularFile(f), "an empty database is written at once, proving the directory writable");
        assertEquals(List.of(), PortDb.open(f).ports());
    }

    @Test
    void portsSurviveAReopenInOrderWithEveryField() {
        Path f = dir.resolve("ports.json");
        PortDb db = PortDb.open(f);
        SwitchNode.PortConfig a = vhost("vm0", "/run/vm0.sock");
        SwitchNode.PortConfig b = new SwitchNode.PortConfig("vm1", SwitchNode.VHOST_USER_CLIENT, "/run/vm1.sock", null, 1,
                null, null);
        SwitchNode.PortConfig c = new SwitchNode.PortConfig("tap0", SwitchNode.TAP, null, "vsw0", 1, null,
                "02:00:00:00:00:01");
        db.put(a);
        db.put(b);
        db.put(c);
        assertEquals(List.of(a, b, c), PortDb.open(f).ports());
        assertTrue(db.remove("vm1"));
        assertFalse(db.remove("vm1"), "a second remove finds nothing");
        assertEquals(List.of(a, c), PortDb.open(f).ports());
    }

    @Test
    void eachSaveReplacesTheFileAndLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("ports.json");
        PortDb db = PortDb.open(f);
        for (int i = 0; i < 20; i++) {
            db.put(vhost("vm" + i, "/run/vm" + i + ".sock"));
        }
        try (var s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "only the database itself");
        }
        assertTrue(Files.readString(f).contains("\"mode\": \"0660\""), Files.readString(f));
    }

    @Test
    void aFailedSaveLeavesTheRecordAsItWas() throws Exception {
        Path f = dir.resolve("d/ports.json");
        PortDb db = PortDb.open(f);
        db.put(vhost("vm0", "/run/vm0.sock"));
        // the directory replaced by a regular file: the next save cannot write its temporary file (root included)
        Files.delete(f);
        Files.delete(f.getParent());
        Files.writeString(f.getParent(), "not a directory");
        UserError e = assertThrows(UserError.class, () -> db.put(vhost("vm1", "/run/vm1.sock")));
        assertEquals(ExitCode.DB, e.exitCode());
        assertTrue(e.getMessage().startsWith("--db " + f + " cannot be written"), e.getMessage());
        assertEquals(List.of("vm0"), db.names(), "vm1 not recorded");
        assertThrows(UserError.class, () -> db.remove("vm0"));
        assertEquals(List.of("vm0"), db.names(), "vm0 still recorded");
    }

    void assertDamaged(String text, String expect) throws Exception {
        Path f = dir.resolve("ports.json");
        Files.writeString(f, text);
        UserError e = assertThrows(UserError.class, () -> PortDb.open(f));
        assertEquals(ExitCode.DB, e.exitCode());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("--db " + f + " "), e.getMessage());
        assertTrue(e.getMessage().contains(expect), e.getMessage());
        assertEquals(text, Files.readString(f), "a damaged database is never overwritten");
    }

    @Test
    void damageIsOneLineNamingTheFileAndWhat() throws Exception {
        assertDamaged("{\"version\":1,\"ports\":[", "is not valid JSON (line 1");
        assertDamaged("", "is not a JSON object");
        assertDamaged("[]", "is not a JSON object");
        assertDamaged("{\"version\":2,\"ports\":[]}", "has version 2, this switch reads version 1");
        assertDamaged("{\"version\":1}", "has no \"ports\" array");
        assertDamaged("{\"version\":1,\"ports\":[],\"extra\":1}", "unknown field \"extra\"");
        assertDamaged("{\"version\":1,\"ports\":[{\"name\":\"vm0\",\"type\":\"vhost-user\"}]}",
                "port 1 {\"name\":\"vm0\",\"type\":\"vhost-user\"}: ");
        assertDamaged("{\"version\":1,\"ports\":[{\"name\":\"vm0\",\"type\":\"bridge\",\"iface\":\"x\"}]}", "params.type");
        assertDamaged("{\"version\":1,\"ports\":[{\"name\":\"vm0\",\"type\":\"vhost-user\",\"path\":\"rel.sock\"}]}",
                "is not absolute");
        assertDamaged("{\"version\":1,\"ports\":[{\"name\":\"vm0\",\"type\":\"tap\",\"iface\":\"a\"},"
                + "{\"name\":\"vm0\",\"type\":\"tap\",\"iface\":\"b\"}]}", "names port vm0 twice");
        assertDamaged("{\"version\":1,\"ports\":[{\"name\":\"a\",\"type\":\"vhost-user\",\"path\":\"/s\"},"
                + "{\"name\":\"b\",\"type\":\"vhost-user-client\",\"path\":\"/s\"}]}", "gives socket path /s to two ports");
    }

    @Test
    void aDirectoryOrAnUncreatableDirectoryIsRefused() throws Exception {
        UserError e = assertThrows(UserError.class, () -> PortDb.open(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        e = assertThrows(UserError.class, () -> PortDb.open(file.resolve("sub/ports.json")));
        assertEquals(ExitCode.DB, e.exitCode());
        assertTrue(e.getMessage().contains("cannot create its directory"), e.getMessage());
    }
}
