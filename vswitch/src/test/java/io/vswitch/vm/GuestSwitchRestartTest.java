package io.vswitch.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real VM keeps its network while the switch restarts (issue 12, "a real VM").
 * <pre>
 *   QEMU guest (TCG)                 bin/vswitch --mode switch --db       namespace
 *   virtio-net, kernel ping  ──vhost-user──  vm0: vhost-user-client         198.18.7.2
 *   198.18.7.1 → 198.18.7.2   QEMU owns the   net_af_packet0 on veth ──────  (veth peer)
 *   (pinglog: VSPING seq=N)   socket
 * </pre>
 * QEMU is the vhost-user socket server ({@code --vhost-server}); the switch connects with a
 * client port, added once with vswitchctl and re-created from {@code --db} at each start. The switch is killed with SIGKILL while the guest pings and started again with
 * the same command, {@link #RESTARTS} times. The veth pair outlives the switch, so nothing on
 * the host or in the guest is touched between restarts.
 * <p>What is asserted (counts, never times): every request before the first kill is answered;
 * after each restart, from the first reply on, every request is answered up to the next kill
 * ({@link #WINDOW} of them at least, and {@link #FINAL_WINDOW} after the last restart); so the
 * only requests without a reply are those sent between a kill and the first reply after the
 * restart. QEMU never exits. The times from each new switch process to the guest's first reply
 * are printed, not asserted. Then the other order: the VM ends (its socket goes with it) and a
 * new one boots on the same path while the switch runs on; every one of its requests is answered.
 */
class GuestSwitchRestartTest {
    static final int RESTARTS = 3;
    static final int WINDOW = 15;
    static final int FINAL_WINDOW = 25;
    static final String GUEST = "198.18.7.1";
    static final String PEER = "198.18.7.2";
    static final String PEER_MAC = "02:00:00:00:07:02";
    static final Pattern SEQ = Pattern.compile("^VSPING seq=(\\d+)\\r?\\n", Pattern.MULTILINE);

    @TempDir Path dir;

    @Test
    void guestPingsSurviveSwitchKilledAndRestarted() throws Exception {
        Dpdk.requireEnvironment(false);
        assertTrue(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")),
                "qemu-system-x86_64 is missing: run bin/setup (apt-get install $(cat vm-scripts/packages.txt))");
        String tag = Long.toString(ProcessHandle.current().pid() % 100000);
        String ns = "vsr-" + tag;
        String hostEnd = "vsrh" + tag;
        String nsEnd = "vsrn" + tag;
        Path sock = dir.resolve("vm0.sock");
        Path ctl = dir.resolve("vs.ctl");
        Path db = dir.resolve("ports.json");
        // The same command every time, as systemd's Restart= runs it (deploy/systemd/vswitch.service): the VM's
        // client port is added once with vswitchctl and comes back from --db; the kernel side is a --vdev.
        List<String> cmd = Dpdk.vswitch(List.of("--mode", "switch", "--ctl", ctl.toString(), "--db", db.toString(),
                "--vdev", "net_af_packet0,iface=" + hostEnd,
                "--lcores", "1", "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("vmrestart")));

        boolean vethMade = false;
        boolean nsMade = false;
        Proc sw = null;
        GuestRun guest = null;
        try {
            sh("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd);
            vethMade = true;
            sh("ip", "netns", "add", ns);
            nsMade = true;
            sh("ip", "link", "set", nsEnd, "netns", ns);
            sh("ip", "-n", ns, "link", "set", nsEnd, "address", PEER_MAC);
            sh("ip", "-n", ns, "addr", "add", PEER + "/24", "dev", nsEnd);
            sh("ip", "-n", ns, "link", "set", "lo", "up");
            sh("ip", "-n", ns, "link", "set", nsEnd, "up");
            sh("ip", "link", "set", hostEnd, "up");

            // The switch first: QEMU with a vhost-user server socket waits for its first connection.
            sw = startSwitch(cmd, 0);
            assertEquals(0, io.vswitch.ctl.VswitchctlCommand.run("--ctl", ctl.toString(), "add-port", "vm0",
                    "--type", "vhost-user-client", "--path", sock.toString()), "vswitchctl add-port vm0:\n" + sw.tail());
            assertTrue(Files.readString(db).contains("vhost-user-client"), "vm0 recorded in --db: " + Files.readString(db));
            VmSpec s = new VmSpec();
            s.mode = "pinglog";
            s.count = 1_000_000;          // the test ends the guest, not the count
            s.interval = "0.2";
            s.vcpus = 1;
            s.memoryMb = 256;
            s.memBackend = VmSpec.Memory.memfd;
            s.server = true;
            s.sockets.add(sock);
            s.runDir = dir.resolve("vm");
            s.append = "vs.ip=" + GUEST + " vs.peer=" + PEER + " vs.peermac=" + PEER_MAC;
            guest = GuestRun.start(s, System.out);
            Path serial = guest.serialLog();

            // Before any restart: every request from seq 0 answered.
            int from = 0;
            TreeSet<Integer> got = awaitReplies(serial, from, WINDOW, guest, sw, Duration.ofSeconds(180));
            List<int[]> outages = new ArrayList<>();
            List<String> restartToReplyMs = new ArrayList<>();
            for (int r = 1; r <= RESTARTS; r++) {
                got = replies(serial);
                int last = got.last();
                assertComplete(got, from, last, "before kill " + r);

                ProcessHandle h = ProcessHandle.of(sw.pid()).orElseThrow();
                h.destroyForcibly();     // SIGKILL: no shutdown, EAL's runtime dir and the socket connection left as they are
                assertTrue(h.onExit().get(20, TimeUnit.SECONDS) != null && !h.isAlive(), "switch still alive after SIGKILL");
                assertTrue(qemuAlive(guest), "QEMU exited when the switch was killed:\n" + tail(serial));

                long t0 = System.nanoTime();
                sw = startSwitch(cmd, r);
                long ready = System.nanoTime();
                sw.await(": 1 recorded port$", Duration.ofSeconds(1));
                sw.await("^\\S+ vswitch: vm0: port \\d+ \\(net_vhost\\) added", Duration.ofSeconds(1));   // from --db, not added again
                int first = awaitFirstAfter(serial, last, guest, sw, Duration.ofSeconds(120));
                restartToReplyMs.add((ready - t0) / 1_000_000 + "+" + (System.nanoTime() - ready) / 1_000_000);
                outages.add(new int[] {last, first});
                from = first;
                got = awaitReplies(serial, from, r == RESTARTS ? FINAL_WINDOW : WINDOW, guest, sw, Duration.ofSeconds(120));
            }
            got = replies(serial);
            int end = got.last();
            assertComplete(got, from, end, "after the last restart");
            assertTrue(end - from + 1 >= FINAL_WINDOW, "final window " + from + ".." + end);
            // Only requests sent while the switch was down went unanswered.
            for (int q = 0; q <= end; q++) {
                if (got.contains(q)) continue;
                boolean inOutage = false;
                for (int[] o : outages) inOutage |= q > o[0] && q < o[1];
                assertTrue(inOutage, "request " + q + " unanswered outside a restart; outages " + show(outages) + "\n" + tail(serial));
            }
            assertTrue(qemuAlive(guest), "QEMU must still run");
            assertFalse(Files.readString(serial, StandardCharsets.ISO_8859_1).contains("VSRESULT"), "the guest's ping ended early:\n" + tail(serial));
            int lost = 0;
            for (int[] o : outages) lost += o[1] - o[0] - 1;
            System.out.println("GuestSwitchRestartTest: " + RESTARTS + " SIGKILL restarts; requests 0.." + end + ", " + got.size()
                    + " answered, " + lost + " unanswered, all while the switch was down " + show(outages)
                    + "; new switch process to its 'running' line + from there to the guest's first reply (ms; 0.2 s ping interval): " + restartToReplyMs);
            assertEquals(end + 1 - lost, got.size(), "every reply outside the outages");

            // The other order: the VM ends and a new one starts on the same socket; the switch (not restarted)
            // finds it with the same reconnect loop, and the new guest's pings are all answered from the first.
            guest.close();
            assertFalse(Files.exists(sock), "QEMU's vhost-user socket is removed when the VM ends");
            assertTrue(sw.alive(), "the switch must outlive its guest:\n" + sw.tail());
            s.runDir = dir.resolve("vm2");
            guest = GuestRun.start(s, System.out);
            Path serial2 = guest.serialLog();
            TreeSet<Integer> again = awaitReplies(serial2, 0, WINDOW, guest, sw, Duration.ofSeconds(180));
            assertComplete(again, 0, again.last(), "a new VM on the same socket");
            assertTrue(sw.alive(), "the switch must still run:\n" + sw.tail());
            System.out.println("GuestSwitchRestartTest: a new VM on the same socket: requests 0.." + again.last() + " all answered");
        } finally {
            if (guest != null) guest.close();
            if (sw != null) sw.stop(Duration.ofSeconds(10));
            if (nsMade) shAllowFail("ip", "netns", "del", ns);
            if (vethMade) shAllowFail("ip", "link", "del", hostEnd);
        }
    }

    Proc startSwitch(List<String> cmd, int n) throws Exception {
        Proc p = Proc.start("vswitch-" + n, cmd, dir);
        p.await("running; stop with", Duration.ofSeconds(60));
        return p;
    }

    static boolean qemuAlive(GuestRun g) {
        return ProcessHandle.of(g.pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    static TreeSet<Integer> replies(Path serial) throws IOException {
        TreeSet<Integer> s = new TreeSet<>();
        if (!Files.exists(serial)) return s;
        Matcher m = SEQ.matcher(Files.readString(serial, StandardCharsets.ISO_8859_1));
        while (m.find()) s.add(Integer.parseInt(m.group(1)));
        return s;
    }

    /** Waits until the replies reach {@code from + n - 1}. */
    static TreeSet<Integer> awaitReplies(Path serial, int from, int n, GuestRun g, Proc sw, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            TreeSet<Integer> s = replies(serial);
            if (!s.isEmpty() && s.last() >= from + n - 1) return s;
            check(g, sw, serial, end, "replies up to seq " + (from + n - 1) + " (have " + (s.isEmpty() ? "none" : "up to " + s.last()) + ")");
            Thread.sleep(50);
        }
    }

    /** Waits for the first reply to a request after {@code last}; returns its sequence number. */
    static int awaitFirstAfter(Path serial, int last, GuestRun g, Proc sw, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Integer h = replies(serial).higher(last);
            if (h != null) return h;
            check(g, sw, serial, end, "a reply after seq " + last);
            Thread.sleep(50);
        }
    }

    static void check(GuestRun g, Proc sw, Path serial, long end, String what) throws IOException {
        if (!qemuAlive(g)) throw new AssertionError("QEMU exited while waiting for " + what + ":\n" + tail(serial));
        if (!sw.alive()) throw new AssertionError("the switch exited while waiting for " + what + ":\n" + sw.tail());
        if (System.nanoTime() > end) throw new AssertionError("no " + what + ":\n" + tail(serial) + "\nswitch:\n" + sw.tail());
    }

    static void assertComplete(TreeSet<Integer> got, int from, int to, String when) {
        for (int q = from; q <= to; q++) {
            assertTrue(got.contains(q), when + ": no reply to request " + q + " (window " + from + ".." + to + ")");
        }
    }

    static String show(List<int[]> outages) {
        StringBuilder b = new StringBuilder();
        for (int[] o : outages) b.append(b.isEmpty() ? "" : ", ").append("after ").append(o[0]).append(" until ").append(o[1]);
        return "[" + b + "]";
    }

    static String tail(Path f) throws IOException {
        if (!Files.exists(f)) return "<no " + f + ">";
        String s = Files.readString(f, StandardCharsets.ISO_8859_1);
        return s.length() > 3000 ? "..." + s.substring(s.length() - 3000) : s;
    }

    static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " hangs");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    }

    static void shAllowFail(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
    }
}
