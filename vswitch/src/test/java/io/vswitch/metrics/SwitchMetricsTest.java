package io.vswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.ctl.CtlClient;
import io.vswitch.datapath.PortCounters;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics endpoint of a real switch: {@code vswitch --mode switch --ctl ... --metrics
 * 127.0.0.1:PORT}, two vhost ports added over the control socket, our generator (paced) as vm0's
 * guest and a testpmd macswap as vm1's, both niced so that on 2 CPUs they never starve the
 * switch. Scraped over HTTP as Prometheus does (protobuf, parsed with the client library's own
 * classes): the counters rise with the traffic, and once it stops every per-port number equals
 * what port.stats ({@code vswitchctl stats --json}) says, the per-queue numbers summed.
 */
class SwitchMetricsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> NICE = List.of("nice", "-n", "19");

    @Test
    void metricsUnderTrafficMatchPortStats(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path ctl = tmp.resolve("vs.ctl");
        int port = SwitchCollectorTest.freePort();
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        int swCpu = cpus.get(cpus.size() - 1);
        int peerCpu = cpus.get(0);
        List<Proc> procs = new ArrayList<>();
        try (Proc sw = Proc.start("vswitch", Dpdk.vswitch(List.of("--mode", "switch", "--lcores",
                Integer.toString(swCpu), "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("swmetrics"), "--ctl",
                ctl.toString(), "--metrics", "127.0.0.1:" + port)), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(120));
            assertTrue(sw.output().contains("vswitch: metrics on http://127.0.0.1:" + port + "/metrics"), sw.tail());

            Scrape empty = Scrape.of(port);
            assertEquals(8192, empty.family("vswitch_mac_table_capacity").value(), "the switch's globals before ports");
            assertTrue(empty.family("vswitch_mbuf_pool_size").value() > 0);

            for (String name : List.of("vm0", "vm1")) {
                rpc(ctl, "port.add", JSON.createObjectNode().put("name", name).put("type", "vhost-user")
                        .put("path", tmp.resolve(name + ".sock").toString()));
            }
            Scrape idle = Scrape.of(port);
            assertEquals(0, idle.family("vswitch_port_rx_packets_total").value("port", "vm0", "queue", "0"));
            assertEquals(0, idle.family("vswitch_port_link_up").value("port", "vm0"), "no guest yet");

            Proc peer = Proc.start("testpmd-vm1", concat(NICE, List.of(Dpdk.TESTPMD, "--lcores", "0@" + peerCpu + ",1@"
                    + peerCpu, "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("peer"), "--no-pci", "--vdev",
                    "net_virtio_user0,path=" + tmp.resolve("vm1.sock") + ",queues=1,queue_size=1024", "--",
                    "--forward-mode=macswap", "--rxd=1024", "--txd=1024", "--nb-cores=1", "--auto-start",
                    "--stats-period=1", "--total-num-mbufs=16384")), tmp);
            procs.add(peer);
            peer.await("packet forwarding - ports=", Duration.ofSeconds(180));
            sw.await("vm1: guest connected", Duration.ofSeconds(60));

            Path report = tmp.resolve("gen.json");
            Proc gen = Proc.start("gen-vm0", concat(NICE, Dpdk.java("io.vswitch.gen.GenCommand", List.of("--vdev",
                    "net_virtio_user0,path=" + tmp.resolve("vm0.sock") + ",queues=1,queue_size=1024", "--lcores",
                    Integer.toString(peerCpu), "--file-prefix", Dpdk.prefix("gen"), "--no-huge", "-m", "512", "--rate",
                    "2kpps", "--duration", "4", "--warmup", "1", "--json", report.toString()))), tmp);
            procs.add(gen);
            sw.await("vm0: guest connected", Duration.ofSeconds(180));
            Scrape during = Scrape.of(port);
            assertEquals(1, during.family("vswitch_port_link_up").value("port", "vm0"), "the generator is vm0's guest");
            // niced on a shared 2-CPU machine, its start and exit can take minutes
            assertEquals(0, gen.waitFor(Duration.ofSeconds(400)), "vswitch-gen:\n" + gen.tail());
            JsonNode g = JSON.readTree(report.toFile());
            assertTrue(g.path("tx_packets").asLong() > 1000, "the generator sent: " + g);
            assertEquals(g.path("tx_packets").asLong(), g.path("rx_packets").asLong(), "every frame came back: " + g);

            // Quiet now: the generator has gone (vm0's link with it), the macswap peer only answers. Both views
            // must agree.
            sw.await("vm0: guest disconnected", Duration.ofSeconds(60));
            Scrape s = Scrape.of(port);
            JsonNode stats = rpc(ctl, "port.stats", null);
            JsonNode fdb = rpc(ctl, "fdb.show", null);
            for (JsonNode p : stats.get("ports")) {
                String name = p.get("name").asText();
                long rx = p.get("rx_packets").asLong();
                assertTrue(rx > 1000 && p.get("tx_packets").asLong() > 1000, "traffic both ways on " + name + ": " + p);
                assertEquals(rx, (long) s.family("vswitch_port_rx_packets_total").sum("port", name),
                        name + ": rx packets, summed over the rx queues, as port.stats says");
                assertEquals(rx, (long) s.family("vswitch_port_rx_packets_total").value("port", name, "queue", "0"),
                        name + ": one rx queue");
                assertEquals(p.get("tx_packets").asLong(), (long) s.family("vswitch_port_tx_packets_total")
                        .sum("port", name), name + ": tx packets, summed over the tx queues");
                assertEquals(p.get("rx_bytes").asLong(), (long) s.family("vswitch_port_rx_bytes_total")
                        .sum("port", name), name + ": rx bytes");
                assertEquals(p.get("tx_bytes").asLong(), (long) s.family("vswitch_port_tx_bytes_total")
                        .sum("port", name), name + ": tx bytes");
                for (int i = 0; i < PortCounters.DROP_REASONS.length; i++) {
                    String reason = PortCounters.DROP_REASONS[i];
                    assertEquals(p.get("drops").get(reason).asLong(), (long) s.family(
                            "vswitch_port_dropped_packets_total").value("port", name, "reason", reason), name + " " + reason);
                }
                assertEquals(p.get("flooded").asLong(), (long) s.family("vswitch_port_flooded_packets_total")
                        .value("port", name), name + ": flooded");
                assertEquals(p.get("learned").asLong(), (long) s.family("vswitch_port_learned_macs_total")
                        .value("port", name), name + ": learned");
                assertEquals(p.get("learn_failed").asLong(), (long) s.family("vswitch_port_learn_failures_total")
                        .value("port", name), name + ": learn failures");
                assertEquals(name.equals("vm1") ? 1 : 0, s.family("vswitch_port_link_up").value("port", name),
                        name + ": link up while its guest is there");
            }
            for (String name : List.of("vm0", "vm1")) {
                for (String f : List.of("vswitch_port_rx_packets_total", "vswitch_port_tx_packets_total")) {
                    double before = idle.family(f).sum("port", name);
                    double mid = during.family(f).sum("port", name);
                    double end = s.family(f).sum("port", name);
                    assertTrue(before <= mid && mid <= end && before < end, f + " " + name + " rose: " + before + ", "
                            + mid + ", " + end);
                }
            }
            // The poll loop's cycle accounting: it received every frame the ports did, and was busy
            // with them, more than before the traffic.
            long rxAll = 0;
            for (JsonNode p : stats.get("ports")) rxAll += p.get("rx_packets").asLong();
            assertEquals(rxAll, (long) s.family("vswitch_lcore_frames_total").value("lcore", "0", "cpu",
                    Integer.toString(swCpu)), "the lcore received what the ports did");
            assertTrue(s.family("vswitch_lcore_bursts_total").value("lcore", "0", "cpu", Integer.toString(swCpu)) > 0);
            double busyBefore = idle.family("vswitch_lcore_busy_cycles_total").value("lcore", "0", "cpu",
                    Integer.toString(swCpu));
            double busyAfter = s.family("vswitch_lcore_busy_cycles_total").value("lcore", "0", "cpu",
                    Integer.toString(swCpu));
            assertTrue(busyAfter > busyBefore, "busy cycles rose with traffic: " + busyBefore + " -> " + busyAfter);
            assertTrue(s.family("vswitch_lcore_idle_cycles_total").value("lcore", "0", "cpu", Integer.toString(swCpu))
                    > 0, "idle cycles counted");
            assertTrue(s.family("vswitch_tsc_hz").value() > 1e8, "a TSC rate");
            assertEquals(stats.get("mbufs").asLong(), (long) s.family("vswitch_mbuf_pool_size").value());
            assertEquals(stats.get("mbufs_in_use").asLong(), (long) s.family("vswitch_mbufs_in_use").value(),
                    "mbufs in use, at rest");
            assertEquals(fdb.get("entries").asLong(), (long) s.family("vswitch_mac_table_entries").value());
            assertTrue(fdb.get("entries").asLong() >= 1, "vm1's guest's MAC (vm0's went with its guest): " + fdb);
            assertEquals(fdb.get("capacity").asLong(), (long) s.family("vswitch_mac_table_capacity").value());
            assertEquals(fdb.get("learn_failures").asLong(),
                    (long) s.family("vswitch_mac_table_learn_failures_total").value());

            Set<String> exported = new TreeSet<>(s.names());
            assertEquals(new TreeSet<>(SwitchCollector.exposedNames()), exported, "the real scrape has every family");
            Set<String> used = DashboardTest.metricNames(DashboardTest.dashboard());
            assertTrue(s.seriesNames().containsAll(used), "the dashboard reads only exported metrics: " + used + " vs "
                    + s.seriesNames());

            String text = Scrape.text(port);
            String line = "\nvswitch_port_rx_packets_total{port=\"vm0\",queue=\"0\"} ";
            int at = text.indexOf(line);
            assertTrue(at >= 0, "the issue's exact series in the text format:\n" + text);
            String value = text.substring(at + line.length(), text.indexOf('\n', at + 1));
            assertEquals(s.family("vswitch_port_rx_packets_total").value("port", "vm0", "queue", "0"),
                    Double.parseDouble(value), "text and protobuf agree");
            System.out.println("SwitchMetricsTest: /metrics after " + g.path("tx_packets").asLong()
                    + " generator frames through the switch:\n" + text);

            peer.close();
            rpc(ctl, "port.del", JSON.createObjectNode().put("name", "vm1"));
            Scrape after = Scrape.of(port);
            assertFalse(after.family("vswitch_port_link_up").samples().keySet().stream()
                    .anyMatch(l -> "vm1".equals(l.get("port"))), "a removed port's series go");

            assertEquals(0, sw.stop(Duration.ofSeconds(30)), "SIGTERM exits 0:\n" + sw.tail());
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
                throw new AssertionError("the metrics port still answers after the switch stopped");
            } catch (ConnectException expected) {
                // closed with the switch
            }
        } finally {
            for (Proc p : procs) {
                p.close();
            }
        }
    }

    static JsonNode rpc(Path ctl, String method, ObjectNode params) throws Exception {
        try (CtlClient c = CtlClient.connect(ctl)) {
            return c.call(method, params);
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }
}
