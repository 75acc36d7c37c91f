package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.ctl.CtlClient;
import io.vswitch.ctl.RpcError;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Pcap;
import io.vswitch.testutil.PcapNg;
import io.vswitch.testutil.Proc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packet capture on a running switch with DPDK's own tool: {@code dpdk-dumpcap}, a secondary
 * process attaching with the switch's {@code --file-prefix}, captures a known frame sequence on
 * two ports at once, and the pcapng it writes is read back and checked byte for byte.
 *
 * <ul>
 *   <li>The switch runs on hugepages (a secondary cannot map a {@code --no-huge} primary's memfd
 *       memory) with vhost ports a and b; b's guest is a testpmd {@code rxonly}.
 *   <li>{@code dpdk-dumpcap -i <a's device name> -i <b's port id> -c 2N} starts first; then a
 *       testpmd replays N distinct frames (sizes 60 to 1514 B, a sequence number in each) from a
 *       pcap file into a. The switch floods them to b (their destination is unknown).
 *   <li>The pcapng (read by {@link PcapNg}, and by Scapy's rdpcap as a second, independent
 *       reader) holds two interfaces named after the devices, a's N frames inbound and b's N
 *       frames outbound, each exactly the frame sent, in order.
 *   <li>After the capture: the switch's mbufs in use are back to their baseline.
 *   <li>A port removed while a third dumpcap captures on it stays open (polled by no loop) until
 *       that capture stops, then is closed; a port added then takes its id, and a second replay
 *       into it is forwarded to b (a port closed with DPDK's capture callbacks still on it would
 *       leave them to the next port of its id, which crashed the switch: SIGSEGV in a mempool
 *       driver, the gone dumpcap's mempool).
 * </ul>
 */
class CaptureTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DUMPCAP = "/usr/bin/dpdk-dumpcap";
    static final String PYTHON = "/usr/bin/python3";
    static final int N = 64;
    static final int[] SIZES = {60, 128, 512, 1514};

    Path tmp;
    Path ctl;

    JsonNode rpc(String method, ObjectNode params) throws RpcError {
        try (CtlClient c = CtlClient.connect(ctl)) {
            return c.call(method, params);
        }
    }

    JsonNode stats(String port) throws RpcError {
        return rpc("port.stats", JSON.createObjectNode().put("name", port)).get("ports").get(0);
    }

    /** Frame i: 02:..:0b <- 02:..:0a, EtherType 0x88b5 (local experimental), the sequence number, a pattern. */
    static byte[] frame(int i) {
        byte[] f = new byte[SIZES[i % SIZES.length]];
        byte[] hdr = {2, 0, 0, 0, 0, 0x0b, 2, 0, 0, 0, 0, 0x0a, (byte) 0x88, (byte) 0xb5, 0, 0, (byte) (i >> 8), (byte) i};
        System.arraycopy(hdr, 0, f, 0, hdr.length);
        for (int k = hdr.length; k < f.length; k++) {
            f[k] = (byte) (i * 7 + k);
        }
        return f;
    }

    /** testpmd replaying {@code pcap} once into the switch's port at {@code socket} (io forwarding, retrying when full). */
    List<String> replayer(Path socket, Path pcap, int cpu, String tag) throws Exception {
        Path cmds = tmp.resolve("replay-" + tag + ".txt");
        Files.writeString(cmds, "set fwd io retry\nset burst tx delay 10 retry 1000000\n");
        return List.of("nice", "-n", "19", Dpdk.TESTPMD, "--lcores", "0@" + cpu + ",1@" + cpu, "--no-huge", "-m", "256",
                "--file-prefix", Dpdk.prefix("cap-rep"), "--no-pci",
                "--vdev", "net_pcap0,rx_pcap=" + pcap + ",tx_pcap=" + tmp.resolve("back-" + tag + ".pcap"),
                "--vdev", "net_virtio_user0,path=" + socket,
                "--", "--cmdline-file=" + cmds, "--nb-cores=1", "--auto-start", "--no-flush-rx",
                "--total-num-mbufs=4096", "--stats-period=1");
    }

    static void within(Duration d, Check ok, String what) throws Exception {
        long until = System.nanoTime() + d.toNanos();
        while (!ok.ok()) {
            if (System.nanoTime() > until) {
                throw new AssertionError(what + " within " + d);
            }
            Thread.sleep(50);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    @Test
    void dumpcapCapturesAKnownFrameSequenceOnTwoPortsOfARunningSwitch(@TempDir Path dir) throws Exception {
        Dpdk.requireEnvironment(true);
        if (!Files.isExecutable(Path.of(DUMPCAP))) {
            throw new AssertionError(DUMPCAP + " is missing: run bin/setup (apt-get install dpdk-dev)");
        }
        tmp = dir;
        ctl = tmp.resolve("vs.ctl");
        List<byte[]> sent = new ArrayList<>();
        Path pcap = tmp.resolve("frames.pcap");
        try (Pcap.Writer w = new Pcap.Writer(pcap)) {
            for (int i = 0; i < N; i++) {
                sent.add(frame(i));
                w.write(sent.get(i));
            }
        }
        List<Integer> cpus = io.vswitch.dpdk.Lcore.allowedCpus();
        int peerCpu = cpus.get(0);
        int swCpu = cpus.get(cpus.size() - 1);
        String prefix = Dpdk.prefix("cap-sw");
        List<Proc> procs = new ArrayList<>();
        Proc sw = Proc.start("vswitch", Dpdk.vswitch(List.of("--mode", "switch", "--lcores", Integer.toString(swCpu),
                "--mbufs", "4095", "--file-prefix", prefix, "--ctl", ctl.toString())), tmp);
        procs.add(sw);
        try {
            sw.await("running; stop with", Duration.ofSeconds(60));
            assertTrue(sw.output().contains("packet capture: dpdk-dumpcap --file-prefix " + prefix), sw.tail());
            int baseline = rpc("port.stats", null).get("mbufs_in_use").asInt();
            JsonNode a = rpc("port.add", JSON.createObjectNode().put("name", "a").put("type", "vhost-user")
                    .put("path", tmp.resolve("a.sock").toString()));
            JsonNode b = rpc("port.add", JSON.createObjectNode().put("name", "b").put("type", "vhost-user")
                    .put("path", tmp.resolve("b.sock").toString()));
            List<String> guest = new ArrayList<>(List.of("nice", "-n", "19"));
            guest.addAll(Dpdk.testpmdGuest(tmp.resolve("b.sock"), 1, peerCpu, "rxonly", List.of()));
            Proc far = Proc.start("testpmd-b", guest, tmp);
            procs.add(far);
            far.await("packet forwarding - ports=", Duration.ofSeconds(60));
            sw.await("b: guest connected", Duration.ofSeconds(30));

            // a by its device name, b by its port id: dpdk-dumpcap -i takes either. One dumpcap per port:
            // DPDK 22.11's dumpcap given several -i captures on the last one only.
            String aDev = a.get("device").asText();
            String bDev = b.get("device").asText();
            int aId = a.get("port_id").asInt();
            int bId = b.get("port_id").asInt();
            Path outA = tmp.resolve("a.pcapng");
            Path outB = tmp.resolve("b.pcapng");
            Proc dumpA = dumpcap("dumpcap-a", prefix, aDev, outA);
            procs.add(dumpA);
            Proc dumpB = dumpcap("dumpcap-b", prefix, Integer.toString(bId), outB);
            procs.add(dumpB);
            dumpA.await("Packets captured:", Duration.ofSeconds(60));   // printed once the rx/tx callbacks are in
            dumpB.await("Packets captured:", Duration.ofSeconds(60));

            Proc rep = Proc.start("testpmd-replay-1", replayer(tmp.resolve("a.sock"), pcap, peerCpu, "1"), tmp);
            procs.add(rep);
            assertEquals(0, dumpA.waitFor(Duration.ofSeconds(60)), "dumpcap on a:\n" + dumpA.tail());
            assertEquals(0, dumpB.waitFor(Duration.ofSeconds(60)), "dumpcap on b:\n" + dumpB.tail());
            // (its stdout, with this line, is block-buffered into the log: it shows at exit)
            assertTrue(dumpA.output().contains("Capturing on '" + aDev + "'"), dumpA.tail());
            assertTrue(dumpB.output().contains("Capturing on '" + bDev + "'"), dumpB.tail());
            within(Duration.ofSeconds(20), () -> stats("b").get("tx_packets").asLong() == N,
                    "the switch floods the " + N + " frames to b");
            rep.stop(Duration.ofSeconds(20));

            List<PcapNg.Packet> onA = captured(outA, aId);
            List<PcapNg.Packet> onB = captured(outB, bId);
            for (int i = 0; i < N; i++) {
                assertArrayEquals(sent.get(i), onA.get(i).data(), "frame " + i + " as a received it");
                assertEquals(sent.get(i).length, onA.get(i).origLen());
                assertEquals(PcapNg.Direction.INBOUND, onA.get(i).direction(), "frame " + i + " on a");
                assertArrayEquals(sent.get(i), onB.get(i).data(), "frame " + i + " as b sent it");
                assertEquals(PcapNg.Direction.OUTBOUND, onB.get(i).direction(), "frame " + i + " on b");
            }
            for (Path f : List.of(outA, outB)) {
                assertEquals(sent.stream().map(HexFormat.of()::formatHex).toList(), scapy(f),
                        "Scapy's rdpcap reads the same frames from " + f.getFileName());
            }

            // the capture is over: no mbuf of the switch is held, and it forwards as before
            within(Duration.ofSeconds(10), () -> rpc("port.stats", null).get("mbufs_in_use").asInt() == baseline,
                    "mbufs in use back to their baseline " + baseline);

            // a port removed while it is captured stays open (DPDK's callbacks on it are the dumpcap's
            // to take off) until the capture stops; then the next port may take its id safely
            Proc dumpC = Proc.start("dumpcap-c", List.of("nice", "-n", "19", DUMPCAP, "--file-prefix=" + prefix, "-i",
                    Integer.toString(aId), "-w", tmp.resolve("c.pcapng").toString()), tmp);
            procs.add(dumpC);
            dumpC.await("Packets captured:", Duration.ofSeconds(60));
            rpc("port.del", JSON.createObjectNode().put("name", "a"));
            sw.await("a: port " + aId + " removed .*; its device " + aDev + " stays open", Duration.ofSeconds(10));
            JsonNode a2 = rpc("port.add", JSON.createObjectNode().put("name", "a2").put("type", "vhost-user")
                    .put("path", tmp.resolve("a2.sock").toString()));
            assertTrue(a2.get("port_id").asInt() != aId, "the captured device still holds port id " + aId + ": " + a2);
            dumpC.stop(Duration.ofSeconds(20));
            sw.await("a: the capture on " + aDev + " stopped; device closed", Duration.ofSeconds(10));
            JsonNode a3 = rpc("port.add", JSON.createObjectNode().put("name", "a3").put("type", "vhost-user")
                    .put("path", tmp.resolve("a3.sock").toString()));
            assertEquals(aId, a3.get("port_id").asInt(), "DPDK gives the lowest free port id: the captured port's");
            Proc rep2 = Proc.start("testpmd-replay-2", replayer(tmp.resolve("a3.sock"), pcap, peerCpu, "2"), tmp);
            procs.add(rep2);
            within(Duration.ofSeconds(30), () -> stats("b").get("tx_packets").asLong() == 2 * N,
                    "the switch forwards the second replay, received on the captured port's id, to b");
            rep2.stop(Duration.ofSeconds(20));
            far.stop(Duration.ofSeconds(20));
            within(Duration.ofSeconds(10), () -> rpc("port.stats", null).get("mbufs_in_use").asInt() == baseline,
                    "mbufs in use back to their baseline " + baseline + " at the end");
            assertEquals(0, sw.stop(Duration.ofSeconds(30)), sw.tail());
            System.out.println("CaptureTest: dumpcap captured " + N + " frames rx on "
                    + aDev + " and " + N + " tx on " + bDev + ", each the frame sent; first: "
                    + HexFormat.of().formatHex(onA.get(0).data()));
        } finally {
            for (int i = procs.size() - 1; i >= 0; i--) {
                procs.get(i).close();
            }
        }
    }

    Proc dumpcap(String name, String prefix, String port, Path out) throws Exception {
        return Proc.start(name, List.of("nice", "-n", "19", DUMPCAP, "--file-prefix=" + prefix, "-i", port,
                "-c", Integer.toString(N), "-w", out.toString()), tmp);
    }

    /**
     * The packets of a dumpcap file, all on port {@code id}: dumpcap 22.11 describes every port of the
     * switch (interface i is port i, named dpdk:i) and writes the captured port's packets.
     */
    static List<PcapNg.Packet> captured(Path file, int id) throws Exception {
        PcapNg.File f = PcapNg.read(file);
        assertTrue(f.interfaces().size() > id, file + ": interfaces " + f.interfaces());
        PcapNg.Interface i = f.interfaces().get(id);
        assertEquals(1, i.linkType(), file + ": interface " + id + " is Ethernet: " + i);
        assertEquals("dpdk:" + id, i.name(), file + ": interface " + id + " is named after its port id: " + i);
        assertEquals(N, f.packets().size(), file + ": " + f.packets());
        assertTrue(f.packets().stream().allMatch(p -> p.iface() == id), file + ": " + f.packets());
        return f.packets();
    }

    /** The frames of a pcapng file as Scapy's rdpcap reads them, in hex. */
    static List<String> scapy(Path file) throws Exception {
        String script = "import sys\nfrom scapy.all import rdpcap\nfor p in rdpcap(sys.argv[1]):\n    print(bytes(p).hex())\n";
        Process p = new ProcessBuilder(PYTHON, "-c", script, file.toString()).redirectErrorStream(false).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), PYTHON + " (with scapy: apt-get install python3-scapy) failed: " + err);
        return outText.lines().filter(l -> !l.isBlank()).toList();
    }
}
