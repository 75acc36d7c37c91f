package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our generator against dpdk-testpmd in macswap mode as the vhost-user side: the same counts as
 * against our reflector (rx == tx, per queue), a mixed-size (IMIX) run, and the NDR search path
 * (a first trial at the bound that passes ends it, and the JSON carries the result).
 */
class GenAgainstTestpmdTest {
    static List<String> testpmd(Path sock, int queues, int cpu) {
        return new ArrayList<>(List.of(Dpdk.TESTPMD, "--lcores", "0@" + cpu + ",1@" + cpu, "--no-huge", "-m", "512",
                "--file-prefix", Dpdk.prefix("tpmd"), "--no-pci", "--vdev", "net_vhost0,iface=" + sock + ",queues=" + queues,
                "--", "--forward-mode=macswap", "--rxq=" + queues, "--txq=" + queues, "--nb-cores=1", "--auto-start",
                "--stats-period=1", "--total-num-mbufs=16384"));
    }

    @Test
    void testpmdMacswapReflectsEveryFrame(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path sock = tmp.resolve("tpmd.sock");
        try (Proc peer = Proc.start("testpmd", testpmd(sock, 2, GenRuns.cpus()[1]), tmp)) {
            peer.await("Start automatic packet forwarding|Checking link statuses|Press enter to exit", Duration.ofSeconds(60));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!java.nio.file.Files.exists(sock) && System.nanoTime() < deadline) Thread.sleep(50);

            JsonNode r = GenRuns.run(tmp, "gen-64", sock, 2,
                    List.of("--rate", "10kpps", "--flows", "4", "--duration", "2", "--warmup", "1"));
            GenRuns.assertLossless(r, 2, peer::tail);

            JsonNode imix = GenRuns.run(tmp, "gen-imix", sock, 2,
                    List.of("--size", "imix", "--rate", "10kpps", "--duration", "1", "--warmup", "1"));
            GenRuns.assertLossless(imix, 2, peer::tail);
            double avg = GenRuns.num(imix, "tx_bytes") / GenRuns.num(imix, "tx_packets");
            assertTrue(avg > 300 && avg < 410, "IMIX averages 354 B per frame, got " + avg);

            JsonNode ndr = GenRuns.run(tmp, "gen-ndr", sock, 1,
                    List.of("--ndr", "--rate", "10kpps", "--trial", "1", "--ndr-precision", "10"));
            JsonNode res = ndr.get("ndr");
            assertTrue(res != null && res.isObject(), "JSON has the ndr result: " + GenRuns.keys(ndr));
            assertEquals(10_000.0, GenRuns.num(res, "ndr_pps"), 1e-6, "10 kpps passes at zero loss");
            assertEquals(10_000.0, GenRuns.num(res, "pdr_pps"), 1e-6);
            JsonNode trials = res.get("trials");
            assertTrue(trials.isArray(), "trials: " + trials);
            assertEquals(1, trials.size(), "a passing first trial at the bound ends the search");
            assertEquals(0.0, GenRuns.num(ndr, "loss_ratio"));
            assertTrue(peer.alive(), "testpmd still running:\n" + peer.tail());
        }
    }
}
