package io.vswitch.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** port.add's params: each syntactic rule and its message. */
class PortRequestTest {
    static final Path BASE = Path.of("/srv/vswitch");

    static ObjectNode vhost(String name) {
        return JsonRpc.MAPPER.createObjectNode().put("name", name).put("type", "vhost-user").put("path", "/tmp/vm0.sock");
    }

    static ObjectNode tap(String iface) {
        return JsonRpc.MAPPER.createObjectNode().put("name", "t0").put("type", "tap").put("iface", iface);
    }

    static RpcError refused(ObjectNode params) {
        RpcError e = assertThrows(RpcError.class, () -> PortRequest.from(params, BASE));
        assertEquals(RpcError.INVALID_PARAMS, e.code());
        return e;
    }

    @Test
    void theIssueExampleWithDefaults() throws Exception {
        PortRequest r = PortRequest.from(vhost("vm0"), BASE);
        assertEquals(new PortRequest("vm0", PortType.VHOST_USER, "/tmp/vm0.sock", null, 1, null, null, null, null), r);
        PortRequest full = PortRequest.from(vhost("vm0").put("queues", 4).put("vlan", 10).put("mac", "02:00:00:AB:cd:01"),
                BASE);
        assertEquals(4, full.queues());
        assertEquals(10, full.vlan());
        assertEquals("02:00:00:ab:cd:01", full.mac(), "MACs are kept in lower case");
    }

    @Test
    void everyTypeByItsWireName() throws Exception {
        assertEquals(PortType.VHOST_USER_CLIENT, PortRequest.from(vhost("a").put("type", "vhost-user-client"), BASE).type());
        assertEquals(PortType.TAP, PortRequest.from(tap("vsw0"), BASE).type());
        PortRequest af = PortRequest.from(tap("eth1").put("type", "af_packet"), BASE);
        assertEquals(PortType.AF_PACKET, af.type());
        assertEquals("eth1", af.iface());
        assertNull(af.path());
        assertEquals("params.type: expected one of vhost-user, vhost-user-client, tap, af_packet, got \"vhost\"",
                refused(vhost("a").put("type", "vhost")).getMessage());
        assertEquals("params.type: missing, expected a string", refused(vhost("a").without("type")).getMessage());
    }

    @Test
    void nameRules() throws Exception {
        for (String ok : new String[] {"vm0", "a", "VM_1.eth-0", "_x", "0", "x".repeat(32)}) {
            assertEquals(ok, PortRequest.from(vhost(ok), BASE).name());
        }
        for (String bad : new String[] {"", ".vm", "-vm", "vm 0", "vm/0", "vm:0", "x".repeat(33), "vmé"}) {
            RpcError e = refused(vhost(bad));
            assertTrue(e.getMessage().startsWith("params.name: expected " + PortRequest.NAME_RULE + ", got "),
                    e.getMessage());
            assertEquals("name", e.param());
        }
        assertEquals("params.name: expected " + PortRequest.NAME_RULE + ", got 5", refused(vhost("x").put("name", 5))
                .getMessage());
        assertEquals("params.name: missing, expected " + PortRequest.NAME_RULE, refused(vhost("x").without("name"))
                .getMessage());
    }

    @Test
    void pathIsRequiredForVhostAndRefusedForTheOthers() {
        assertEquals("params.path: missing, expected the vhost-user socket path (type vhost-user needs one)",
                refused(vhost("a").without("path")).getMessage());
        assertEquals("params.path: missing, expected the vhost-user socket path (type vhost-user-client needs one)",
                refused(vhost("a").put("type", "vhost-user-client").without("path")).getMessage());
        RpcError e = refused(tap("vsw0").put("path", "/tmp/x.sock"));
        assertEquals("params.path: not allowed for type tap (it takes a kernel interface params.iface, no socket)",
                e.getMessage());
        assertEquals("path", e.param());
        assertTrue(refused(tap("eth0").put("type", "af_packet").put("path", "/x")).getMessage()
                .startsWith("params.path: not allowed for type af_packet"));
        assertEquals("params.path: expected a socket path, got \"\"", refused(vhost("a").put("path", "")).getMessage());
        assertEquals("params.path: expected a string, got 1", refused(vhost("a").put("path", 1)).getMessage());
    }

    @Test
    void ifaceIsRequiredForTapAndAfPacketAndRefusedForVhost() {
        assertEquals("params.iface: missing, expected the kernel interface name (type tap needs one)",
                refused(tap("x").without("iface")).getMessage());
        assertEquals("params.iface: missing, expected the kernel interface name (type af_packet needs one)",
                refused(tap("x").put("type", "af_packet").without("iface")).getMessage());
        assertTrue(refused(vhost("a").put("iface", "eth0")).getMessage().startsWith("params.iface: not allowed for type vhost-user"));
    }

