package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.ctl.CtlClient;
import io.vswitch.ctl.RpcError;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest that goes away (SIGKILL) while another sends to it, with real DPDK and real peers:
 * the switch ({@code --mode switch --ctl}) has vhost ports a and b; our generator on a sends
 * (paced) through the switch to a testpmd {@code macswap} guest on b, which answers. Each
 * cycle kills b's testpmd with SIGKILL under traffic, then starts it again:
 *
 * <ul>
 *   <li>b's MACs leave the table as soon as the switch logs the link change (fdb.show);
 *   <li>the generator's frames for b are freed and counted under {@code drops.link_down} of b;
 *   <li>the new testpmd is learned again and traffic flows to it, with no command.
 * </ul>
 * At the end the switch's mbufs in use are back to their baseline. {@code -Dguestaway.cycles=N}
 * for more cycles (default 3).
 */
class GuestAwayTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int CYCLES = Integer.getInteger("guestaway.cycles", 3);

    Path tmp;
    Path ctl;
    final List<Proc> procs = new ArrayList<>();

    JsonNode rpc(String method, ObjectNode params) throws RpcError {
        try (CtlClient c = CtlClient.connect(ctl)) {
            return c.call(method, params);
        }
    }

    Path sock(String name) {
        return tmp.resolve(name + ".sock");
    }

    JsonNode stats(String port) throws RpcError {
        return rpc("port.stats", JSON.createObjectNode().put("name", port)).get("ports").get(0);
    }

    JsonNode fdb(String port) throws RpcError {
        return rpc("fdb.show", JSON.createObjectNode().put("port", port)).get("fdb");
    }

    static void within(Duration d, BooleanSupplier ok, String what) throws InterruptedException {
        long until = System.nanoTime() + d.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError(what + " within " + d);
            }
            Thread.sleep(50);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static BooleanSupplier q(Check c) {
        return () -> {
            try {
                return c.ok();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
    }

    Proc testpmd(String port, int cpu, int n) throws Exception {
        List<String> cmd = List.of(Dpdk.TESTPMD, "--lcores", "0@" + cpu + ",1@" + cpu, "--no-huge", "-m", "512",
                "--file-prefix", Dpdk.prefix("away"), "--no-pci", "--vdev", "net_virtio_user0,path=" + sock(port)
                        + ",queues=1,queue_size=1024", "--", "--forward-mode=macswap", "--rxd=1024", "--txd=1024",
                "--nb-cores=1", "--auto-start", "--stats-period=1", "--total-num-mbufs=16384");
        Proc p = Proc.start("testpmd-" + port + "-" + n, cmd, tmp);
        procs.add(p);
        p.await("packet forwarding - ports=", Duration.ofSeconds(60));
        return p;
    }

    @Test
    void aKilledGuestsMacsLeaveItsFramesAreCountedAndItComesBackWithoutACommand(@TempDir Path dir) throws Exception {
        Dpdk.requireEnvironment(false);
        tmp = dir;
        ctl = tmp.resolve("vs.ctl");
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        int peerCpu = cpus.get(0);
        int swCpu = cpus.get(cpus.size() - 1);
        Proc sw = Proc.start("vswitch", Dpdk.vswitch(List.of("--mode", "switch", "--lcores", Integer.toString(swCpu),
                "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("away-sw"), "--ctl", ctl.toString())), tmp);
        procs.add(sw);
        List<String> figures = new ArrayList<>();
        try {
            sw.await("running; stop with", Duration.ofSeconds(30));
            int baseline = rpc("port.stats", null).get("mbufs_in_use").asInt();
            for (String p : List.of("a", "b")) {
                rpc("port.add", JSON.createObjectNode().put("name", p).put("type", "vhost-user")
                        .put("path", sock(p).toString()));
            }
            Proc peer = testpmd("b", peerCpu, 0);
            sw.await("b: guest connected", Duration.ofSeconds(20));
            int seconds = 20 + 12 * CYCLES;
            Proc gen = Proc.start("gen", Dpdk.java("io.vswitch.gen.GenCommand", List.of("--vdev",
                    "net_virtio_user0,path=" + sock("a") + ",queues=1,queue_size=1024", "--lcores",
                    Integer.toString(peerCpu), "--file-prefix", Dpdk.prefix("away-gen"), "--no-huge", "-m", "512",
                    "--rate", "2kpps", "--duration", Integer.toString(seconds))), tmp);
            procs.add(gen);
            sw.await("a: guest connected", Duration.ofSeconds(30));
            within(Duration.ofSeconds(20), q(() -> fdb("b").size() > 0), "the switch learns b's answers");
            String learned = fdb("b").get(0).get("mac").asText();
            for (int c = 0; c < CYCLES; c++) {
                long txBefore = stats("b").get("tx_packets").asLong();
                within(Duration.ofSeconds(10), q(() -> stats("b").get("tx_packets").asLong() > txBefore + 100),
                        "cycle " + c + ": traffic flows to b before the kill");
                long downBefore = stats("b").get("drops").get("link_down").asLong();
                long tFull = stats("b").get("drops").get("tx_full").asLong();
                java.time.LocalTime killed = java.time.LocalTime.now();
                peer.kill();                                        // SIGKILL: no goodbye to the switch
                long deathMs = Duration.between(killed, java.time.LocalTime.now()).toMillis();
                int gone = c + 1;
                within(Duration.ofSeconds(10), () -> sw.all("b: guest disconnected").size() >= gone,
                        "cycle " + c + ": the switch sees b's guest go");
                java.util.regex.Matcher seen = sw.all("(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) vswitch: b: guest disconnected")
                        .get(c);
                long detectMs = Duration.between(killed, java.time.LocalTime.parse(seen.group(1))).toMillis();
                assertEquals(0, fdb("b").size(), "cycle " + c + ": b's MACs left the table at once: " + fdb("b"));
                within(Duration.ofSeconds(10), q(() -> stats("b").get("drops").get("link_down").asLong()
                        > downBefore + 100), "cycle " + c + ": frames for the gone guest are dropped as link_down");
                Thread.sleep(500);
                JsonNode sb = stats("b");
                long txWhileGone = sb.get("tx_packets").asLong();
                Thread.sleep(500);
                assertEquals(txWhileGone, stats("b").get("tx_packets").asLong(), "nothing is sent to a gone guest");
                figures.add("cycle " + c + ": testpmd gone " + deathMs + " ms after the SIGKILL, the switch's link down"
                        + " logged " + detectMs + " ms after the SIGKILL; link_down "
                        + (sb.get("drops").get("link_down").asLong() - downBefore)
                        + ", tx_full " + (sb.get("drops").get("tx_full").asLong() - tFull) + " while b was gone");
                peer = testpmd("b", peerCpu, c + 1);
                int back = c + 2;
                within(Duration.ofSeconds(20), () -> sw.all("b: guest connected").size() >= back,
                        "cycle " + c + ": the switch sees b's guest back");
                within(Duration.ofSeconds(20), q(() -> fdb("b").size() > 0), "cycle " + c + ": b learned again");
                assertEquals(learned, fdb("b").get(0).get("mac").asText(), "the same MAC, learned again");
                long txBack = stats("b").get("tx_packets").asLong();
                long aTx = stats("a").get("tx_packets").asLong();
                within(Duration.ofSeconds(10), q(() -> stats("b").get("tx_packets").asLong() > txBack + 100
                        && stats("a").get("tx_packets").asLong() > aTx + 100), "cycle " + c
                        + ": traffic flows to b and back to a again, no command given");
                assertTrue(gen.alive(), "the generator ran for less time than the cycles took");
            }
            gen.stop(Duration.ofSeconds(20));
            peer.stop(Duration.ofSeconds(20));
            within(Duration.ofSeconds(10), q(() -> rpc("port.stats", null).get("mbufs_in_use").asInt() == baseline),
                    "mbufs in use back to their baseline " + baseline);
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
            assertTrue(sw.output().contains("b: guest disconnected (link down), 1 MAC flushed")
                    || sw.output().contains("MACs flushed"), sw.tail());
            assertTrue(!Files.exists(sock("a")) && !Files.exists(sock("b")) && !Files.exists(ctl), "sockets removed");
        } finally {
            for (Proc p : procs) {
                p.close();
            }
            System.out.println("GuestAwayTest (" + CYCLES + " cycles):\n  " + String.join("\n  ", figures));
        }
    }
}
