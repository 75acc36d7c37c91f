package io.vswitch.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * vswitchctl in-process against a ControlServer with a fake switch: the request each subcommand sends,
 * its human and --json output, and the exit code and one-line message of each kind of failure.
 */
@Timeout(30)
class VswitchctlCommandTest {
    @TempDir
    Path dir;
    Path sock;
    ControlServer server;
    /** "method params" of every request the fake switch received. */
    final List<String> received = new ArrayList<>();

    record Result(int code, String out, String err) {}

    static final ObjectNode PORT_LIST = (ObjectNode) json("""
            {"ports":[
             {"name":"vm0","type":"vhost-user","path":"/tmp/vm0.sock","iface":null,"queues":2,"vlan":10,
              "mac":"02:00:00:00:00:01","port_id":0,"link":"up",
              "rxqs":[{"queue":0,"lcore":1,"cpu":1,"enabled":true},{"queue":1,"lcore":2,"cpu":3,"enabled":false}]},
             {"name":"tap0","type":"tap","iface":"vsw0","queues":1,"port_id":1,"link":"down",
              "rxqs":[{"queue":0,"lcore":1,"cpu":1,"enabled":true}]}]}""");
    static final ObjectNode STATS = (ObjectNode) json("""
            {"mbufs_in_use":1234,"mbufs":16383,"ports":[
             {"name":"vm0","rx_packets":1000,"rx_bytes":64000,"tx_packets":990,"tx_bytes":63360,"flooded":12,"learned":2,
              "drops":{"runt":1,"bad_source":0,"hairpin":0,"vlan":0,"tx_full":9,"new_reason":4}},
             {"name":"tap0","rx_packets":5,"rx_bytes":300,"tx_packets":0,"tx_bytes":0,"flooded":5,"learned":1,
              "drops":{"runt":0,"tx_full":0}}]}""");
    static final ObjectNode FDB = (ObjectNode) json("""
            {"capacity":8192,"entries":2,"learn_failures":0,"max_age_s":300,"fdb":[
             {"port":"vm0","vlan":0,"mac":"02:00:00:00:00:01","age_s":3},
             {"port":"tap0","vlan":10,"mac":"0a:1b:2c:3d:4e:5f","age_s":120}]}""");