    @Test
    void ifaceIsAtMost15BytesAndAValidLinuxName() throws Exception {
        assertEquals("abcdefghijklmno", PortRequest.from(tap("abcdefghijklmno"), BASE).iface());
        for (String bad : new String[] {"abcdefghijklmnop", "", "a/b", "a:1", "a b", ".", "..", "éééééééé"}) {
            assertTrue(refused(tap(bad)).getMessage().startsWith("params.iface: expected an interface name of 1..15 bytes"),
                    bad);
        }
    }

    @Test
    void pathLimitIs107BytesOfTheAbsolutePath() throws Exception {
        String abs107 = "/" + "p".repeat(106);
        assertEquals(abs107, PortRequest.from(vhost("a").put("path", abs107), BASE).path());
        RpcError e = refused(vhost("a").put("path", abs107 + "q"));
        assertEquals("params.path: the absolute path " + abs107 + "q is 108 bytes, longer than the 107 a Unix socket path"
                + " can have: use a shorter path", e.getMessage());
        assertEquals("path", e.param());
        // relative: BASE "/srv/vswitch/" is 13 bytes, so a 94-byte relative path is 107 absolute, 95 is 108
        assertEquals("r".repeat(94), PortRequest.from(vhost("a").put("path", "r".repeat(94)), BASE).path(),
                "the path is kept as given: the switch resolves it");
        assertTrue(refused(vhost("a").put("path", "r".repeat(95))).getMessage().contains("is 108 bytes"));
        // bytes, not characters: 53 two-byte characters after "/" are 107 bytes, 54 are 109
        PortRequest.from(vhost("a").put("path", "/" + "é".repeat(53)), BASE);
        assertTrue(refused(vhost("a").put("path", "/" + "é".repeat(54))).getMessage().contains("is 109 bytes"));
    }

    @Test
    void queuesAndVlanRanges() throws Exception {
        assertEquals(32, PortRequest.from(vhost("a").put("queues", 32), BASE).queues());
        assertEquals("params.queues: expected an integer 1..32, got 0", refused(vhost("a").put("queues", 0)).getMessage());
        assertEquals("params.queues: expected an integer 1..32, got \"two\"",
                refused(vhost("a").put("queues", "two")).getMessage());
        assertEquals(1, PortRequest.from(vhost("a").put("vlan", 1), BASE).vlan());
        assertEquals(4094, PortRequest.from(vhost("a").put("vlan", 4094), BASE).vlan());
        assertNull(PortRequest.from(vhost("a").putNull("vlan"), BASE).vlan(), "vlan null: a trunk port");
        assertEquals("params.vlan: expected an integer 1..4094, got 0", refused(vhost("a").put("vlan", 0)).getMessage());
        assertEquals("params.vlan: expected an integer 1..4094, got 4095", refused(vhost("a").put("vlan", 4095)).getMessage());
        assertEquals("params.vlan: expected an integer 1..4094, got 10000000000",
                refused(vhost("a").put("vlan", 10_000_000_000L)).getMessage());
        assertEquals("params.vlan: expected an integer 1..4094, got \"10\"", refused(vhost("a").put("vlan", "10")).getMessage());
    }

    @Test
    void macMustBeAWellFormedUnicastAddress() throws Exception {
        assertEquals("00:1b:21:00:00:01", PortRequest.from(vhost("a").put("mac", "00:1B:21:00:00:01"), BASE).mac());
        for (String bad : new String[] {"02:00:00:00:00", "02-00-00-00-00-01", "0200.0000.0001", "02:00:00:00:00:0g",
                "02:00:00:00:00:01:02", "2:0:0:0:0:1"}) {
            assertTrue(refused(vhost("a").put("mac", bad)).getMessage()
                    .startsWith("params.mac: expected a MAC address xx:xx:xx:xx:xx:xx, got"), bad);
        }
        assertEquals("params.mac: 01:00:5e:00:00:01 is a multicast address, expected a unicast MAC (first octet even, e.g."
                + " 02:00:00:00:00:01)", refused(vhost("a").put("mac", "01:00:5E:00:00:01")).getMessage());
        assertTrue(refused(vhost("a").put("mac", "33:33:00:00:00:01")).getMessage().contains("multicast"));
        assertTrue(refused(vhost("a").put("mac", "FF:FF:FF:FF:FF:FF")).getMessage()
                .startsWith("params.mac: ff:ff:ff:ff:ff:ff is a broadcast address"));
        assertTrue(refused(vhost("a").put("mac", "00:00:00:00:00:00")).getMessage().startsWith("params.mac: 00:00:00:00:00:00"));
    }

