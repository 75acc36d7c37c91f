package io.vswitch.reflector;

import static io.vswitch.reflector.ReflectorTestpmdTest.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Pcap;
import io.vswitch.testutil.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed frames, made by a tool outside the project, replayed into the switch and the
 * reflector running as real processes: no crash, every frame accounted for, mbufs back to
 * their baseline, and the reflector's frames checked byte for byte.
 *
 * <p><b>The frames.</b> {@code src/test/resources/malformed/malformed_frames.py} (Scapy,
 * seeded, run with /usr/bin/python3) writes {@value #DISTINCT_DEFAULT} distinct frames:
 * truncated Ethernet/VLAN/IPv4/IPv6/UDP/TCP headers, wrong IP lengths and IHLs, IP options,
 * fragments, IPv6 extension headers, TCP data offsets out of range, 802.1Q, QinQ and deeper
 * tag stacks (some with nothing after the tag), runts down to 1 B, oversize frames up to
 * 9216 B and a few up to 65535 B (multi-segment mbufs: 2 KB mbufs on both sides), broadcast,
 * multicast and multicast-source MACs, random bytes. The script prints its mix. This test
 * repeats the set in order into a replay pcap of {@link #FRAMES} frames.
 *
 * <p><b>The replayer</b> is dpdk-testpmd: {@code net_pcap0} reads the replay pcap (rx) and
 * writes what comes back to {@code out.pcap} (tx); {@code net_virtio_user0} is the guest on
 * the port under test; io forwarding with retry ({@code set fwd io retry}, so testpmd waits
 * for ring space instead of dropping: every frame of the file reaches the port). The frames
 * the port sends back go to {@code out.pcap}.
 *
 * <p><b>Accounting</b>, exact, taken once everything is quiet (testpmd's pcap port has read
 * the whole file and neither side's counters move over two stats intervals):
 * <ul>
 * <li>the port under test received exactly what testpmd's virtio-user port transmitted (its
 *     ethdev {@code opackets}), and testpmd sent every frame of the file;
 * <li>switch, per port: rx = forwarded + flooded + drops by input reason (runt, bad source,
 *     hairpin, VLAN); both ports: tx + tx_full = forwarded + flooded (each frame goes to the
 *     one other port); runts and bad sources exactly as many as the file holds; what a port
 *     sent, its guest received (runts below 14 B are virtio's rx errors, counted as such);
 * <li>reflector: rx = tx + drops; tx = what testpmd received back + its virtio rx errors
 *     (virtio-net drops frames shorter than an Ethernet header on receive); {@code out.pcap}
 *     is the replayed stream with the mode applied (macswap, or 5tswap by an oracle written
 *     here from the spec, not the datapath's code), in order, less exactly that many frames;
 * <li>mbufs in use back to the baseline; SIGTERM exits 0.
 * </ul>
 *
 * <p><b>Counts.</b> {@code -Dvswitch.malformed.frames=N} frames per run (default
 * {@value #FRAMES_DEFAULT}, the CI setting; the full run is one million:
 * {@code mvn -B -o test -pl native-shim,bindings,vswitch -Dtest=MalformedReplayTest
 * -Dvswitch.malformed.frames=1000000}), {@code -Dvswitch.malformed.distinct=N} distinct frames
 * (default {@value #DISTINCT_DEFAULT}), {@code -Dvswitch.malformed.seed=S}.
 */
class MalformedReplayTest {
    static final long FRAMES_DEFAULT = 200_000;
    static final int DISTINCT_DEFAULT = 20_000;
    static final long FRAMES = Long.getLong("vswitch.malformed.frames", FRAMES_DEFAULT);
    static final int DISTINCT = Integer.getInteger("vswitch.malformed.distinct", DISTINCT_DEFAULT);
    static final int SEED = Integer.getInteger("vswitch.malformed.seed", 12);
    static final String PYTHON = "/usr/bin/python3";

    static Path dir;
    static List<byte[]> set;
    static Path replay;
    static Expected expected;

    /** What the replayed stream holds that the switch decides without its MAC table. */
    record Expected(long frames, long bytes, long runts, long below14, long badSources, long multiSegment, int maxLen) {}

    @BeforeAll
    static void frames() throws Exception {
        Dpdk.requireEnvironment(false);
        dir = Files.createTempDirectory("vswitch-malformed");
        Path script = Dpdk.REPO.resolve("vswitch/src/test/resources/malformed/malformed_frames.py");
        Path pcap = dir.resolve("set.pcap");
        Process p = new ProcessBuilder(PYTHON, script.toString(), "--out", pcap.toString(), "--count",
                Integer.toString(DISTINCT), "--seed", Integer.toString(SEED)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        if (rc != 0) {
            throw new AssertionError(script.getFileName() + " failed (exit " + rc + "); it needs Scapy for "
                    + PYTHON + ": run bin/setup (apt-get install python3-scapy)\n" + out);
        }
        set = Pcap.readAll(pcap);
        assertEquals(DISTINCT, set.size(), "frames in " + pcap);
        replay = dir.resolve("replay.pcap");
        long frames = 0, bytes = 0, runts = 0, below14 = 0, bad = 0, multi = 0;
        int max = 0;
        try (Pcap.Writer w = new Pcap.Writer(replay)) {
            for (long i = 0; i < FRAMES; i++) {
                byte[] f = set.get((int) (i % set.size()));
                w.write(f);
                frames++;
                bytes += f.length;
                max = Math.max(max, f.length);
                multi += f.length > 2048 ? 1 : 0;
                below14 += f.length < 14 ? 1 : 0;
                switch (switchInputDrop(f)) {
                    case RUNT -> runts++;
                    case BAD_SOURCE -> bad++;
                    default -> { }
                }
            }
        }
        expected = new Expected(frames, bytes, runts, below14, bad, multi, max);
        System.out.println("MalformedReplayTest: " + DISTINCT + " distinct frames (seed " + SEED + "), mix: "
                + out.strip().replace('\n', ',') + "; replaying " + expected);
    }

    @AfterAll
    static void clean() {
        if (dir != null) {
            Dpdk.deleteTree(dir);
        }
    }

    enum InputDrop { NONE, RUNT, BAD_SOURCE }

    /**
     * The switch's input drops that depend on the frame alone (Forwarding's order): shorter
     * than an Ethernet header; a multicast source; an outer 802.1Q/802.1ad tag cut short.
     */
    static InputDrop switchInputDrop(byte[] f) {
        if (f.length < 14) {
            return InputDrop.RUNT;
        }
        if ((f[6] & 1) != 0) {
            return InputDrop.BAD_SOURCE;
        }
        int type = ((f[12] & 0xFF) << 8) | (f[13] & 0xFF);
        if ((type == 0x8100 || type == 0x88A8) && f.length < 18) {
            return InputDrop.RUNT;
        }
        return InputDrop.NONE;
    }

    // ---------------------------------------------------------------- the switch

    @Test
    void theSwitchAccountsForEveryFrame() throws Exception {
        Path s0 = dir.resolve("sw0.sock");
        Path s1 = dir.resolve("sw1.sock");
        Path json = dir.resolve("switch-stats.json");
        List<String> args = List.of("--mode", "switch", "--lcores", "1", "--no-huge", "-m", "512", "--file-prefix",
                Dpdk.prefix("mf-sw"), "--stats", "0.5", "--stats-json", json.toString(),
                "--vdev", "net_vhost0,iface=" + s0, "--vdev", "net_vhost1,iface=" + s1);
        try (Proc sw = Proc.start("vswitch-switch", Dpdk.vswitch(args), dir)) {
            sw.await("running; stop with", Duration.ofSeconds(30));
            long baseline = num(firstStats(json, sw).get("mbufs_in_use"));   // before traffic: the baseline
            // the far side: a guest that sends back what it gets, MACs swapped, so both ports learn,
            // forward, flood, hairpin and drop bad sources (a reflected broadcast has a broadcast source)
            try (Proc far = Proc.start("testpmd-far", Dpdk.testpmdGuest(s1, 1, 0, "macswap", List.of()), dir)) {
                sw.await("net_vhost1: guest connected", Duration.ofSeconds(20));
                Path outPcap = dir.resolve("switch-out.pcap");
                try (Proc rep = Proc.start("testpmd-replay", replayer(s0, outPcap), dir)) {
                    sw.await("net_vhost0: guest connected", Duration.ofSeconds(20));
                    JsonNode last = replayAndSettle(rep, sw, json, MalformedReplayTest::switchTotals, far);
                    assertTrue(sw.alive(), "the switch died:\n" + sw.tail());
                    Nic repPcap = nic(rep, 0);
                    Nic repVirtio = nic(rep, 1);
                    Nic farVirtio = nic(far, 0);
                    JsonNode p0 = last.get("ports").get(0);
                    JsonNode p1 = last.get("ports").get(1);
                    String books = "switch " + last + "\nreplayer pcap " + repPcap + " virtio " + repVirtio
                            + "\nfar guest " + farVirtio;
                    System.out.println("MalformedReplayTest switch: " + books);

                    assertEquals(expected.frames(), repPcap.rxPackets(), "testpmd did not read the whole file");
                    assertEquals(expected.frames(), repVirtio.txPackets(), "testpmd did not send every frame\n" + books);
                    assertEquals(repVirtio.txPackets(), num(p0.get("rx_pkts")), "switch rx vs testpmd tx\n" + books);
                    for (JsonNode p : List.of(p0, p1)) {
                        long in = num(p.get("forwarded")) + num(p.get("flooded")) + num(p.get("drop_runt"))
                                + num(p.get("drop_bad_source")) + num(p.get("drop_hairpin")) + num(p.get("drop_vlan"));
                        assertEquals(num(p.get("rx_pkts")), in, "rx = forwarded + flooded + input drops\n" + p);
                        assertEquals(0, num(p.get("drop_no_mbuf")), "no copies or edits between trunks\n" + p);
                        assertEquals(0, num(p.get("drop_no_port")), "no port went away\n" + p);
                        assertEquals(0, num(p.get("drop_vlan")), "trunks drop no VLAN\n" + p);
                    }
                    long out = 0;
                    long decided = 0;
                    for (JsonNode p : List.of(p0, p1)) {
                        out += num(p.get("tx_pkts")) + num(p.get("drop_tx_full"));
                        decided += num(p.get("forwarded")) + num(p.get("flooded"));
                    }
                    assertEquals(decided, out, "every frame forwarded or flooded went to the one other port\n" + books);
                    assertEquals(expected.runts(), num(p0.get("drop_runt")), "runts in the file vs the switch's\n" + books);
                    assertEquals(expected.bytes(), num(p0.get("rx_bytes")), "bytes in the file vs the switch's rx bytes"
                            + " (every segment of a multi-segment frame counts)\n" + books);
                    assertEquals(expected.badSources(), num(p0.get("drop_bad_source")),
                            "multicast sources in the file vs the switch's\n" + books);
                    // what each port sent, its guest got (the switch never sends a runt: rx errors stay 0)
                    assertEquals(num(p1.get("tx_pkts")), farVirtio.rxPackets() + farVirtio.rxErrors(), books);
                    assertEquals(0, farVirtio.rxErrors(), books);
                    assertEquals(farVirtio.txPackets(), num(p1.get("rx_pkts")), "far guest tx vs switch rx\n" + books);
                    assertEquals(num(p0.get("tx_pkts")), repVirtio.rxPackets() + repVirtio.rxErrors(), books);
                    assertTrue(num(p1.get("tx_pkts")) > 0 && num(p0.get("tx_pkts")) > 0 && num(p0.get("drop_hairpin")) > 0,
                            "traffic in both directions and hairpins expected\n" + books);

                    assertEquals(0, rep.stop(Duration.ofSeconds(15)), "replayer exit:\n" + rep.tail());
                }
                assertEquals(0, far.stop(Duration.ofSeconds(15)), "far guest exit:\n" + far.tail());
            }
            sw.await("net_vhost0: guest disconnected", Duration.ofSeconds(10));
            sw.await("net_vhost1: guest disconnected", Duration.ofSeconds(10));
            Thread.sleep(1200);                                   // a stats sample after the guests left
            assertEquals(0, sw.stop(Duration.ofSeconds(20)), "SIGTERM must exit 0:\n" + sw.tail());
            List<JsonNode> all = stats(json);
            JsonNode summary = all.get(all.size() - 1);
            assertEquals("summary", summary.get("type").textValue());
            assertEquals(baseline, num(all.get(all.size() - 2).get("mbufs_in_use")), "switch mbufs not returned");
            assertEquals(baseline, num(summary.get("mbufs_in_use")), "switch mbufs not returned at exit");
        }
    }

    static long[] switchTotals(JsonNode s) {
        JsonNode p0 = s.get("ports").get(0);
        JsonNode p1 = s.get("ports").get(1);
        return new long[] {num(p0.get("rx_pkts")), num(p0.get("tx_pkts")), num(p1.get("rx_pkts")), num(p1.get("tx_pkts"))};
    }

    // ---------------------------------------------------------------- the reflector

    @ParameterizedTest(name = "--mode {0}")
    @ValueSource(strings = {"macswap", "5tswap"})
    void theReflectorAccountsForEveryFrameAndSwapsHeaders(String mode) throws Exception {
        Path sock = dir.resolve("refl-" + mode + ".sock");
        Path json = dir.resolve("refl-" + mode + ".json");
        Path outPcap = dir.resolve("refl-" + mode + "-out.pcap");
        List<String> args = List.of("--vdev", "net_vhost0,iface=" + sock, "--lcores", "1", "--mode", mode,
                "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("mf-refl"), "--stats", "0.5", "--stats-json",
                json.toString());
        try (Proc vs = Proc.start("vswitch-" + mode, Dpdk.vswitch(args), dir)) {
            vs.await("running; stop with", Duration.ofSeconds(30));
            long baseline = num(firstStats(json, vs).get("mbufs_in_use"));
            long rx;
            long tx;
            long drops;
            Nic repVirtio;
            try (Proc rep = Proc.start("testpmd-replay-" + mode, replayer(sock, outPcap), dir)) {
                vs.await("guest connected", Duration.ofSeconds(20));
                JsonNode last = replayAndSettle(rep, vs, json, MalformedReplayTest::reflectorTotals);
                assertTrue(vs.alive(), "the reflector died:\n" + vs.tail());
                long[] t = reflectorTotals(last);
                rx = t[0];
                tx = t[1];
                drops = t[2];
                Nic repPcap = nic(rep, 0);
                repVirtio = nic(rep, 1);
                String books = "reflector rx " + rx + " tx " + tx + " drops " + drops + " rx_bytes " + t[3] + " tx_bytes "
                        + t[4] + "\nreplayer pcap " + repPcap
                        + " virtio " + repVirtio;
                System.out.println("MalformedReplayTest " + mode + ": " + books);
                assertEquals(expected.frames(), repPcap.rxPackets(), "testpmd did not read the whole file");
                assertEquals(expected.frames(), repVirtio.txPackets(), "testpmd did not send every frame\n" + books);
                assertEquals(repVirtio.txPackets(), rx, "reflector rx vs testpmd tx\n" + books);
                assertEquals(rx, tx + drops, "rx = tx + drops\n" + books);
                // bytes: whole frames (pkt_len), multi-segment ones included
                assertEquals(expected.bytes(), repVirtio.txBytes(), "bytes testpmd sent\n" + books);
                assertEquals(expected.bytes(), t[3], "reflector rx bytes\n" + books);
                // what the reflector sent, testpmd received but for its rx errors: runts of 1..13 B each
                long lost = t[4] - repVirtio.rxBytes();
                assertTrue(lost >= repVirtio.rxErrors() && lost <= 13 * repVirtio.rxErrors(),
                        "reflector tx bytes vs testpmd rx bytes\n" + books);
                assertEquals(tx, repVirtio.rxPackets() + repVirtio.rxErrors(), "reflector tx vs testpmd rx\n" + books);
                // testpmd wrote every frame it received into out.pcap: stop it so the file is complete
                assertEquals(0, rep.stop(Duration.ofSeconds(15)), "replayer exit:\n" + rep.tail());
                assertEquals(repVirtio.rxPackets(), nic(rep, 0).txPackets(), "frames written to " + outPcap);
            }
            Compared c = compare(outPcap, mode);
            System.out.println("MalformedReplayTest " + mode + ": out.pcap " + c);
            assertEquals(repVirtio.rxPackets(), c.matched(), "frames in out.pcap\n" + c);
            assertEquals(drops + repVirtio.rxErrors(), c.skipped(),
                    "frames of the replay missing from out.pcap: the reflector's drops and virtio's rx errors\n" + c);
            // no frame below 14 B comes back (virtio-net drops them on receive); the reflector's drops may be runts too
            assertEquals(expected.below14(), c.skippedRunts(), "a frame below 14 B came back\n" + c);
            assertTrue(repVirtio.rxErrors() <= c.skippedRunts(), "virtio rx errors are runts below 14 B\n" + c);
            assertTrue(c.multiSegment() > 0, "no multi-segment frame came back\n" + c);

            vs.await("guest disconnected", Duration.ofSeconds(10));
            Thread.sleep(1200);
            assertEquals(0, vs.stop(Duration.ofSeconds(20)), "SIGTERM must exit 0:\n" + vs.tail());
            List<JsonNode> all = stats(json);
            JsonNode summary = all.get(all.size() - 1);
            assertEquals("summary", summary.get("type").textValue());
            long[] t = reflectorTotals(summary);
            assertEquals(rx, t[0], "summary rx");
            assertEquals(t[0], t[1] + t[2], "summary rx = tx + drops");
            assertEquals(baseline, num(all.get(all.size() - 2).get("mbufs_in_use")), "reflector mbufs not returned");
            assertEquals(baseline, num(summary.get("mbufs_in_use")), "reflector mbufs not returned at exit");
        }
    }

    static long[] reflectorTotals(JsonNode s) {
        long rx = 0, tx = 0, drops = 0, rxBytes = 0, txBytes = 0;
        for (JsonNode q : s.get("queues")) {
            rx += num(q.get("rx_pkts"));
            tx += num(q.get("tx_pkts"));
            drops += num(q.get("drops"));
            rxBytes += num(q.get("rx_bytes"));
            txBytes += num(q.get("tx_bytes"));
        }
        return new long[] {rx, tx, drops, rxBytes, txBytes};
    }

    /** How out.pcap compares with the replayed stream, mode applied. */
    record Compared(long matched, long skipped, long skippedRunts, long multiSegment, long truncatedByPcap) {}

    /**
     * Walks out.pcap against the replayed stream with the mode applied: every frame of
     * out.pcap must be the next expected frame or a later one (the ones passed over were
     * dropped); fails at the first frame that is not in the rest of the stream.
     */
    static Compared compare(Path outPcap, String mode) throws IOException {
        long matched = 0, skipped = 0, skippedRunts = 0, multi = 0, cut = 0;
        long j = 0;
        try (Pcap.Reader r = new Pcap.Reader(outPcap)) {
            for (Pcap.Frame f = r.next(); f != null; f = r.next()) {
                long from = j;
                while (true) {
                    if (j >= expected.frames()) {
                        throw new AssertionError("frame " + matched + " of " + outPcap.getFileName() + " (" + f.wireLen()
                                + " B) is not in the replayed stream after frame " + from + ": "
                                + hex(f.data(), 64) + "\nexpected " + hex(reflect(mode, set.get((int) (from % set.size()))), 64));
                    }
                    byte[] want = reflect(mode, set.get((int) (j % set.size())));
                    j++;
                    if (matches(f, want)) {
                        break;
                    }
                    skipped++;
                    skippedRunts += want.length < 14 ? 1 : 0;
                }
                matched++;
                multi += f.wireLen() > 2048 ? 1 : 0;
                cut += f.data().length < f.wireLen() ? 1 : 0;
            }
        }
        for (; j < expected.frames(); j++) {
            skipped++;
            skippedRunts += set.get((int) (j % set.size())).length < 14 ? 1 : 0;
        }
        return new Compared(matched, skipped, skippedRunts, multi, cut);
    }

    /** The record holds the frame (net_pcap's tx keeps at most 9728 B of a multi-segment frame). */
    static boolean matches(Pcap.Frame f, byte[] want) {
        byte[] d = f.data();
        return f.wireLen() == want.length && d.length <= want.length
                && Arrays.equals(d, 0, d.length, want, 0, d.length);
    }

    static String hex(byte[] b, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, max); i++) {
            s.append(String.format("%02x", b[i]));
        }
        return s + (b.length > max ? "..." : "") + " (" + b.length + " B)";
    }

    /** The frame as the reflector in {@code mode} must send it back: an oracle from ReflectMode's spec. */
    static byte[] reflect(String mode, byte[] in) {
        byte[] f = in.clone();
        if (f.length < 14) {
            return f;
        }
        swap(f, 0, 6, 6);
        if (mode.equals("macswap")) {
            return f;
        }
        int l3 = 14;
        int type = u16(f, 12);
        for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88A8); tags++) {
            if (l3 + 4 > f.length) {
                return f;
            }
            type = u16(f, l3 + 2);
            l3 += 4;
        }
        int proto;
        int l4;
        if (type == 0x0800) {
            if (l3 + 20 > f.length) {
                return f;
            }
            int ihl = (f[l3] & 0x0F) * 4;
            if ((f[l3] & 0xF0) != 0x40 || ihl < 20 || l3 + ihl > f.length) {
                return f;
            }
            swap(f, l3 + 12, l3 + 16, 4);
            if ((u16(f, l3 + 6) & 0x1FFF) != 0) {
                return f;
            }
            proto = f[l3 + 9] & 0xFF;
            l4 = l3 + ihl;
        } else if (type == 0x86DD) {
            if (l3 + 40 > f.length) {
                return f;
            }
            swap(f, l3 + 8, l3 + 24, 16);
            proto = f[l3 + 6] & 0xFF;
            l4 = l3 + 40;
        } else {
            return f;
        }
        int min = proto == 6 ? 20 : proto == 17 ? 8 : -1;
        if (min > 0 && l4 + min <= f.length) {
            swap(f, l4, l4 + 2, 2);
        }
        return f;
    }

    static int u16(byte[] f, int off) {
        return ((f[off] & 0xFF) << 8) | (f[off + 1] & 0xFF);
    }

    static void swap(byte[] f, int a, int b, int n) {
        for (int i = 0; i < n; i++) {
            byte t = f[a + i];
            f[a + i] = f[b + i];
            f[b + i] = t;
        }
    }

    // ---------------------------------------------------------------- replaying

    /**
     * dpdk-testpmd replaying {@link #replay} onto a virtio-user port on {@code socket}, writing
     * what comes back to {@code out}: io forwarding with tx retry (set in a command file:
     * there is no command-line switch for it), the pcap port's rx not flushed before start,
     * NIC stats every second (which also keeps a non-interactive testpmd running).
     */
    static List<String> replayer(Path socket, Path out) throws IOException {
        Path cmds = dir.resolve("replay-cmds-" + Long.toHexString(System.nanoTime()) + ".txt");
        Files.writeString(cmds, "set fwd io retry\nset burst tx delay 10 retry 1000000\n");
        return List.of(Dpdk.TESTPMD, "--lcores", "0@0,1@0", "--no-huge", "-m", "512", "--file-prefix",
                Dpdk.prefix("mf-replay"), "--no-pci",
                "--vdev", "net_pcap0,rx_pcap=" + replay + ",tx_pcap=" + out,
                "--vdev", "net_virtio_user0,path=" + socket,
                "--", "--cmdline-file=" + cmds, "--nb-cores=1", "--auto-start", "--no-flush-rx",
                "--total-num-mbufs=16384", "--stats-period=1");
    }

    /** One port's block of testpmd's periodic NIC statistics. */
    record Nic(long rxPackets, long rxMissed, long rxBytes, long rxErrors, long rxNombuf, long txPackets, long txErrors,
               long txBytes) {}

    static final Pattern NIC = Pattern.compile("NIC statistics for port (\\d+)\\s+#+\\s+RX-packets:\\s+(\\d+)\\s+"
            + "RX-missed:\\s+(\\d+)\\s+RX-bytes:\\s+(\\d+)\\s+RX-errors:\\s+(\\d+)\\s+RX-nombuf:\\s+(\\d+)\\s+"
            + "TX-packets:\\s+(\\d+)\\s+TX-errors:\\s+(\\d+)\\s+TX-bytes:\\s+(\\d+)");

    /** The last NIC statistics block testpmd printed for {@code port}. */
    static Nic nic(Proc p, int port) {
        Nic last = null;
        Matcher m = NIC.matcher(p.output());
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) == port) {
                long[] v = new long[8];
                for (int i = 0; i < 8; i++) {
                    v[i] = Long.parseLong(m.group(i + 2));
                }
                last = new Nic(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
            }
        }
        if (last == null) {
            throw new AssertionError(p.name + " printed no NIC statistics for port " + port + ":\n" + p.tail());
        }
        return last;
    }

    /** Every NIC statistics block of the output, by port, in order: to tell when testpmd is quiet. */
    static Map<Integer, List<Nic>> nicHistory(Proc p) {
        Map<Integer, List<Nic>> h = new TreeMap<>();
        Matcher m = NIC.matcher(p.output());
        while (m.find()) {
            long[] v = new long[8];
            for (int i = 0; i < 8; i++) {
                v[i] = Long.parseLong(m.group(i + 2));
            }
            h.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>())
                    .add(new Nic(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]));
        }
        return h;
    }

    /**
     * Waits until testpmd's pcap port has read the whole file, then until nothing moves:
     * the vswitch process's counters ({@code totals} of its stats lines) and testpmd's
     * NIC statistics unchanged over the last two samples of each. Returns the vswitch's last
     * stats line. Bounded: fails with both logs when a deadline passes.
     */
    static JsonNode replayAndSettle(Proc rep, Proc vs, Path json, java.util.function.Function<JsonNode, long[]> totals,
                                    Proc... others) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120 + FRAMES / 2_000).toNanos();
        while (true) {
            assertTrue(vs.alive(), vs.name + " died during the replay:\n" + vs.tail());
            assertTrue(rep.alive(), rep.name + " died during the replay:\n" + rep.tail());
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the replay did not finish and settle in time\n" + rep.name + ":\n" + rep.tail()
                        + "\n" + vs.name + ":\n" + vs.tail());
            }
            Thread.sleep(500);
            Map<Integer, List<Nic>> h = nicHistory(rep);
            List<Nic> pcap = h.getOrDefault(0, List.of());
            if (pcap.isEmpty() || pcap.get(pcap.size() - 1).rxPackets() < expected.frames()) {
                continue;
            }
            if (!quiet(h.get(0)) || !quiet(h.get(1))) {
                continue;
            }
            List<JsonNode> s = stats(json);
            if (s.size() < 3) {
                continue;
            }
            long[] a = totals.apply(s.get(s.size() - 3));
            long[] b = totals.apply(s.get(s.size() - 2));
            long[] c = totals.apply(s.get(s.size() - 1));
            if (Arrays.equals(a, b) && Arrays.equals(b, c) && quiet(nicHistory(rep).get(1))
                    && Arrays.stream(others).allMatch(o -> quiet(nicHistory(o).get(0)))) {
                return s.get(s.size() - 1);
            }
        }
    }

    static boolean quiet(List<Nic> h) {
        return h != null && h.size() >= 2 && h.get(h.size() - 1).equals(h.get(h.size() - 2));
    }

    /** The first stats sample of a process just started, waiting for it. */
    static JsonNode firstStats(Path json, Proc p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(json) || Files.readAllLines(json).isEmpty()) {
            assertTrue(System.nanoTime() < deadline && p.alive(), "no stats sample from " + p.name + ":\n" + p.tail());
            Thread.sleep(100);
        }
        return stats(json).get(0);
    }

    static List<JsonNode> stats(Path json) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(json)) {
            List<String> lines = Files.readAllLines(json);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                try {
                    out.add(Json.MAPPER.readTree(lines.get(i)));
                } catch (IOException e) {
                    if (i < lines.size() - 1) {
                        throw e;                                  // only the line being written may be partial
                    }
                }
            }
        }
        assertFalse(out.isEmpty(), "no stats in " + json);
        return out;
    }
}
