package io.vswitch.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The network configuration, the environment and the naming, without a switch. */
class CniConfigTest {
    static ObjectNode config() throws Exception {
        return (ObjectNode) Json.MAPPER.readTree("""
                {"cniVersion":"1.1.0","name":"dpdk-net","type":"vswitch-cni","ctl":"/run/vswitch/vswitch.ctl",
                 "sharedDir":"/var/lib/vswitch/sockets",
                 "host":{"engine":"vswitch","iftype":"vhostuser","netType":"bridge","vhost":{"mode":"client"},
                         "bridge":{"bridgeName":"br-4","vlanId":10},"queues":2},
                 "container":{"engine":"vswitch","iftype":"vhostuser","netType":"interface","vhost":{"mode":"server"}},
                 "kubeconfig":"/etc/cni/net.d/multus.d/multus.kubeconfig","logLevel":"debug",
                 "runtimeConfig":{"CNIDeviceInfoFile":"/var/run/k8s.cni.cncf.io/devinfo/cni/abc-net1"}}
                """);
    }

    static CniError error(JsonNode cfg) {
        return assertThrows(CniError.class, () -> CniConfig.parse(cfg));
    }

    /** code and the field the message starts with */
    static void refused(JsonNode cfg, int code, String field) {
        CniError e = error(cfg);
        assertEquals(code, e.code(), e.msg());
        assertTrue(e.msg().startsWith(field + ": "), e.msg());
        assertTrue(e.toJson("1.1.0").has("details") || e.details().isEmpty());
    }

    @Test
    void aUserspaceStyleConfigurationIsRead() throws Exception {
        CniConfig c = CniConfig.parse(config());
        assertEquals("1.1.0", c.cniVersion());
        assertEquals("dpdk-net", c.name());
        assertEquals(Path.of("/run/vswitch/vswitch.ctl"), c.ctl());
        assertEquals(Path.of("/var/lib/vswitch/sockets"), c.sharedDir());
        assertEquals(Path.of(CniConfig.DEFAULT_STATE_DIR), c.stateDir());
        assertEquals(CniConfig.VhostMode.CLIENT, c.switchMode());
        assertEquals("vhost-user-client", c.switchMode().portType());
        assertEquals(10, c.vlan());
        assertEquals(2, c.queues());
        assertEquals(Path.of("/var/run/k8s.cni.cncf.io/devinfo/cni/abc-net1"), c.deviceInfoFile());
        assertNull(c.prevResult());
        assertNull(c.validAttachments());
    }

    @Test
    void defaults() throws Exception {
        CniConfig c = CniConfig.parse(Json.MAPPER.readTree("""
                {"cniVersion":"0.3.1","name":"n","type":"vswitch-cni","host":{"engine":"vswitch","iftype":"vhostuser"}}"""));
        assertEquals(Path.of("/run/vswitch/vswitch.ctl"), c.ctl());
        assertEquals(Path.of("/var/lib/vswitch/sockets"), c.sharedDir());
        assertEquals(CniConfig.VhostMode.CLIENT, c.switchMode());
        assertNull(c.vlan());
        assertEquals(1, c.queues());
        assertNull(c.deviceInfoFile());
    }

    @Test
    void serverModeAndVlanZeroIsATrunk() throws Exception {
        ObjectNode cfg = config();
        ((ObjectNode) cfg.get("host").get("vhost")).put("mode", "server");
        ((ObjectNode) cfg.get("host").get("bridge")).put("vlanId", 0);
        cfg.remove("container");
        CniConfig c = CniConfig.parse(cfg);
        assertEquals("vhost-user", c.switchMode().portType());
        assertNull(c.vlan());
    }

