package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.ctl.CtlClient;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dpdk-dumpcap killed while it attaches (kill -9, or Ctrl-C in its first tenth of a second)
 * must not stall the switch. dumpcap is a secondary process: it allocates its ring and mbufs from
 * the switch's shared heap, and when the heap has to grow for them it holds the heap's spinlock
 * while it asks the switch over EAL's IPC to map more pages. Killed then, it left the lock held
 * for good and every later allocation of the switch spun: add-port never answered, a guest could
 * not connect, SIGTERM did not stop it (4 of 8 kills 50-150 ms into dumpcap's start did it). The
 * switch now has EAL map its memory at start-up ({@link SwitchNode#CAPTURE_PREALLOC_MB}), so a
 * dumpcap's allocation never grows the heap. A dumpcap killed while it maps the switch's memory
 * leaves another lock held (the memory hot-plug lock, read-locked): the switch works on, but its
 * rte_eal_cleanup would spin at exit, so the switch gives it 10 s ({@code Eal.cleanup}) and exits.
 * A later dumpcap may hang too (it takes that lock at its exit): capturing again can need a
 * restart of the switch; that is DPDK's, and not asserted here.
 *
 * <p>Fifteen dumpcaps are killed 10, 20, .. 150 ms after they start (their start takes about
 * 60 ms here; where each kill lands varies, the assertions do not depend on it). Then the switch
 * must still add a port, remove it, and stop on SIGTERM with exit 0.
 */
class DumpcapKilledTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration ANSWER = Duration.ofSeconds(60);

    @Test
    void dumpcapsKilledWhileAttachingLeaveTheSwitchWorking(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(true);
        assertTrue(Files.isExecutable(Path.of(CaptureTest.DUMPCAP)), CaptureTest.DUMPCAP + " is missing: run bin/setup");
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        Path ctl = tmp.resolve("vs.ctl");
        String prefix = Dpdk.prefix("dc-kill");
        try (Proc sw = Proc.start("vswitch", Dpdk.vswitch(List.of("--mode", "switch", "--lcores",
                Integer.toString(cpus.get(cpus.size() - 1)), "--file-prefix", prefix, "--ctl",
                ctl.toString(), "--vdev", "net_vhost0,iface=" + tmp.resolve("a.sock"))), tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(60));
            assertTrue(sw.output().contains(" -m " + SwitchNode.CAPTURE_PREALLOC_MB + " "),
                    "memory mapped at start-up (this machine has the hugepages for it): " + sw.tail());
            for (int i = 1; i <= 15; i++) {
                Proc d = Proc.start("dumpcap-killed-" + i, List.of(CaptureTest.DUMPCAP, "--file-prefix=" + prefix, "-i",
                        "net_vhost0", "-a", "duration:5", "-w", tmp.resolve("k" + i + ".pcapng").toString()), tmp);
                Thread.sleep(10L * i);
                d.kill();
            }
            JsonNode added = call(ctl, "port.add", JSON.createObjectNode().put("name", "b").put("type", "vhost-user")
                    .put("path", tmp.resolve("b.sock").toString()));
            assertEquals("b", added.get("name").asText(), added.toString());
            call(ctl, "port.del", JSON.createObjectNode().put("name", "b"));
            assertEquals(0, sw.stop(ANSWER), "the switch stops on SIGTERM:\n" + sw.tail());
        }
    }

    /** One RPC, answered within {@link #ANSWER} or failed: a stalled switch never answers. */
    static JsonNode call(Path ctl, String method, ObjectNode params) throws Exception {
        CompletableFuture<JsonNode> f = CompletableFuture.supplyAsync(() -> {
            try (CtlClient c = CtlClient.connect(ctl)) {
                return c.call(method, params);
            } catch (Exception e) {
                throw new IllegalStateException(method + ": " + e.getMessage(), e);
            }
        });
        try {
            return f.get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(method + " not answered in " + ANSWER + ": the switch is stalled");
        }
    }
}
