package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our generator against our reflector, both real processes on a temporary vhost-user socket:
 * bin/vswitch (macswap, 2 queues, one lcore) and bin/vswitch-gen (2 queues on one lcore) at a low
 * fixed rate. Every frame sent in the window comes back, on its own queue, once; both queues carry
 * traffic; latency is recorded; the loops allocate nothing; the reflector keeps running.
 */
class GenAgainstReflectorTest {
    @Test
    void twoQueuesAtLowRateLoseNothing(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path sock = tmp.resolve("refl.sock");
        int[] cpu = GenRuns.cpus();
        try (Proc refl = Proc.start("vswitch", List.of(GenRuns.VSWITCH.toString(), "--vdev",
                "net_vhost0,iface=" + sock + ",queues=2", "--lcores", Integer.toString(cpu[1]), "--mode", "macswap",
                "--file-prefix", Dpdk.prefix("refl"), "--no-huge", "-m", "512"), tmp)) {
            refl.await("running; stop with Ctrl-C", Duration.ofSeconds(60));
            JsonNode r = GenRuns.run(tmp, "gen", sock, 2,
                    List.of("--rate", "10kpps", "--flows", "8", "--duration", "2", "--warmup", "1"));
            GenRuns.assertLossless(r, 2, refl::tail);
            JsonNode info = r.get("info");
            assertEquals("64", info.get("frame_size").textValue());
            assertEquals("10000pps", info.get("rate").textValue());
            assertTrue(refl.alive(), "the reflector survives the generator's exit:\n" + refl.tail());
            assertEquals(0, refl.stop(Duration.ofSeconds(15)), "reflector exit:\n" + refl.tail());
        }
        assertTrue(!Files.exists(sock), "socket removed");
    }
}
