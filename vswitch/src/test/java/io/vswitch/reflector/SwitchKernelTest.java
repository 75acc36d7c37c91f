package io.vswitch.reflector;

import static io.vswitch.reflector.ReflectorTestpmdTest.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.testutil.Dpdk;
import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.testutil.Proc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The switch with the host kernel as a port, two ways: a {@code net_tap} port whose Linux
 * interface the test moves into its own network namespace, and a {@code net_af_packet}
 * port on one end of a veth pair whose other end is in the namespace. The namespace's
 * address is in 198.18.0.0/15 (the benchmarking range) and exists only inside it.
 * dpdk-testpmd in {@code icmpecho} mode is a virtio-user responder on a vhost port.
 * {@code ping} in the namespace gets every reply: the ARP broadcast flooded to the
 * responder, its reply and the echo replies switched back by learned MACs.
 */
class SwitchKernelTest {
    static final String NS_ADDR = "198.18.6.1";
    static final String RESPONDER = "198.18.6.2";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"net_tap", "net_af_packet"})
    void pingFromANamespaceThroughTheSwitchGetsEveryReply(String driver, @TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        boolean tapPort = driver.equals("net_tap");
        String tag = Long.toString(ProcessHandle.current().pid() % 100000);
        String ns = "vswt-" + tag;
        String tap = "vswt" + tag;                   // the namespace's interface: the tap itself, or the veth peer
        String hostEnd = "vswh" + tag;               // af_packet: the veth end the switch binds to
        Path sock = tmp.resolve("s0");
        Path stats = tmp.resolve("stats.json");
        Path fdb = tmp.resolve("fdb.json");
        String portName = tapPort ? "net_tap0" : "net_af_packet0";
        boolean vethMade = false;
        if (!tapPort) {
            sh("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", tap);
            vethMade = true;
            sh("ip", "link", "set", hostEnd, "up");
        }
        List<String> args = List.of("--mode", "switch", "--vdev", "net_vhost0,iface=" + sock, "--vdev",
                portName + ",iface=" + (tapPort ? tap : hostEnd), "--lcores", "1", "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("swk"),
                "--stats", "0.5", "--stats-json", stats.toString(), "--fdb-json", fdb.toString());
        boolean nsMade = false;
        try (Proc sw = Proc.start("vswitch-switch", Dpdk.vswitch(args), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(30));
            sh("ip", "netns", "add", ns);
            nsMade = true;
            sh("ip", "link", "set", tap, "netns", ns);
            sh("ip", "-n", ns, "link", "set", "lo", "up");
            sh("ip", "-n", ns, "addr", "add", NS_ADDR + "/24", "dev", tap);
            sh("ip", "-n", ns, "link", "set", tap, "up");
            String nsMac = sh("ip", "-n", ns, "-br", "link", "show", tap).trim().split("\\s+")[2];
            try (Proc echo = Proc.start("testpmd-icmpecho", Dpdk.testpmdGuest(sock, 1, 0, "icmpecho", List.of()), tmp)) {
                sw.await("net_vhost0: guest connected", Duration.ofSeconds(30));
                echo.await("Start automatic packet forwarding|forwarding packets", Duration.ofSeconds(30));
                assertTrue(Files.isExecutable(Path.of("/usr/bin/ping")), "ping is missing: run bin/setup (apt-get install iputils-ping)");
                String out = shAllowFail("ip", "netns", "exec", ns, "ping", "-c", "5", "-i", "0.2", "-W", "5", RESPONDER);
                Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(out);
                assertTrue(m.find(), "no ping summary:\n" + out + "\nswitch:\n" + sw.tail() + "\ntestpmd:\n" + echo.tail());
                assertEquals("5", m.group(1), out);
                assertEquals("5", m.group(2), "every echo reply must come back:\n" + out + "\nswitch:\n" + sw.tail());

                // the MAC table: the namespace's interface on the tap port, the responder on the vhost port
                Files.deleteIfExists(fdb);
                sh("kill", "-USR1", Long.toString(sw.pid()));
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!Files.exists(fdb) && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                assertTrue(Files.exists(fdb), "no fdb dump:\n" + sw.tail());
                JsonNode table = Json.MAPPER.readTree(Files.readString(fdb));
                boolean nsOnTap = false;
                boolean responderOnVhost = false;
                for (JsonNode entry : table.get("fdb")) {
                    assertTrue(entry.get("mac").isTextual(), "mac: " + entry);
                    if (nsMac.equalsIgnoreCase(entry.get("mac").textValue())) {
                        nsOnTap = num(entry.get("port")) == 1 && portName.equals(entry.get("name").textValue());
                    } else if (num(entry.get("port")) == 0) {
                        responderOnVhost = true;
                    }
                }
                assertTrue(nsOnTap, "namespace MAC " + nsMac + " not learned on " + portName + ": " + table);
                assertTrue(responderOnVhost, "responder not learned on net_vhost0: " + table);
            }
            Thread.sleep(1100);
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), "SIGTERM must exit 0:\n" + sw.tail());
            List<String> lines = Files.readAllLines(stats);
            JsonNode summary = Json.MAPPER.readTree(lines.get(lines.size() - 1));
            assertEquals("summary", summary.get("type").textValue());
            JsonNode vhost = summary.get("ports").get(0);
            JsonNode kernel = summary.get("ports").get(1);
            assertTrue(num(kernel.get("rx_pkts")) >= 6, "kernel port rx (ARP + 5 echo requests): " + kernel);
            assertTrue(num(vhost.get("tx_pkts")) >= 6, "vhost tx: " + vhost);
            assertTrue(num(kernel.get("tx_pkts")) >= 6, "kernel port tx (ARP reply + 5 echo replies): " + kernel);
            assertEquals(0, num(kernel.get("drop_hairpin")) + num(vhost.get("drop_hairpin")));
        } finally {
            if (nsMade) {
                shAllowFail("ip", "netns", "del", ns);   // takes the veth peer (and so the pair) with it
            }
            if (vethMade) {
                shAllowFail("ip", "link", "del", hostEnd);
            }
        }
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " hangs");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    static String shAllowFail(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