    static JsonNode json(String s) {
        try {
            return JsonRpc.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void fakeSwitch() {
        sock = dir.resolve("sw.ctl");
        JsonRpc rpc = new JsonRpc();
        rpc.register("ping", p -> record("ping", p, "pong"));
        rpc.register("version", p -> record("version", p,
                JsonRpc.MAPPER.createObjectNode().put("version", "vswitch 0.9").put("protocol", 1)));
        rpc.register("port.add", p -> {
            PortInfo port = PortInfo.of(PortRequest.from(p), 2, false, List.of(new PortInfo.RxQueue(0, 1, 1, true)));
            return record("port.add", p, port);
        });
        rpc.register("port.del", p -> {
            String n = p.only("name").portName("name");
            record("port.del", p, null);
            if (!n.equals("vm0")) {
                throw RpcError.noSuchPort(n);
            }
            return JsonRpc.MAPPER.createObjectNode().put("name", n).put("removed", true);
        });
        rpc.register("port.list", p -> record("port.list", p, PORT_LIST));
        rpc.register("port.stats", p -> {
            String n = p.only("name").optPortName("name");
            ObjectNode s = STATS.deepCopy();
            if (n != null) {
                ArrayNode only = JsonRpc.MAPPER.createArrayNode();
                s.get("ports").forEach(x -> {
                    if (x.get("name").asText().equals(n)) only.add(x);
                });
                s.set("ports", only);
            }
            return record("port.stats", p, s);
        });
        rpc.register("fdb.show", p -> record("fdb.show", p, FDB));
        rpc.register("pmd.stats", p -> record("pmd.stats", p, PMD));
        rpc.register("fdb.flush", p -> record("fdb.flush", p, JsonRpc.MAPPER.createObjectNode().put("flushed", 3)));
        rpc.register("boom", p -> {
            throw new IllegalStateException("x");
        });
        rpc.onInternalError((m, t) -> {});
        server = ControlServer.start(sock, rpc, l -> {});
    }

    Object record(String method, Params p, Object result) {
        synchronized (received) {
            received.add(method + " " + p);
        }
        return result;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Runs vswitchctl --ctl SOCK ARGS... */
    Result run(String... args) {
        List<String> all = new ArrayList<>(List.of("--ctl", sock.toString()));
        all.addAll(List.of(args));
        return runRaw(all.toArray(String[]::new));
    }

    static Result runRaw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VswitchctlCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    static void assertOk(Result r) {
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
    }

    /** A failure: the exit code, exactly one line on stderr, nothing on stdout. */
    static void assertFails(int code, String errLine, Result r) {
        assertEquals(code, r.code(), r.toString());
        assertEquals(errLine + "\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void addPortSendsTheValidatedParams() {
        Result r = run("add-port", "vm1", "--type", "vhost-user", "--path", "/tmp/vm1.sock", "--queues", "2", "--vlan",
                "10", "--mac", "02:00:00:00:00:AA");
        assertOk(r);
        assertEquals(List.of("port.add {\"name\":\"vm1\",\"type\":\"vhost-user\",\"path\":\"/tmp/vm1.sock\",\"queues\":2,"
                + "\"vlan\":10,\"mac\":\"02:00:00:00:00:AA\"}"), received);
        assertEquals("added port vm1 (vhost-user, socket /tmp/vm1.sock, vlan 10, port 2, link down)\n", r.out());
    }

    @Test
    void addPortOwnerAndModeOfTheSocket() {
        assertOk(run("add-port", "vm1", "--type", "vhost-user", "--path", "/tmp/vm1.sock", "--owner", "107:107", "--mode",
                "0660"));
        assertEquals(List.of("port.add {\"name\":\"vm1\",\"type\":\"vhost-user\",\"path\":\"/tmp/vm1.sock\","
                + "\"owner\":\"107:107\",\"mode\":\"0660\"}"), received);
        assertFails(2, "vswitchctl: --mode: only for type vhost-user (the switch creates that socket; a vhost-user-client"
                + " port's socket belongs to the guest) (see vswitchctl add-port --help)", run("add-port", "vm2", "--type",
                "vhost-user-client", "--path", "/tmp/vm2.sock", "--mode", "0660"));
        assertFails(2, "vswitchctl: --owner: expected UID:GID, two numbers (e.g. 107:107 for QEMU's user), got \"qemu\""
                + " (see vswitchctl add-port --help)", run("add-port", "vm2", "--type", "vhost-user", "--path",
                "/tmp/vm2.sock", "--owner", "qemu"));
    }

    @Test
    void addPortTapWithJson() {
        Result r = run("add-port", "t0", "--type", "tap", "--iface", "vsw0", "--json");
        assertOk(r);
        assertEquals(List.of("port.add {\"name\":\"t0\",\"type\":\"tap\",\"iface\":\"vsw0\"}"), received.subList(0, 1));
        assertEquals("{\"name\":\"t0\",\"type\":\"tap\",\"path\":null,\"iface\":\"vsw0\",\"queues\":1,\"vlan\":null,"
                + "\"mac\":null,\"port_id\":2,\"link\":\"down\",\"rxqs\":[{\"queue\":0,\"lcore\":1,\"cpu\":1,\"enabled\":true}]}\n",
                r.out());
        assertEquals("added port t0 (tap, interface vsw0, trunk, port 2, link down)\n",
                run("add-port", "t0", "--type", "tap", "--iface", "vsw0").out(), "nulls read as absent");
    }

    @Test
    void aRelativePathIsSentAbsoluteAgainstTheUsersDirectory() {
        assertOk(run("add-port", "vm1", "--type", "vhost-user-client", "--path", "vm1.sock"));
        String abs = Path.of("vm1.sock").toAbsolutePath().toString();
        assertEquals(List.of("port.add {\"name\":\"vm1\",\"type\":\"vhost-user-client\",\"path\":\"" + abs + "\"}"),
                received);
    }

    @Test
    void badArgumentsAreUsageErrorsAndNothingIsSent() {
        assertFails(2, "vswitchctl: --vlan: expected an integer 1..4094, got 5000 (see vswitchctl add-port --help)",
                run("add-port", "vm1", "--type", "vhost-user", "--path", "/tmp/a.sock", "--vlan", "5000"));
        assertFails(2, "vswitchctl: --path: missing, expected the vhost-user socket path (type vhost-user needs one)"
                + " (see vswitchctl add-port --help)", run("add-port", "vm1", "--type", "vhost-user"));
        assertFails(2, "vswitchctl: --path: not allowed for type tap (it takes a kernel interface --iface, no socket)"
                + " (see vswitchctl add-port --help)", run("add-port", "t0", "--type", "tap", "--iface", "vsw0", "--path",
                "/tmp/x"));
        assertFails(2, "vswitchctl: NAME: expected " + PortRequest.NAME_RULE + ", got \"-x\" (see vswitchctl add-port"
                + " --help)", run("add-port", "--type", "tap", "--iface", "vsw0", "--", "-x"));
        assertFails(2, "vswitchctl: --type: expected one of vhost-user, vhost-user-client, tap, af_packet, got \"vhost\""
                + " (see vswitchctl add-port --help)", run("add-port", "a", "--type", "vhost", "--path", "/tmp/x"));
        assertFails(2, "vswitchctl: --mac: 01:00:00:00:00:01 is a multicast address, expected a unicast MAC (first octet"
                + " even, e.g. 02:00:00:00:00:01) (see vswitchctl add-port --help)",
                run("add-port", "a", "--type", "tap", "--iface", "x", "--mac", "01:00:00:00:00:01"));
        assertFails(2, "vswitchctl: Missing required option: '--type=TYPE' (see vswitchctl add-port --help)",
                run("add-port", "a"));
        assertFails(2, "vswitchctl: Invalid value for option '--vlan': 'ten' is not an int (see vswitchctl add-port"
                + " --help)", run("add-port", "a", "--type", "tap", "--iface", "x", "--vlan", "ten"));
        assertFails(2, "vswitchctl: NAME: expected " + PortRequest.NAME_RULE + ", got \"a/b\" (see vswitchctl del-port"
                + " --help)", run("del-port", "a/b"));
        assertFails(2, "vswitchctl: NAME: expected " + PortRequest.NAME_RULE + ", got \"\" (see vswitchctl fdb-flush"
                + " --help)", run("fdb-flush", ""));
        String longCtl = "/" + "c".repeat(106);
        assertFails(2, "vswitchctl: --ctl " + longCtl + " is 107 bytes, longer than the 106 a Java Unix socket path can"
                + " have: use a shorter path (see vswitchctl ping --help)", runRaw("--ctl", longCtl, "ping"));
        assertEquals(List.of(), received);
    }

    @Test
    void usageErrorsOfTheCommandLineItself() {
        assertFails(2, "vswitchctl: a command is required: add-port, del-port, show, stats, fdb-show, fdb-flush,"
                + " pmd-stats, pmd-stats-clear, ping or version (see vswitchctl --help)", run());
        assertFails(2, "vswitchctl: Unmatched argument at index 2: 'shwo' (see vswitchctl --help)", run("shwo"));
        assertEquals(2, run("show", "extra").code());
        assertEquals(List.of(), received);
    }

    @Test
    void delPort() {
        Result r = run("del-port", "vm0");
        assertOk(r);
        assertEquals(List.of("port.del {\"name\":\"vm0\"}"), received);
        assertEquals("removed port vm0\n", r.out());
        assertEquals("{\"name\":\"vm0\",\"removed\":true}\n", run("del-port", "vm0", "--json").out());
    }

    @Test
    void theSwitchsRefusalIsOneLineExit4() {
        assertFails(4, "vswitchctl: no port named vm9", run("del-port", "vm9"));
        assertEquals(List.of("port.del {\"name\":\"vm9\"}"), received);
        assertFails(4, "vswitchctl: no port named vm9", run("del-port", "vm9", "--json"));
    }

    @Test
    void showPrintsEveryPortWithItsQueues() {
        Result r = run("show");
        assertOk(r);
        assertEquals(List.of("port.list {}"), received);
        assertEquals("""
                vm0 (port 0)
                    type: vhost-user
                    socket: /tmp/vm0.sock
                    link: up
                    vlan: 10
                    mac: 02:00:00:00:00:01
                    queues: 2
                    rxq 0: lcore 1, cpu 1, enabled
                    rxq 1: lcore 2, cpu 3, not enabled by the guest
                tap0 (port 1)
                    type: tap
                    interface: vsw0
                    link: down
                    vlan: trunk
                    queues: 1
                    rxq 0: lcore 1, cpu 1, enabled
                """, r.out());
    }

    @Test
    void showJsonIsPortListsResultOnOneLine() {
        Result r = run("show", "--json");
        assertOk(r);
        assertEquals(PORT_LIST.toString() + "\n", r.out());
        assertTrue(r.out().startsWith("{\"ports\":[{\"name\":\"vm0\""));
    }

    @Test
    void statsTableWithDropsByReasonAndMbufs() {
        Result r = run("stats");
        assertOk(r);
        assertEquals(List.of("port.stats {}"), received);
        assertEquals("""
                PORT  RX_PACKETS  RX_BYTES  TX_PACKETS  TX_BYTES  FLOODED  LEARNED  DROPS
                vm0         1000     64000         990     63360       12        2  runt=1 tx_full=9 new_reason=4
                tap0           5       300           0         0        5        1  0
                mbufs in use: 1234 of 16383
                """, r.out());
    }

    @Test
    void statsOfOnePortAndJson() {
        Result r = run("stats", "tap0", "--json");
        assertOk(r);
        assertEquals(List.of("port.stats {\"name\":\"tap0\"}"), received);
        JsonNode j = json(r.out());
        assertEquals(1, j.get("ports").size());
        assertEquals(1234, j.get("mbufs_in_use").asInt());
        assertEquals(r.out().strip(), j.toString(), "one line, as the switch sent it");
    }

    @Test
    void fdbShow() {
        Result r = run("fdb-show");
        assertOk(r);
        assertEquals("""
                PORT  VLAN  MAC                AGE
                vm0      0  02:00:00:00:00:01    3
                tap0    10  0a:1b:2c:3d:4e:5f  120
                2 entries of 8192, learn failures 0, max age 300 s
                """, r.out());
        Result one = run("fdb-show", "vm0", "--json");
        assertOk(one);
        assertEquals(FDB.toString() + "\n", one.out());
        assertEquals(List.of("fdb.show {}", "fdb.show {\"port\":\"vm0\"}"), received);
    }

    /** pmd.stats of one lcore that polled two queues, with a 5 ms poll among its sub-microsecond ones. */
    static final JsonNode PMD = json("""
            {"seconds":2.0,"tsc_hz":2000000000,"lcores":[{"lcore":0,"cpu":1,"busy_pct":60.5,"cycles_per_frame":180.25,
            "frames_per_burst":20.5,"busy_cycles":3000,"idle_cycles":2000,"frames":41,"bursts":2,
            "rxqs":[{"port":"vm0","port_id":0,"queue":0,"busy_share_pct":75.0,"busy_cycles":2250},
                    {"port":"vm1","port_id":1,"queue":0,"busy_share_pct":25.0,"busy_cycles":750}],
            "polls":1204,"poll_histogram":[{"under_us":1,"polls":1200},{"under_us":2,"polls":3},{"under_us":4,"polls":0},
            {"under_us":8,"polls":0},{"under_us":16,"polls":0},{"under_us":32,"polls":0},{"under_us":64,"polls":0},
            {"under_us":128,"polls":0},{"under_us":256,"polls":0},{"under_us":512,"polls":0},{"under_us":1024,"polls":0},
            {"under_us":2048,"polls":0},{"under_us":4096,"polls":0},{"under_us":8192,"polls":1}],
            "longest_poll":{"under_us":8192}}]}""");

    @Test
    void pmdStatsShowsBusyRxqsAndPollsByDuration() {
        Result r = run("pmd-stats");
        assertOk(r);
        assertEquals("""
                over 2.0 s:
                lcore 0 (cpu 1): busy 60.5 %, 180.25 cycles/frame, 20.5 frames/burst, 41 frames in 2 bursts
                  rxq vm0 0: 75.0 % of busy cycles
                  rxq vm1 0: 25.0 % of busy cycles
                  polls by duration: <1 us: 1200, <2 us: 3, <8192 us: 1
                """, r.out());
        assertEquals(PMD.toString() + "\n", run("pmd-stats", "--json").out());
    }

    @Test
    void fdbFlush() {
        assertEquals("flushed 3 entries\n", run("fdb-flush").out());
        assertEquals("flushed 3 entries of port vm0\n", run("fdb-flush", "vm0").out());
        assertEquals("{\"flushed\":3}\n", run("fdb-flush", "--json").out());
        assertEquals(List.of("fdb.flush {}", "fdb.flush {\"port\":\"vm0\"}", "fdb.flush {}"), received);
    }

    @Test
    void pingAndVersion() {
        assertEquals(new Result(0, "pong\n", ""), run("ping"));
        assertEquals(new Result(0, "\"pong\"\n", ""), run("ping", "--json"));
        assertEquals(new Result(0, "vswitch 0.9, control protocol 1\n", ""), run("version"));
        assertEquals(new Result(0, "{\"version\":\"vswitch 0.9\",\"protocol\":1}\n", ""), run("version", "--json"));
        assertEquals(List.of("ping {}", "ping {}", "version {}", "version {}"), received);
    }

    @Test
    void ctlIsAcceptedAfterTheSubcommandToo() {
        assertEquals(new Result(0, "pong\n", ""), runRaw("ping", "--ctl", sock.toString()));
    }

    @Test
    void noSwitchIsExit3WithOneLineNamingTheFix() {
        Path none = dir.resolve("none.ctl");
        assertFails(3, "vswitchctl: cannot reach the switch at " + none + ": is `vswitch --mode switch --ctl " + none
                + "` running?", runRaw("--ctl", none.toString(), "show"));
        assertFails(3, "vswitchctl: cannot reach the switch at " + none + ": is `vswitch --mode switch --ctl " + none
                + "` running?", runRaw("--ctl", none.toString(), "add-port", "a", "--type", "tap", "--iface", "x"));
    }

    @Test
    void usageErrorsComeBeforeConnecting() {
        Path none = dir.resolve("none.ctl");
        assertEquals(2, runRaw("--ctl", none.toString(), "add-port", "a", "--type", "tap", "--iface", "x", "--vlan", "0")
                .code(), "a bad --vlan is a usage error even with no switch running");
    }

    @Test
    void helpListsTheCommandsAndExitCodes() {
        Result r = runRaw("--help");
        assertOk(r);
        for (String s : List.of("add-port", "del-port", "show", "stats", "fdb-show", "fdb-flush", "ping", "version",
                "--ctl=PATH", "/run/vswitch/vswitch.ctl", VswitchctlCommand.EXIT_CODES + "\n" + VswitchctlCommand.EXIT_CODES_2 + "\n")) {
            assertTrue(r.out().contains(s), s + " missing from:\n" + r.out());
        }
        Result sub = runRaw("add-port", "--help");
        assertOk(sub);
        assertTrue(sub.out().contains("--type=TYPE") && sub.out().contains("--json")
                && sub.out().contains(VswitchctlCommand.EXIT_CODES_2), sub.out());
    }

    @Test
    void aSwitchBugOrAnOlderSwitchIsSaidSo() {
        Path other = dir.resolve("old.ctl");
        JsonRpc old = new JsonRpc().register("port.list", p -> {
            throw new IllegalStateException("port table corrupt");
        }).onInternalError((m, t) -> {});
        try (ControlServer s = ControlServer.start(other, old, l -> {})) {
            assertEquals(other, s.path());
            assertFails(4, "vswitchctl: the switch failed: port table corrupt (a bug in the switch: its log has the trace)",
                    runRaw("--ctl", other.toString(), "show"));
            assertFails(4, "vswitchctl: method not found: fdb.flush (is the switch older than vswitchctl?)",
                    runRaw("--ctl", other.toString(), "fdb-flush"));
        }
    }
}
