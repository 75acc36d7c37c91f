package io.vswitch.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CniCommand#run} in process, without a switch: the result and error objects as a runtime
 * reads them (parsed with Jackson), the exit statuses, and the paths that need no switch (VERSION,
 * STATUS/ADD/DEL/GC when none answers).
 */
class CniCommandTest {
    @TempDir Path tmp;

    record Out(int status, String stdout, String stderr) {
        JsonNode json() throws Exception {
            return Json.MAPPER.readTree(stdout);
        }
    }

    static Out run(Map<String, String> env, String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CniCommand.run(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Out(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Map<String, String> env(String command) {
        Map<String, String> e = new HashMap<>();
        e.put("CNI_COMMAND", command);
        e.put("CNI_CONTAINERID", "0123456789abcdef0123");
        e.put("CNI_NETNS", tmp.toString());            // exists: a netns path stands in
        e.put("CNI_IFNAME", "net1");
        e.put("CNI_PATH", "/opt/cni/bin");
        return e;
    }

    ObjectNode config() throws Exception {
        ObjectNode c = CniConfigTest.config();
        c.put("ctl", tmp.resolve("nobody.ctl").toString());
        c.put("sharedDir", tmp.toString());
        c.put("stateDir", tmp.resolve("state").toString());
        c.remove("runtimeConfig");
        return c;
    }

    /** A spec error object: exactly cniVersion, code, msg, details; the status is the code. */
    static JsonNode assertError(Out o, int code, String msgStart) throws Exception {
        JsonNode j = o.json();
        assertEquals(List.of("cniVersion", "code", "msg", "details"), fields(j), o.stdout);
        assertEquals(code, j.get("code").asInt(), o.stdout);
        assertTrue(j.get("msg").asText().startsWith(msgStart), o.stdout);
        assertFalse(j.get("details").asText().isEmpty());
        assertEquals(code, o.status);
        assertEquals(1, o.stdout.strip().lines().count(), "one JSON line on stdout");
        assertTrue(o.stderr.startsWith("vswitch-cni: "), o.stderr);
        return j;
    }

    static List<String> fields(JsonNode j) {
        List<String> f = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(f::add);
        return f;
    }

    @Test
    void versionListsTheSupportedVersionsInTheCallersVersion() throws Exception {
        Out o = run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"0.4.0\"}");
        assertEquals(0, o.status);
        JsonNode j = o.json();
        assertEquals("0.4.0", j.get("cniVersion").asText());
        assertEquals(List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"),
                Json.MAPPER.convertValue(j.get("supportedVersions"), List.class));
        assertEquals("1.1.0", run(Map.of("CNI_COMMAND", "VERSION"), "").json().get("cniVersion").asText());
        assertError(run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"0.1.0\"}"), 1, "cniVersion:");
    }

    @Test
    void errorsAreTheSpecsObjectWithItsCode() throws Exception {
        assertError(run(Map.of(), "{}"), 4, "CNI_COMMAND:");
        assertError(run(env("ADD"), ""), 6, "no network configuration");
        assertError(run(env("ADD"), "{\"cniVersion\":"), 6, "the network configuration on stdin is not JSON");
        assertError(run(env("ADD"), "{\"cniVersion\":\"1.1.0\",\"cniVersion\":\"1.0.0\"}"), 6, "the network");
        ObjectNode c = config();
        ((ObjectNode) c.get("host")).put("engine", "vpp");
        JsonNode j = assertError(run(env("ADD"), c.toString()), 7, "host.engine: unknown engine \"vpp\"");
        assertEquals("1.1.0", j.get("cniVersion").asText());
        c = config();
        c.put("cniVersion", "0.4.0");
        c.remove("name");
        assertEquals("0.4.0", assertError(run(env("ADD"), c.toString()), 7, "name: missing").get("cniVersion").asText(),
                "the error speaks the configuration's version");
        Map<String, String> e = env("ADD");
        e.remove("CNI_CONTAINERID");
        assertError(run(e, config().toString()), 4, "CNI_CONTAINERID:");
        e = env("ADD");
        e.put("CNI_NETNS", tmp.resolve("no-such-netns").toString());
        assertError(run(e, config().toString()), 4, "CNI_NETNS:");
        c = config();
        c.put("sharedDir", tmp.resolve("missing").toString());
        assertError(run(env("ADD"), c.toString()), 7, "sharedDir: ");
        c = config();
        c.put("sharedDir", "/" + "s".repeat(100));
        assertError(run(env("ADD"), c.toString()), 7, "sharedDir: the socket path");
    }

    @Test
    void withNoSwitchAddFailsNamingCtlAndLeavesNothing() throws Exception {
        assertError(run(env("ADD"), config().toString()), 11, "ctl: the switch at " + tmp.resolve("nobody.ctl"));
        assertFalse(Files.exists(tmp.resolve("state")), "no record");
        assertFalse(Files.exists(tmp.resolve("0123456789ab-net1")), "no socket");
    }

    @Test
    void statusFailsWithFiftyWhenTheSwitchDoesNotAnswer() throws Exception {
        assertError(run(Map.of("CNI_COMMAND", "STATUS"), config().toString()), 50, "ctl: the switch at ");
        ObjectNode c = config();
        c.put("cniVersion", "1.0.0");
        assertError(run(Map.of("CNI_COMMAND", "STATUS"), c.toString()), 1, "cniVersion: STATUS needs 1.1.0");
    }

    @Test
    void delSucceedsWithoutASwitchAndKeepsTheRecordForGc() throws Exception {
        Path rec = tmp.resolve("state/dpdk-net/0123456789abcdef0123-net1.json");
        Files.createDirectories(rec.getParent());
        Files.writeString(rec, "{}");
        Out o = run(env("DEL"), config().toString());
        assertEquals(0, o.status, o.stdout + o.stderr);
        assertEquals("", o.stdout, "DEL prints nothing on success");
        assertTrue(Files.exists(rec), "kept for GC");
        assertTrue(o.stderr.contains("for GC"), o.stderr);
    }

    @Test
    void gcAndCheckNeedTheirVersionsAndFields() throws Exception {
        ObjectNode c = config();
        assertError(run(Map.of("CNI_COMMAND", "GC"), c.toString()), 7, "cni.dev/valid-attachments: missing");
        c.putArray("cni.dev/valid-attachments");
        Out o = run(Map.of("CNI_COMMAND", "GC"), c.toString());
        assertEquals(0, o.status, "nothing recorded: nothing to do, no switch needed: " + o.stdout);
        c.put("cniVersion", "1.0.0");
        assertError(run(Map.of("CNI_COMMAND", "GC"), c.toString()), 1, "cniVersion: GC needs 1.1.0");
        c = config();
        assertError(run(env("CHECK"), c.toString()), 7, "prevResult: missing");
        c.put("cniVersion", "0.3.1");
        assertError(run(env("CHECK"), c.toString()), 1, "cniVersion: CHECK needs 0.4.0");
    }

    @Test
    void resultShapes() throws Exception {
        CniEnv e = CniEnv.from(env("ADD"));
        CniConfig cfg = CniConfig.parse(config());
        Attachment a = Attachment.of(cfg, e.containerId(), e.ifname());
        JsonNode r = CniPlugin.result(cfg, e, a, "56:48:4f:53:54:01", null);
        assertEquals("1.1.0", r.get("cniVersion").asText());
        JsonNode i = r.get("interfaces").get(0);
        assertEquals(List.of("name", "mac", "sandbox", "socketPath"), fields(i));
        assertEquals("net1", i.get("name").asText());
        assertEquals("56:48:4f:53:54:01", i.get("mac").asText());
        assertEquals(tmp.toString(), i.get("sandbox").asText());
        assertEquals(tmp.resolve("0123456789ab-net1").toString(), i.get("socketPath").asText());

        ObjectNode old = config();
        old.put("cniVersion", "0.4.0");
        JsonNode r040 = CniPlugin.result(CniConfig.parse(old), e, a, "56:48:4f:53:54:01", null);
        assertFalse(r040.get("interfaces").get(0).has("socketPath"), "socketPath is CNI 1.1");

        ObjectNode chained = config();
        chained.set("prevResult", Json.MAPPER.readTree("{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
                + "\"ips\":[{\"address\":\"10.1.0.5/16\",\"interface\":0}]}"));
        JsonNode rc = CniPlugin.result(CniConfig.parse(chained), e, a, "56:48:4f:53:54:01", null);
        assertEquals(2, rc.get("interfaces").size(), "prevResult passed through, ours added");
        assertEquals("10.1.0.5/16", rc.get("ips").get(0).get("address").asText());

        JsonNode di = CniPlugin.deviceInfo(cfg, a);
        assertEquals(Json.MAPPER.readTree("{\"type\":\"vhost-user\",\"version\":\"1.1.0\",\"vhost-user\":{\"mode\":"
                + "\"server\",\"path\":\"" + a.socket() + "\"}}"), di, "host.vhost.mode client: the pod is the server");
    }

    // ------------------------------------------------------------------ IPAM delegation

    ObjectNode withIpam(String fail) throws Exception {
        ObjectNode c = config();
        ObjectNode ipam = c.putObject("ipam").put("type", FakeIpam.TYPE).put("subnet", "10.56.217.0/24");
        if (fail != null) {
            ipam.put("fail", fail);
        }
        return c;
    }

    Map<String, String> ipamEnv(String command) {
        Map<String, String> e = env(command);
        e.put("CNI_PATH", "/nonexistent:" + tmp.resolve("bin"));
        return e;
    }

    @Test
    void ipamIsDelegatedToThePluginInCniPath() throws Exception {
        FakeIpam.install(tmp.resolve("bin"));
        Path bin = tmp.resolve("bin");
        // no switch: ADD fails before allocating anything
        assertError(run(ipamEnv("ADD"), withIpam(null).toString()), 11, "ctl:");
        assertEquals(List.of(), FakeIpam.calls(bin), "no address taken when the switch is away");
        // DEL releases the address even when the switch is away
        assertEquals(0, run(ipamEnv("DEL"), withIpam(null).toString()).status);
        assertEquals(List.of("DEL 0123456789abcdef0123"), FakeIpam.calls(bin));
        // an IPAM error is passed on with its code, after ours is done
        JsonNode j = assertError(run(ipamEnv("DEL"), withIpam("DEL").toString()), 11, "ipam: fake-ipam DEL failed:"
                + " pool exhausted");
        assertEquals("fake-ipam fails DEL", j.get("details").asText());
        // GC is forwarded; its failure is reported
        ObjectNode gc = withIpam(null);
        gc.putArray("cni.dev/valid-attachments");
        assertEquals(0, run(Map.of("CNI_COMMAND", "GC", "CNI_PATH", bin.toString()), gc.toString()).status);
        assertTrue(FakeIpam.calls(bin).contains("GC -"), FakeIpam.calls(bin).toString());
        gc = withIpam("GC");
        gc.putArray("cni.dev/valid-attachments");
        assertError(run(Map.of("CNI_COMMAND", "GC", "CNI_PATH", bin.toString()), gc.toString()), 100, "GC: 1 problem");
        // a missing IPAM plugin names ipam.type; a missing CNI_PATH names it
        Map<String, String> e = ipamEnv("DEL");
        e.put("CNI_PATH", tmp.resolve("empty").toString());
        assertError(run(e, withIpam(null).toString()), 7, "ipam.type: no executable \"fake-ipam\" in CNI_PATH");
        e.remove("CNI_PATH");
        assertError(run(e, withIpam(null).toString()), 4, "CNI_PATH: not set");
    }

    @Test
    void ipamAddressesGoOnTheInterface() throws Exception {
        CniEnv e = CniEnv.from(env("ADD"));
        CniConfig cfg = CniConfig.parse(config());
        Attachment a = Attachment.of(cfg, e.containerId(), e.ifname());
        JsonNode addresses = Json.MAPPER.readTree("{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.1.0.7/24\","
                + "\"gateway\":\"10.1.0.1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{\"nameservers\":[\"10.1.0.1\"]}}");
        JsonNode r = CniPlugin.result(cfg, e, a, "56:48:4f:53:54:01", addresses);
        assertEquals(Json.MAPPER.readTree("[{\"address\":\"10.1.0.7/24\",\"gateway\":\"10.1.0.1\",\"interface\":0}]"),
                r.get("ips"));
        assertEquals("0.0.0.0/0", r.get("routes").get(0).get("dst").asText());
        assertEquals("10.1.0.1", r.get("dns").get("nameservers").get(0).asText());
        assertEquals(List.of("cniVersion", "interfaces", "ips", "routes", "dns"), fields(r));
    }

    @Test
    void helpFromTheLauncherAsAUserRunsIt() throws Exception {
        Process p = new ProcessBuilder(io.vswitch.testutil.Dpdk.java("io.vswitch.cni.CniCommand", List.of("--help")))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("Usage: vswitch-cni"), out);
        assertEquals(CniCommand.USAGE, out);
    }
}
