package io.vswitch.gen;

import io.vswitch.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.ExitCode;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * server=1: the generator owns the socket and the switch connects as the vhost-user client.
 * Without a client it gives up after --peer-timeout with the PEER exit code, one line naming the
 * fix, and no socket left behind; with bin/vswitch as client=1 it runs as usual.
 */
class GenServerModeTest {
    static List<String> gen(Path sock, Path json, double peerTimeout) {
        List<String> cmd = new ArrayList<>(List.of(GenRuns.GEN.toString(), "--vdev", "net_virtio_user0,path=" + sock + ",server=1",
                "--lcores", Integer.toString(GenRuns.cpus()[0]), "--file-prefix", Dpdk.prefix("gens"), "--no-huge", "-m", "512",
                "--peer-timeout", Double.toString(peerTimeout), "--rate", "10kpps", "--duration", "1", "--warmup", "1"));
        if (json != null) cmd.addAll(List.of("--json", json.toString()));
        return cmd;
    }

    @Test
    void noClientEndsWithThePeerExitCode(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path sock = tmp.resolve("lonely.sock");
        try (Proc g = Proc.start("gen-lonely", gen(sock, null, 2), tmp)) {
            assertEquals(ExitCode.PEER.code, g.waitFor(Duration.ofSeconds(60)), g.tail());
            assertTrue(g.output().contains("vswitch-gen: no vhost-user client connected to " + sock + " within 2 s: start "
                    + "bin/vswitch with --vdev net_vhost0,iface=" + sock + ",client=1"), g.tail());
        }
        assertFalse(Files.exists(sock), "socket removed");
    }

    @Test
    void reflectorAsClient(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path sock = tmp.resolve("srv.sock");
        Path json = tmp.resolve("srv.json");
        try (Proc g = Proc.start("gen-server", gen(sock, json, 60), tmp)) {
            g.await("waiting up to 60 s for a vhost-user client", Duration.ofSeconds(60));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.exists(sock) && System.nanoTime() < deadline) Thread.sleep(50);
            try (Proc refl = Proc.start("vswitch-client", List.of(GenRuns.VSWITCH.toString(), "--vdev",
                    "net_vhost0,iface=" + sock + ",client=1", "--lcores", Integer.toString(GenRuns.cpus()[1]), "--mode",
                    "macswap", "--file-prefix", Dpdk.prefix("reflc"), "--no-huge", "-m", "512"), tmp)) {
                assertEquals(0, g.waitFor(Duration.ofSeconds(120)), g.tail());
                refl.stop(Duration.ofSeconds(15)); // its summary, with drops, for the message below
                GenRuns.assertLossless(Json.MAPPER.readTree(Files.readString(json)), 1, refl::tail);
            }
        }
    }
}