    @Test
    void unknownParamsAreRefusedSoTyposNeverPass() {
        RpcError e = refused(vhost("a").put("vlna", 10));
        assertEquals("params.vlna: unknown parameter (expected name, type, path, iface, queues, vlan, mac, owner, mode)", e.getMessage());
        assertEquals("vlna", e.param());
    }

    @Test
    void paramsMustBeAnObject() {
        assertEquals("params: expected an object (parameters by name), got an array",
                assertThrows(RpcError.class, () -> PortRequest.from(JsonRpc.MAPPER.createArrayNode(), BASE)).getMessage());
        assertTrue(assertThrows(RpcError.class, () -> PortRequest.from((ObjectNode) null, BASE)).getMessage()
                .startsWith("params.name: missing"));
    }

    @Test
    void toParamsRoundTrips() throws Exception {
        PortRequest r = PortRequest.from(vhost("vm0").put("queues", 2).put("vlan", 7).put("mac", "02:00:00:00:00:09"), BASE);
        assertEquals(r, PortRequest.from(r.toParams(), BASE));
        PortRequest t = PortRequest.from(tap("vsw0"), BASE);
        assertEquals(t, PortRequest.from(t.toParams(), BASE));
        assertEquals("{\"name\":\"t0\",\"type\":\"tap\",\"iface\":\"vsw0\",\"queues\":1}", t.toParams().toString());
    }

    @Test
    void socketPathIsAbsoluteAgainstTheWorkingDirectory() throws Exception {
        PortRequest r = PortRequest.from(vhost("a").put("path", "vm0.sock"));
        assertEquals(Path.of("").toAbsolutePath().resolve("vm0.sock"), r.socketPath());
        assertNull(PortRequest.from(tap("x"), BASE).socketPath());
    }

    @Test
    void portTypeSerialisesByWireName() throws Exception {
        assertEquals("\"af_packet\"", JsonRpc.MAPPER.writeValueAsString(PortType.AF_PACKET));
        assertNull(PortType.fromWire("AF_PACKET"));
    }

    @Test
    void portInfoIsWrittenWithTheProtocolsNames() throws Exception {
        PortRequest r = PortRequest.from(vhost("vm0").put("path", "vm0.sock").put("vlan", 10), BASE);
        PortInfo p = PortInfo.of(r, 0, true, List.of(new PortInfo.RxQueue(0, 1, 1, true)));
        String abs = Path.of("vm0.sock").toAbsolutePath().toString();
        assertEquals("{\"name\":\"vm0\",\"type\":\"vhost-user\",\"path\":\"" + abs + "\",\"iface\":null,\"queues\":1,"
                + "\"vlan\":10,\"mac\":null,\"port_id\":0,\"link\":\"up\",\"rxqs\":[{\"queue\":0,\"lcore\":1,\"cpu\":1,"
                + "\"enabled\":true}]}", JsonRpc.MAPPER.writeValueAsString(p));
        PortInfo t = PortInfo.of(PortRequest.from(tap("vsw0"), BASE), 1, false, List.of());
        assertEquals(PortInfo.DOWN, t.link());
        assertNull(t.path());
        assertNull(t.vlan());
    }

    @Test
    void ownerAndModeGoWithAServerSocketOnly() throws Exception {
        PortRequest r = PortRequest.from(vhost("a").put("owner", "107:108").put("mode", "0660"));
        assertEquals("107:108", r.owner());
        assertEquals(0660, r.mode());
        assertEquals("0660", r.toParams().get("mode").asText());
        assertEquals(r, PortRequest.from(r.toParams()));
        assertEquals(0600, PortRequest.from(vhost("a").put("mode", "600")).mode());
        assertTrue(refused(vhost("a").put("owner", "qemu")).getMessage().startsWith("params.owner: expected UID:GID"));
        assertTrue(refused(vhost("a").put("owner", "1:99999999999")).getMessage().startsWith("params.owner:"));
        assertTrue(refused(vhost("a").put("mode", "0669")).getMessage().startsWith("params.mode: expected octal"));
        assertTrue(refused(vhost("a").put("mode", "07777")).getMessage().startsWith("params.mode:"));
        assertTrue(refused(vhost("a").put("type", "vhost-user-client").put("mode", "0660")).getMessage()
                .startsWith("params.mode: only for type vhost-user"));
    }
}
