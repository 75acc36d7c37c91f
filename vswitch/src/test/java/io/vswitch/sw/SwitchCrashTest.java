package io.vswitch.sw;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A poll loop that throws (a fault injected with {@code -Dvswitch.fault=rx:N}: the N-th rx
 * burst with frames throws) stops the whole switch: one line naming the loop's CPU, port and
 * rx queue and what it threw, exit code {@link ExitCode#POLL_LOOP}, no stack trace, and
 * nothing left behind (the other loop stopped, ports closed, vhost and control sockets gone).
 */
class SwitchCrashTest {
    @Test
    void aFailedPollLoopStopsTheSwitchNamingItsPortAndQueue(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        int swCpu = cpus.get(cpus.size() - 1);
        Path ctl = tmp.resolve("vs.ctl");
        List<String> cmd = new ArrayList<>(Dpdk.vswitch(List.of("--mode", "switch", "--lcores", Integer.toString(swCpu),
                "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("crash"), "--ctl", ctl.toString(),
                "--vdev", "net_vhost0,iface=" + tmp.resolve("a.sock"), "--vdev", "net_vhost1,iface=" + tmp.resolve("b.sock"))));
        cmd.add(1, "-Dvswitch.fault=rx:20");
        try (Proc sw = Proc.start("vswitch", cmd, tmp)) {
            sw.await("running; stop with", Duration.ofSeconds(30));
            assertTrue(Files.exists(ctl) && Files.exists(tmp.resolve("a.sock")));
            try (Proc gen = Proc.start("gen", Dpdk.java("io.vswitch.gen.GenCommand", List.of("--vdev",
                    "net_virtio_user0,path=" + tmp.resolve("a.sock") + ",queues=1", "--lcores",
                    Integer.toString(cpus.get(0)), "--file-prefix", Dpdk.prefix("crash-gen"), "--no-huge", "-m", "512",
                    "--rate", "2kpps", "--duration", "20")), tmp)) {
                int code = sw.waitFor(Duration.ofSeconds(30));
                String out = sw.output();
                System.out.println("SwitchCrashTest: the switch's last lines:\n" + sw.tail().lines()
                        .skip(Math.max(0, sw.tail().lines().count() - 6)).reduce("", (x, y) -> x + "  " + y + "\n"));
                assertEquals(ExitCode.POLL_LOOP.code, code, out);
                assertTrue(out.contains("vswitch: poll loop on CPU " + swCpu + " failed receiving from net_vhost0 (port 0)"
                        + " rx queue 0: java.lang.IllegalStateException: injected fault"), out);
                assertEquals(1, sw.all("poll loop on CPU").size(), "one line: " + out);
                assertFalse(out.contains("\tat "), "no stack trace: " + out);
                assertFalse(out.contains("summary after"), out);
            }
            assertFalse(Files.exists(ctl), "the control socket is removed");
            assertFalse(Files.exists(tmp.resolve("a.sock")) || Files.exists(tmp.resolve("b.sock")),
                    "the vhost sockets are removed");
        }
    }
}