    @Test
    void everyBadFieldIsNamed() throws Exception {
        ObjectNode c;
        c = config(); c.remove("cniVersion"); refused(c, 7, "cniVersion");
        c = config(); c.put("cniVersion", "0.2.0"); refused(c, 1, "cniVersion");
        c = config(); c.put("cniVersion", "2.0.0"); refused(c, 1, "cniVersion");
        c = config(); c.remove("name"); refused(c, 7, "name");
        c = config(); c.put("name", "-x"); refused(c, 7, "name");
        c = config(); c.remove("type"); refused(c, 7, "type");
        c = config(); c.put("ctl", "relative.ctl"); refused(c, 7, "ctl");
        c = config(); c.put("ctl", "/" + "c".repeat(120)); refused(c, 7, "ctl");
        c = config(); c.put("sharedDir", 5); refused(c, 7, "sharedDir");
        c = config(); c.put("stateDir", "x"); refused(c, 7, "stateDir");
        c = config(); c.remove("host"); refused(c, 7, "host");
        c = config(); c.put("host", "vswitch"); refused(c, 7, "host");
        c = config(); ((ObjectNode) c.get("host")).remove("engine"); refused(c, 7, "host.engine");
        c = config(); ((ObjectNode) c.get("host")).put("engine", "ovs-dpdk"); refused(c, 7, "host.engine");
        c = config(); ((ObjectNode) c.get("host")).remove("iftype"); refused(c, 7, "host.iftype");
        c = config(); ((ObjectNode) c.get("host")).put("iftype", "memif"); refused(c, 7, "host.iftype");
        c = config(); ((ObjectNode) c.get("host")).put("netType", "interface"); refused(c, 2, "host.netType");
        c = config(); ((ObjectNode) c.get("host")).putObject("memif").put("role", "master"); refused(c, 2, "host.memif");
        c = config(); ((ObjectNode) c.get("host").get("vhost")).put("mode", "both"); refused(c, 7, "host.vhost.mode");
        c = config(); ((ObjectNode) c.get("host").get("vhost")).put("socketfile", "x"); refused(c, 2, "host.vhost.socketfile");
        c = config(); ((ObjectNode) c.get("host").get("bridge")).put("vlanId", 4095); refused(c, 7, "host.bridge.vlanId");
        c = config(); ((ObjectNode) c.get("host").get("bridge")).put("vlanId", "10"); refused(c, 7, "host.bridge.vlanId");
        c = config(); ((ObjectNode) c.get("host")).put("queues", 0); refused(c, 7, "host.queues");
        c = config(); ((ObjectNode) c.get("host")).put("queues", 33); refused(c, 7, "host.queues");
        c = config(); ((ObjectNode) c.get("container").get("vhost")).put("mode", "client"); refused(c, 7, "container.vhost.mode");
        c = config(); ((ObjectNode) c.get("container")).put("iftype", "memif"); refused(c, 7, "container.iftype");
        c = config(); ((ObjectNode) c.get("runtimeConfig")).put("CNIDeviceInfoFile", "rel"); refused(c, 7,
                "runtimeConfig.CNIDeviceInfoFile");
        c = config(); c.put("prevResult", "x"); refused(c, 7, "prevResult");
        c = config(); c.putArray("cni.dev/valid-attachments").addObject().put("containerID", "a");
        refused(c, 7, "cni.dev/valid-attachments");
        c = config(); c.putObject("ipam").put("subnet", "10.0.0.0/24"); refused(c, 7, "ipam.type");
        c = config(); c.putObject("ipam").put("type", "../x"); refused(c, 7, "ipam.type");
        c = config(); c.put("ipam", "host-local"); refused(c, 7, "ipam");
        assertEquals(CniError.DECODE, error(Json.MAPPER.readTree("[1]")).code());
    }

    @Test
    void anUnsupportedFieldGivesItsKeyAndValue() throws Exception {
        ObjectNode c = config();
        ((ObjectNode) c.get("host")).put("netType", "interface");
        CniError e = error(c);
        assertEquals(CniError.UNSUPPORTED_FIELD, e.code());
        assertTrue(e.msg().contains("host.netType") && e.msg().contains("\"interface\""), e.msg());
    }

    @Test
    void validAttachmentsAreRead() throws Exception {
        ObjectNode c = config();
        c.putArray("cni.dev/valid-attachments").addObject().put("containerID", "abc").put("ifname", "net1");
        assertEquals(List.of(new CniConfig.AttachmentId("abc", "net1")), CniConfig.parse(c).validAttachments());
    }

    @Test
    void versions() throws Exception {
        assertTrue(CniConfig.compareVersions("1.1.0", "0.4.0") > 0);
        assertTrue(CniConfig.compareVersions("0.3.1", "0.4.0") < 0);
        assertEquals(0, CniConfig.compareVersions("1.0.0", "1.0.0"));
        assertEquals("1.1.0", CniConfig.parseVersion(null));
        assertEquals("0.4.0", CniConfig.parseVersion(Json.MAPPER.readTree("{\"cniVersion\":\"0.4.0\"}")));
        assertEquals(1, assertThrows(CniError.class, () -> CniConfig.parseVersion(Json.MAPPER.readTree(
                "{\"cniVersion\":\"9.9.9\"}"))).code());
        assertEquals("0.4.0", CniConfig.versionOf(Json.MAPPER.readTree("{\"cniVersion\":\"0.4.0\"}")));
        assertEquals("1.1.0", CniConfig.versionOf(Json.MAPPER.readTree("{\"cniVersion\":\"7\"}")));
    }

