package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.ExitCode;
import io.vswitch.Json;
import io.vswitch.ctl.ControlException;
import io.vswitch.ctl.CtlClient;
import io.vswitch.ctl.RpcError;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts of either side, in any order, with nothing lost (issue 12), with real processes:
 *
 * <ul>
 * <li>{@link #guestRestarts}: a testpmd guest sending through the switch is killed with SIGKILL
 *     in the middle of its traffic and started again, {@value #GUEST_CYCLES_DEFAULT} times (system
 *     property {@code vswitch.guestCycles}); after every restart the frames flow again, and at the
 *     end the switch's mbufs are back to their baseline and its memory flat.</li>
 * <li>{@link #switchRestarts}: the guests own their sockets (virtio-user {@code server=1}); the
 *     switch, with client ports recorded in {@code --db}, is killed with SIGKILL under traffic
 *     and started again with the same command, {@value #SWITCH_CYCLES_DEFAULT} times
 *     ({@code vswitch.switchCycles}); each time traffic resumes with nothing done on the guest
 *     side and no guest exits. The time from the new process's start to the first frame seen
 *     forwarded is printed (the test never asserts on it).</li>
 * <li>a damaged {@code --db} ends the start with exit 10 and one line, before anything is created;
 *     a recorded port that cannot come back is listed as failed and del-port forgets it.</li>
 * </ul>
 */
class SwitchRestartTest {
    static final int GUEST_CYCLES_DEFAULT = 100;
    static final int SWITCH_CYCLES_DEFAULT = 20;
    /** A liveness bound, not a timing: a guest starting on a loaded 2-CPU machine can take half a minute. */
    static final Duration TRAFFIC_TIMEOUT = Duration.ofSeconds(120);

    @TempDir Path tmp;
    final List<Proc> procs = new ArrayList<>();
    Path ctl;
    int swCpu;
    int peerCpu;

    void cpus() {
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        peerCpu = cpus.get(0);
        swCpu = cpus.get(cpus.size() - 1);
    }

    List<String> switchCmd(String prefix, Path db) {
        List<String> args = new ArrayList<>(List.of("--mode", "switch", "--lcores", Integer.toString(swCpu), "--no-huge",
                "-m", "512", "--file-prefix", prefix, "--ctl", ctl.toString()));
        if (db != null) {
            args.addAll(List.of("--db", db.toString()));
        }
        return Dpdk.vswitch(args);
    }

    /** A testpmd guest on {@code sock} forwarding in {@code mode}; {@code server}: it owns the socket. */
    Proc testpmd(String name, Path sock, String mode, boolean server) throws Exception {
        // niced: on 2 CPUs the busy-polling guests share the switch's control CPU, and a restarting
        // JVM must not wait behind them (a real guest has CPUs of its own)
        List<String> cmd = List.of("nice", "-n", "19", Dpdk.TESTPMD, "--lcores", "0@" + peerCpu + ",1@" + peerCpu, "--no-huge", "-m", "256",
                "--file-prefix", Dpdk.prefix("rs-" + name), "--no-pci", "--vdev", "net_virtio_user0,path=" + sock
                        + ",queues=1,queue_size=1024" + (server ? ",server=1" : ""), "--", "--forward-mode=" + mode,
                "--rxd=1024", "--txd=1024", "--nb-cores=1", "--auto-start", "--stats-period=1", "--total-num-mbufs=4096");
        Proc p = Proc.start(name, cmd, tmp);
        procs.add(p);
        return p;
    }

    JsonNode rpc(String method, ObjectNode params) throws RpcError {
        try (CtlClient c = CtlClient.connect(ctl)) {
            return c.call(method, params);
        }
    }

    ObjectNode params() {
        return Json.MAPPER.createObjectNode();
    }

    /** tx_packets of every port, by name order given; null while the switch does not answer. */
    long[] txOf(String... names) {
        try {
            JsonNode ports = rpc("port.stats", null).get("ports");
            long[] tx = new long[names.length];
            for (JsonNode p : ports) {
                for (int i = 0; i < names.length; i++) {
                    if (p.get("name").asText().equals(names[i])) {
                        tx[i] = p.get("tx_packets").asLong();
                    }
                }
            }
            return tx;
        } catch (RpcError | ControlException e) {
            return null;                                      // not up yet, or going down
        }
    }

    /** Waits until the switch has sent more than {@code after} on both ports (frames crossed both ways). */
    long[] awaitTraffic(Proc sw, long[] after, String what) throws Exception {
        long deadline = System.nanoTime() + TRAFFIC_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            long[] tx = txOf("a", "b");
            if (tx != null && tx[0] > after[0] && tx[1] > after[1]) {
                return tx;
            }
            if (!sw.alive()) {
                throw new AssertionError(what + ": the switch exited:\n" + sw.tail());
            }
            Thread.sleep(10);
        }
        throw new AssertionError(what + ": no frames forwarded both ways within " + TRAFFIC_TIMEOUT + "; switch:\n"
                + sw.tail());
    }

    /** True once the switch reports port {@code name}'s link down (its guest gone). */
    boolean linkDown(String name) throws RpcError {
        for (JsonNode p : rpc("port.list", null).get("ports")) {
            if (p.get("name").asText().equals(name)) {
                return p.get("link").asText().equals("down");
            }
        }
        throw new AssertionError("no port " + name);
    }

    int mbufsInUse() throws RpcError {
        return rpc("port.stats", null).get("mbufs_in_use").asInt();
    }

    static long rssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS for " + pid);
    }

    void closeAll() throws InterruptedException {
        for (Proc p : procs) {
            p.close();
        }
    }

    @Test
    void guestRestarts() throws Exception {
        Dpdk.requireEnvironment(false);
        cpus();
        int cycles = Integer.getInteger("vswitch.guestCycles", GUEST_CYCLES_DEFAULT);
        ctl = tmp.resolve("vs.ctl");
        List<String> cmd = new ArrayList<>(switchCmd(Dpdk.prefix("rs-guest"), null));
        cmd.addAll(1, List.of("-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch"));   // RSS then shows native growth only
        Proc sw = Proc.start("vswitch", cmd, tmp);
        procs.add(sw);
        try {
            sw.await("running; stop with", Duration.ofSeconds(60));
            for (String n : List.of("a", "b")) {
                rpc("port.add", params().put("name", n).put("type", "vhost-user").put("path", tmp.resolve(n + ".sock")
                        .toString()));
            }
            int baseline = mbufsInUse();
            Proc b = testpmd("peer-b", tmp.resolve("b.sock"), "macswap", false);
            long[] seen = {0, 0};
            List<Long> rss = new ArrayList<>();
            for (int i = 1; i <= cycles; i++) {
                Proc a = testpmd("peer-a-" + i, tmp.resolve("a.sock"), "flowgen", false);
                seen = awaitTraffic(sw, seen, "guest restart " + i);
                a.kill();                                    // in the middle of its traffic
                procs.remove(a);
                Files.deleteIfExists(tmp.resolve("peer-a-" + (i - 1) + ".log"));
                // sampled in the same state each time: the switch has seen the guest go (its memory,
                // a few MB of it touched, is unmapped then)
                long until = System.nanoTime() + TRAFFIC_TIMEOUT.toNanos();
                while (!linkDown("a") && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                rss.add(rssKb(sw.pid()));
            }
            assertTrue(b.alive(), "the other guest kept running:\n" + b.tail());
            // the lowest of cycles 11..20 against the lowest of the last 10: robust to a sample that
            // caught the JIT or a settling allocator, and a leak per restart shows in both directions
            long rssAfterWarmup = rss.subList(Math.min(10, rss.size() - 1), Math.min(20, rss.size())).stream()
                    .min(Long::compare).orElseThrow();
            long rssEnd = rss.subList(Math.max(0, rss.size() - 10), rss.size()).stream().min(Long::compare).orElseThrow();
            int inUse = -1;
            for (int t = 0; t < 100 && inUse != baseline; t++) {   // the last frames leave as the guest's queues go
                Thread.sleep(50);
                inUse = mbufsInUse();
            }
            System.out.println("SwitchRestartTest.guestRestarts: " + cycles + " SIGKILLs of a guest under traffic;"
                    + " switch RSS (lowest of cycles 11-20) " + rssAfterWarmup + " kB, (lowest of the last 10) " + rssEnd
                    + " kB, every cycle " + rss + "; mbufs in use "
                    + inUse + " (baseline " + baseline + ")");
            assertEquals(baseline, inUse, "mbufs back to their baseline; switch:\n" + sw.tail());
            // No leak per restart. A leak grows RSS in every stretch of restarts; what the clean-clone CI
            // saw instead is a creep of 10-35 KB a restart and, at a random cycle, a one-time growth of
            // 10-19 MB that then stays flat for the rest of the run (the allocator or the JIT; not
            // explained yet). So the restarts after the warm-up are split in two halves, and the test
            // fails when both grew by more than 100 KB a restart (a device's rings or mbufs, >= 2 MB,
            // or 180 KB a restart, show in both), or when the whole run grew by more than 48 MB.
            int from = Math.min(10, rss.size() - 1);
            int mid = from + (rss.size() - from) / 2;
            long firstHalf = growth(rss.subList(from, mid));
            long secondHalf = growth(rss.subList(mid, rss.size()));
            long perHalfBound = 100L * Math.max(1, (rss.size() - from) / 2);
            System.out.println("SwitchRestartTest.guestRestarts: RSS growth, cycles " + (from + 1) + "-" + mid + ": "
                    + firstHalf + " kB, cycles " + (mid + 1) + "-" + rss.size() + ": " + secondHalf + " kB (a leak: both"
                    + " above " + perHalfBound + " kB)");
            assertTrue(firstHalf <= perHalfBound || secondHalf <= perHalfBound, "switch RSS grew in both halves of "
                    + (rss.size() - from) + " guest restarts: " + firstHalf + " kB and " + secondHalf + " kB, more than "
                    + perHalfBound + " kB each: a leak per restart");
            assertTrue(rssEnd - rssAfterWarmup < 48 * 1024, "switch RSS grew from " + rssAfterWarmup + " kB to " + rssEnd
                    + " kB over " + (cycles - 10) + " guest restarts");
            assertTrue(sw.alive());
            closeAll();
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
        } finally {
            closeAll();
        }
    }

    @Test
    void switchRestarts() throws Exception {
        Dpdk.requireEnvironment(false);
        cpus();
        int cycles = Integer.getInteger("vswitch.switchCycles", SWITCH_CYCLES_DEFAULT);
        ctl = tmp.resolve("vs.ctl");
        Path db = tmp.resolve("db/ports.json");
        String prefix = Dpdk.prefix("rs-switch");           // the same command every time, --file-prefix included
        Proc a = testpmd("guest-a", tmp.resolve("a.sock"), "flowgen", true);
        Proc b = testpmd("guest-b", tmp.resolve("b.sock"), "macswap", true);
        List<Long> millis = new ArrayList<>();
        try {
            Proc sw = Proc.start("vswitch-0", switchCmd(prefix, db), tmp);
            procs.add(sw);
            sw.await("running; stop with", Duration.ofSeconds(60));
            for (String n : List.of("a", "b")) {
                rpc("port.add", params().put("name", n).put("type", "vhost-user-client").put("path",
                        tmp.resolve(n + ".sock").toString()));
            }
            awaitTraffic(sw, new long[] {0, 0}, "first start");
            for (int i = 1; i <= cycles; i++) {
                sw.kill();                                    // under traffic
                procs.remove(sw);
                long t0 = System.nanoTime();
                sw = Proc.start("vswitch-" + i, switchCmd(prefix, db), tmp);
                procs.add(sw);
                awaitTraffic(sw, new long[] {0, 0}, "switch restart " + i);
                millis.add((System.nanoTime() - t0) / 1_000_000);
                assertTrue(a.alive() && b.alive(), "the guests never exit:\n" + a.tail() + "\n" + b.tail());
                assertTrue(sw.output().contains("--db " + db + ": 2 recorded ports"), sw.tail());
            }
            List<Long> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            System.out.println("SwitchRestartTest.switchRestarts: " + cycles + " SIGKILLs of the switch under traffic;"
                    + " restart to traffic both ways (process start to the first frames seen forwarded, polled every"
                    + " 10 ms): median " + sorted.get(sorted.size() / 2) + " ms, worst " + sorted.get(sorted.size() - 1)
                    + " ms, all " + millis);
            String log = sw.output();
            assertTrue(log.contains("removed the stale socket " + ctl), "the stale control socket was taken over:\n" + log);
            assertTrue(log.contains("taking over the DPDK runtime directory /var/run/dpdk/" + prefix + " of a process"
                    + " that is gone"), "the stale runtime directory was taken over, and said so:\n" + log);
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
            assertFalse(Files.exists(ctl), "control socket removed at exit");
            assertTrue(a.alive() && b.alive(), "the guests outlive the switch");
            assertTrue(Files.exists(tmp.resolve("a.sock")), "a guest's socket is the guest's: the switch leaves it");
        } finally {
            closeAll();
        }
    }

    @Test
    void aSecondSwitchOnTheSameFilePrefixIsOneLineAndTouchesNothing() throws Exception {
        Dpdk.requireEnvironment(false);
        cpus();
        ctl = tmp.resolve("vs.ctl");
        String prefix = Dpdk.prefix("rs-twice");
        Proc first = Proc.start("vswitch-first", switchCmd(prefix, null), tmp);
        procs.add(first);
        try {
            first.await("running; stop with", Duration.ofSeconds(60));
            Path ctl2 = tmp.resolve("second.ctl");
            List<String> cmd = new ArrayList<>(switchCmd(prefix, null));
            cmd.set(cmd.indexOf(ctl.toString()), ctl2.toString());
            try (Proc second = Proc.start("vswitch-second", cmd, tmp)) {
                assertEquals(ExitCode.EAL.code, second.waitFor(Duration.ofSeconds(60)), second.tail());
                String out = second.output().strip();
                assertEquals(1, out.lines().count(), "one line:\n" + out);
                assertEquals("vswitch: another DPDK process is running with --file-prefix " + prefix + " (it holds"
                        + " /var/run/dpdk/" + prefix + "/config): stop it, or give this one another --file-prefix", out);
            }
            assertFalse(Files.exists(ctl2));
            assertTrue(first.alive() && rpc("ping", null) != null, "the first switch is untouched");
            assertEquals(0, first.stop(Duration.ofSeconds(20)), first.tail());
        } finally {
            closeAll();
        }
    }

    @Test
    void aDamagedDatabaseStopsTheStartBeforeAnythingIsCreated() throws Exception {
        Dpdk.requireEnvironment(false);
        cpus();
        ctl = tmp.resolve("vs.ctl");
        Path db = tmp.resolve("ports.json");
        Files.writeString(db, "{\"version\":1,\"ports\":[{\"name\":\"vm0\"");
        String prefix = Dpdk.prefix("rs-bad");
        try (Proc sw = Proc.start("vswitch-bad", switchCmd(prefix, db), tmp)) {
            assertEquals(ExitCode.DB.code, sw.waitFor(Duration.ofSeconds(60)), sw.tail());
            String out = sw.output().strip();
            assertEquals(1, out.lines().count(), "one line:\n" + out);
            assertTrue(out.startsWith("vswitch: --db " + db + " is not valid JSON"), out);
        }
        assertFalse(Files.exists(ctl), "no control socket");
        assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix)), "EAL never started");
        assertEquals("{\"version\":1,\"ports\":[{\"name\":\"vm0\"", Files.readString(db), "the file is left as it was");
    }

    @Test
    void aRecordedPortThatCannotComeBackIsListedAsFailedUntilDeleted() throws Exception {
        Dpdk.requireEnvironment(false);
        cpus();
        ctl = tmp.resolve("vs.ctl");
        Path db = tmp.resolve("ports.json");
        Path gone = tmp.resolve("gone");
        Files.writeString(db, "{\"version\":1,\"ports\":[{\"name\":\"vm0\",\"type\":\"vhost-user\",\"path\":\""
                + gone.resolve("vm0.sock") + "\",\"queues\":1},{\"name\":\"vm1\",\"type\":\"vhost-user\",\"path\":\""
                + tmp.resolve("vm1.sock") + "\",\"queues\":1}]}");
        try (Proc sw = Proc.start("vswitch-failed", switchCmd(Dpdk.prefix("rs-failed"), db), tmp)) {
            procs.add(sw);
            sw.await("running; stop with", Duration.ofSeconds(60));
            JsonNode ports = rpc("port.list", null).get("ports");
            assertEquals(2, ports.size(), ports.toString());
            JsonNode vm0 = ports.get(1);
            assertEquals("vm1", ports.get(0).get("name").asText(), "the other port is up");
            assertEquals("vm0", vm0.get("name").asText());
            assertEquals("failed", vm0.get("link").asText());
            assertTrue(vm0.get("error").asText().contains("does not exist"), vm0.toString());
            assertEquals(RpcError.PORT_EXISTS, code(() -> rpc("port.add", params().put("name", "vm0").put("type",
                    "vhost-user").put("path", tmp.resolve("vm0.sock").toString()))));
            rpc("port.del", params().put("name", "vm0"));
            assertFalse(Files.readString(db).contains("\"vm0\""), Files.readString(db));
            assertEquals(1, rpc("port.list", null).get("ports").size());
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), sw.tail());
            assertTrue(Files.readString(db).contains("\"vm1\""), "a stop keeps the record: " + Files.readString(db));
        }
    }

    interface Call {
        void run() throws RpcError;
    }

    static int code(Call c) {
        try {
            c.run();
        } catch (RpcError e) {
            return e.code();
        }
        throw new AssertionError("expected an error");
    }

    /** RSS growth over a stretch of samples: the lowest of its last 10 minus the lowest of its first 10 (kB). */
    static long growth(List<Long> rss) {
        int w = Math.max(1, Math.min(10, rss.size() / 2));
        long first = rss.subList(0, w).stream().min(Long::compare).orElseThrow();
        long last = rss.subList(rss.size() - w, rss.size()).stream().min(Long::compare).orElseThrow();
        return last - first;
    }
}