    // ------------------------------------------------------------------ environment

    static Map<String, String> env(String... kv) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static void envRefused(Map<String, String> env, String variable) {
        CniError e = assertThrows(CniError.class, () -> CniEnv.from(env));
        assertEquals(CniError.INVALID_ENV, e.code(), e.msg());
        assertTrue(e.msg().startsWith(variable + ": "), e.msg());
    }

    @Test
    void environment() throws Exception {
        CniEnv e = CniEnv.from(env("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "0123456789abcdef", "CNI_NETNS",
                "/run/netns/p", "CNI_IFNAME", "net1", "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=pod-a;K8S_POD_UID=",
                "CNI_PATH", "/opt/cni/bin"));
        assertEquals(CniEnv.Command.ADD, e.command());
        assertEquals("pod-a", e.args().get("K8S_POD_NAME"));
        assertEquals("", e.args().get("K8S_POD_UID"));
        assertEquals("/opt/cni/bin", e.path());
        CniEnv del = CniEnv.from(env("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c", "CNI_IFNAME", "net1"));
        assertNull(del.netns(), "DEL needs no CNI_NETNS");
        assertEquals(CniEnv.Command.VERSION, CniEnv.from(env("CNI_COMMAND", "VERSION")).command());
        assertEquals(CniEnv.Command.GC, CniEnv.from(env("CNI_COMMAND", "GC")).command());

        envRefused(env(), "CNI_COMMAND");
        envRefused(env("CNI_COMMAND", "add"), "CNI_COMMAND");
        envRefused(env("CNI_COMMAND", "FOO"), "CNI_COMMAND");
        envRefused(env("CNI_COMMAND", "ADD", "CNI_NETNS", "/n", "CNI_IFNAME", "net1"), "CNI_CONTAINERID");
        envRefused(env("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "_x", "CNI_NETNS", "/n", "CNI_IFNAME", "net1"),
                "CNI_CONTAINERID");
        envRefused(env("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c", "CNI_NETNS", "/n"), "CNI_IFNAME");
        envRefused(env("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c", "CNI_NETNS", "/n", "CNI_IFNAME", "a-very-long-ifname"),
                "CNI_IFNAME");
        envRefused(env("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c", "CNI_NETNS", "/n", "CNI_IFNAME", "net@1"),
                "CNI_IFNAME");
        envRefused(env("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c", "CNI_IFNAME", "net1"), "CNI_NETNS");
        envRefused(env("CNI_COMMAND", "CHECK", "CNI_CONTAINERID", "c", "CNI_IFNAME", "net1"), "CNI_NETNS");
        envRefused(env("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c", "CNI_IFNAME", "net1", "CNI_ARGS", "novalue"),
                "CNI_ARGS");
    }

    // ------------------------------------------------------------------ naming

    @Test
    void namesAreTwelveCharactersOfTheContainerIdAndTheIfname() throws Exception {
        CniConfig c = CniConfig.parse(config());
        String id = "0958c8871b32a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a";
        Attachment a = Attachment.of(c, id, "net1");
        assertEquals("0958c8871b32-net1", a.portName());
        assertEquals(Path.of("/var/lib/vswitch/sockets/0958c8871b32-net1"), a.socket());
        assertEquals(Path.of(CniConfig.DEFAULT_STATE_DIR, "dpdk-net", id + "-net1.json"), a.stateFile());
        assertEquals("short-eth0", Attachment.portName("short", "eth0"));
        String longest = Attachment.portName(id, "a23456789012345");
        assertEquals(28, longest.length());
        assertTrue(io.vswitch.ctl.PortRequest.isValidName(longest));
    }

    @Test
    void aSocketPathOverTheUnixLimitNamesSharedDir() throws Exception {
        ObjectNode cfg = config();
        cfg.put("sharedDir", "/" + "d".repeat(90));
        CniConfig c = CniConfig.parse(cfg);
        Attachment.of(c, "abc", "n");                               // 91 + 1 + 5 bytes: fits
        CniError e = assertThrows(CniError.class, () -> Attachment.of(c, "0123456789abcdef", "net"));
        assertEquals(7, e.code());
        assertTrue(e.msg().startsWith("sharedDir: the socket path /ddd"), e.msg());
        assertTrue(e.msg().contains("108 bytes"), e.msg());
    }
}
