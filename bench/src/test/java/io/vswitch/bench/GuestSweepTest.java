package io.vswitch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import static io.vswitch.bench.Fixtures.pr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.CliTest.Run;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import io.vswitch.vm.VmSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sweep --guest}: the matrix, the options, the guest each point gets, reading the
 * guest's serial console into a measurement, and the seed-shaped table. No process is started.
 */
class GuestSweepTest {
    static final Harness.Settings S = new Harness.Settings(Path.of("/repo"), Path.of("/tmp/w"), 2, 5, 1, 0, false, "dpdk-testpmd");
    static final GuestHarness.Guest G = new GuestHarness.Guest("qemu-system-x86_64", Path.of("/c/vmlinuz"), Path.of("/c/initrd.img"),
            List.of(0, 0), 512, VmSpec.Memory.auto, false);

    /** A serial console captured from a real run: uio_pci_generic, 1 queue, 64 B, duration 5 (TCG, QEMU 7.2). */
    static List<String> serial() throws IOException {
        try (InputStream in = GuestSweepTest.class.getResourceAsStream("guest-serial.txt")) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).split("\r?\n"));
        }
    }

    static Point point(String driver, int queues, int size) {
        return new Point(new Config(Reflector.parse("vswitch-macswap"), Generator.guest(driver), queues), size);
    }

    // ---- the matrix and the options

    @Test
    void fullGuestSweepIsTheSeedsMatrix(@TempDir Path root) {
        SweepCommand s = CliTest.parse(SweepCommand.class, "sweep", "--guest", "--root", root.toString());
        List<Point> p = s.points();
        assertEquals(3 * 2 * 5, p.size(), "drivers x queues x sizes 64..1024");
        List<String> drivers = p.stream().map(x -> x.config().generator().driver()).distinct().toList();
        assertEquals(List.of("uio_pci_generic", "igb_uio", "vfio-pci"), drivers);
        assertEquals(List.of(64, 128, 256, 512, 1024), p.stream().map(Point::size).distinct().toList());
        assertEquals(List.of(1, 2), p.stream().map(x -> x.config().queues()).distinct().toList());
        assertTrue(p.stream().allMatch(x -> x.config().reflector().equals(Reflector.parse("vswitch-macswap"))), "against our reflector");
        assertEquals(point("uio_pci_generic", 1, 64), p.get(0));
        assertEquals(point("uio_pci_generic", 1, 128), p.get(1));
        assertEquals(point("uio_pci_generic", 2, 64), p.get(5));
        assertEquals(point("igb_uio", 1, 64), p.get(10));
        assertEquals(1, s.starts());
        assertEquals(2, s.warmup());
        assertEquals(5, s.window());
        assertEquals(List.of(0, 0), s.guestCpus(), "both vCPUs on the generator CPU, away from the reflector's");
    }

    @Test
    void quickGuestSweepIsSmallButSeedShaped(@TempDir Path root) {
        SweepCommand s = CliTest.parse(SweepCommand.class, "sweep", "--guest", "--quick", "--root", root.toString());
        List<Point> p = s.points();
        assertEquals(2 * 2 * 2, p.size(), "uio_pci_generic and vfio-pci x queues 1,2 x sizes 64,1024");
        assertEquals(List.of("uio_pci_generic", "vfio-pci"), p.stream().map(x -> x.config().generator().driver()).distinct().toList());
        assertEquals(List.of(1, 2), p.stream().map(x -> x.config().queues()).distinct().toList());
        assertEquals(List.of(64, 1024), p.stream().map(Point::size).distinct().toList());
        assertEquals(1, s.starts());
        assertEquals(1, s.warmup());
        assertEquals(2, s.window());
    }

    @Test
    void explicitGuestOptionsWin(@TempDir Path root) {
        SweepCommand s = CliTest.parse(SweepCommand.class, "sweep", "--guest", "--quick", "--drivers", "igb_uio,vfio_pci,igb_uio", "--queues",
                "2", "--sizes", "128", "--reflectors", "vswitch-io,vswitch-5tswap", "--starts", "3", "--guest-cpus", "0,2,3", "--root",
                root.toString());
        List<Point> p = s.points();
        assertEquals(2 * 2, p.size(), "2 reflectors x igb_uio, vfio-pci (a repeated driver counts once)");
        assertEquals(List.of(Generator.GUEST_IGB_UIO, Generator.GUEST_VFIO_PCI), p.stream().map(x -> x.config().generator()).distinct().toList());
        assertEquals(3, s.starts());
        assertEquals(List.of(0, 2, 3), s.guestCpus());
    }

    @Test
    void guestOptionErrors(@TempDir Path root) {
        String r = root.toString();
        Run x = CliTest.run("sweep", "--guest", "--generators", "flowgen", "--root", r);
        assertEquals(2, x.code());
        assertTrue(x.err().contains("not --generators"), x.err());
        x = CliTest.run("sweep", "--drivers", "igb_uio", "--root", r);
        assertEquals(2, x.code());
        assertTrue(x.err().contains("need --guest"), x.err());
        x = CliTest.run("sweep", "--guest-cpus", "0,0", "--root", r);
        assertEquals(2, x.code());
        assertTrue(x.err().contains("need --guest"), x.err());
        x = CliTest.run("sweep", "--guest", "--drivers", "e1000", "--root", r);
        assertEquals(2, x.code());
        assertTrue(x.err().contains("unknown guest driver 'e1000'") && x.err().contains("uio_pci_generic, igb_uio, vfio-pci"), x.err());
        x = CliTest.run("sweep", "--guest", "--guest-cpus", "0", "--root", r);
        assertEquals(2, x.code());
        assertTrue(x.err().contains("--guest-cpus needs at least 2 CPUs"), x.err());
        x = CliTest.run("sweep", "--guest", "--guest-memory", "128", "--root", r);
        assertEquals(2, x.code());
        assertTrue(x.err().contains("--guest-memory must be >= 256"), x.err());
        x = CliTest.run("sweep", "--guest", "--sizes", "32", "--root", r);
        assertEquals(2, x.code());
        assertTrue(x.err().contains("frame size 32 is out of range"), x.err());
    }

    @Test
    void guestSetUpProblemsExitTwoBeforeAnythingStarts(@TempDir Path root) {
        Run x = CliTest.run("sweep", "--guest", "--quick", "--root", root.toString(), "--out", root.resolve("out").toString());
        assertEquals(2, x.code(), "no bin/vswitch under the root");
        assertFalse(Files.exists(root.resolve("out")), "nothing written before the set-up checks pass");
    }

    @Test
    void setUpNamesTheMissingPiece(@TempDir Path root) throws IOException {
        assertTrue(GuestHarness.missing(root, "sh").contains("no bin/vswitch"));
        Files.createDirectories(root.resolve("bin"));
        assertTrue(Files.writeString(root.resolve("bin/vswitch"), "#!/bin/sh\n").toFile().setExecutable(true));
        String why = GuestHarness.missing(root, "/no/such/qemu");
        assertTrue(why.contains("/no/such/qemu not found") && why.contains("qemu-system-x86"), why);
        assertTrue(GuestHarness.missing(root, "sh").contains("vm-scripts/build-guest.sh"));
        Files.createDirectories(root.resolve("vm-scripts"));
        Files.writeString(root.resolve("vm-scripts/build-guest.sh"), "#!/bin/sh\n");
        assertNull(GuestHarness.missing(root, "sh"), "sh stands in for QEMU: everything found");
    }

    @Test
    void hostGeneratorNamesDoNotReachGuests() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Generator.parse("guest-igb_uio"));
        assertTrue(e.getMessage().contains("sweep --guest --drivers"), e.getMessage());
        assertEquals(Generator.GUEST_UIO_PCI_GENERIC, Generator.guest(" UIO_PCI_GENERIC "));
        assertFalse(Generator.FLOWGEN.inGuest());
        assertTrue(Generator.GUEST_VFIO_PCI.inGuest());
        assertEquals("guest-vfio-pci", Generator.GUEST_VFIO_PCI.id());
    }

    // ---- the guest and the reflector of one point

    @Test
    void eachPointGetsItsGuest() {
        VmSpec v = GuestHarness.spec(S, G, point("igb_uio", 2, 512), Path.of("/tmp/w/g7.sock"), Path.of("/tmp/w/logs/vm"));
        assertEquals("dpdk", v.mode);
        assertEquals("flowgen", v.fwd);
        assertEquals("igb_uio", v.driver);
        assertEquals(2, v.queues);
        assertEquals(512, v.size);
        assertEquals(2 * (2 + 5) + 1, v.duration, "TCG guests print a stats period every 1-2 s: twice warm-up + window, + 1");
        assertEquals(List.of(Path.of("/tmp/w/g7.sock")), v.sockets);
        assertEquals(2, v.vcpus);
        assertEquals(List.of(0, 0), v.pin);
        assertEquals(Path.of("/c/vmlinuz"), v.kernel, "the image is built once, not per start");
        assertFalse(v.wantsIommu());
        assertTrue(v.timeout > v.duration + 60, "room for boot and testpmd start-up under TCG");
        assertThrows(IllegalArgumentException.class,
                () -> GuestHarness.spec(S, G, new Point(new Config(Reflector.parse("vswitch-io"), Generator.FLOWGEN, 1), 64), Path.of("s"), Path.of("d")));
    }

    @Test
    void vfioPciGetsAnIommuOnBothSides() {
        VmSpec v = GuestHarness.spec(S, G, point("vfio-pci", 1, 64), Path.of("/tmp/w/g1.sock"), Path.of("/tmp/w/vm"));
        assertTrue(v.wantsIommu(), "vfio-pci in the guest needs the emulated intel-iommu");
        List<String> c = Harness.reflectorCommand(S, Reflector.parse("vswitch-macswap"), 1, Path.of("/tmp/w/g1.sock"), "p", Path.of("x"), true);
        assertTrue(c.contains("net_vhost0,iface=/tmp/w/g1.sock,queues=1,iommu-support=1"), c.toString());
        assertEquals(Harness.reflectorCommand(S, Reflector.parse("vswitch-macswap"), 1, Path.of("/tmp/w/g1.sock"), "p", Path.of("x")),
                Harness.reflectorCommand(S, Reflector.parse("vswitch-macswap"), 1, Path.of("/tmp/w/g1.sock"), "p", Path.of("x"), false));
    }

    @Test
    void guestCpusAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new GuestHarness.Guest("q", Path.of("k"), Path.of("i"), List.of(0), 512,
                VmSpec.Memory.auto, false));
        assertThrows(IllegalArgumentException.class, () -> new GuestHarness.Guest("q", Path.of("k"), Path.of("i"), List.of(0, -1), 512,
                VmSpec.Memory.auto, false));
    }

    // ---- the guest's serial console into a measurement

    @Test
    void testpmdLinesComeFromTheSerialConsole() throws IOException {
        List<String> t = GuestHarness.testpmdLines(serial());
        assertEquals(35, t.size(), "6 port blocks of 5 lines, then the port's and the accumulated forward statistics at exit");
        assertEquals("Port statistics ====================================", t.get(0));
        assertTrue(t.stream().noneMatch(l -> l.contains("VSLOG") || l.contains("VSRESULT") || l.contains("vs-init")));
        TestpmdLog log = TestpmdLog.parse(t);
        assertEquals(6, log.samples().size());
        assertEquals(new TestpmdLog.Totals(5219264, 0, 5221312, 792896), log.totals());
    }

    @Test
    void measurementIsTheMeanOfTheWindowAfterWarmup() throws Exception {
        Measurement m = GuestHarness.measure(GuestHarness.testpmdLines(serial()), 1, 2, 16.5);
        assertEquals((781382 + 788179) / 2.0, m.rxPps());
        assertEquals((781542 + 788275) / 2.0, m.txPps());
        assertArrayEquals(new double[] {781382, 788179}, m.rxPerSecond());
        assertEquals(1 - m.rxPps() / m.txPps(), m.lossRatio(), 1e-12);
        assertTrue(Double.isNaN(m.latP50Ns()), "testpmd flowgen measures no latency");
        assertEquals(16.5, m.seconds());
    }

    @Test
    void lateStatsPeriodsShortenTheWindowButNeverToNothing() throws Exception {
        List<String> t = GuestHarness.testpmdLines(serial());
        Measurement m = GuestHarness.measure(t, 3, 5, 1);
        assertArrayEquals(new double[] {936370, 902790}, m.rxPerSecond(), "5 periods after start, 3 warm-up: 2 left of the 5 asked for");
        RunFailure f = assertThrows(RunFailure.class, () -> GuestHarness.measure(t, 5, 2, 1));
        assertTrue(f.getMessage().contains("printed 6 stats period(s); 7 needed"), f.getMessage());
    }

    @Test
    void nothingBackIsAFailure() {
        List<String> zeroRx = new ArrayList<>();
        for (int i = 0; i < 4; i++) zeroRx.addAll(List.of("Port statistics ====", "  Rx-pps:   0   Rx-bps: 0", "  Tx-pps:   " + i * 1000 + "  Tx-bps: 1"));
        RunFailure f = assertThrows(RunFailure.class, () -> GuestHarness.measure(zeroRx, 1, 2, 1));
        assertTrue(f.getMessage().contains("no packets came back to the guest"), f.getMessage());
    }

    @Test
    void aMeasuredStartBecomesATableRow() throws Exception {
        Measurement m = GuestHarness.measure(GuestHarness.testpmdLines(serial()), 1, 2, 16.5);
        PointResult r = new PointResult(point("uio_pci_generic", 1, 64), List.of(m));
        String t = Results.guestTables(List.of(r), GuestHarness.accelNote(false, "7.2"));
        // (781382 + 788179) / 2 = 784780.5 pps x 512 bit = 401.8 Mbps RX; TX 784908.5 pps = 401.9 Mbps
        assertTrue(t.contains("uio_pci_generic  1      | 402/402"), t);
        assertTrue(t.contains("0.785 (0.785)"), t);
    }

    // ---- the table

    static List<PointResult> sample() {
        Generator u = Generator.GUEST_UIO_PCI_GENERIC, v = Generator.GUEST_VFIO_PCI;
        return List.of(pr("vswitch-macswap", u, 1, 64, 0.5, 0.7, 0.6), pr("vswitch-macswap", u, 1, 1024, 0.25),
                pr("vswitch-macswap", u, 2, 64, 0.2), pr("vswitch-macswap", u, 2, 1024, 0.1),
                pr("vswitch-macswap", v, 1, 64, 0.4), new PointResult(point("vfio-pci", 1, 1024), List.of()),
                new PointResult(point("vfio-pci", 2, 64), List.of()), new PointResult(point("vfio-pci", 2, 1024), List.of()));
    }

    @Test
    void seedShapedGuestTableSaysTcg() {
        String t = Results.guestTables(sample(), GuestHarness.accelNote(false, "7.2"));
        // 64 B: median 0.6 Mpps x 512 bit = 307 Mbps RX, TX 1 % higher; 1024 B: 0.25 Mpps x 8192 bit = 2048 Mbps
        String expected = """
                Guest under TCG (QEMU 7.2): these numbers measure the emulator, not the switch.
                Reflector vswitch macswap <- testpmd flowgen in a QEMU guest: TX/RX Mbps (L2, FCS included, no preamble/IFG), median of up to 3 start(s)
                guest driver     queues |    64 B     1024 B
                ------------------------+-------------------
                uio_pci_generic  1      | 310/307  2068/2048
                uio_pci_generic  2      | 103/102    827/819
                vfio-pci         1      | 207/205          -

                Guest under TCG (QEMU 7.2): these numbers measure the emulator, not the switch.
                Reflector vswitch macswap <- testpmd flowgen in a QEMU guest: reflected Mpps, median (best) of up to 3 start(s)
                guest driver     queues |          64 B         1024 B
                ------------------------+-----------------------------
                uio_pci_generic  1      | 0.600 (0.700)  0.250 (0.250)
                uio_pci_generic  2      | 0.200 (0.200)  0.100 (0.100)
                vfio-pci         1      | 0.400 (0.400)              -

                """;
        assertEquals(expected, t);
    }

    @Test
    void kvmHeaderMakesNoClaimAboutTheEmulator() {
        String t = Results.guestTables(sample(), GuestHarness.accelNote(true, "10.0"));
        assertTrue(t.startsWith("Guest under KVM (QEMU 10.0).\n"), t);
        assertFalse(t.contains("emulator"), t);
    }

    @Test
    void severalReflectorsGetATableEach() {
        List<PointResult> rs = List.of(pr("vswitch-io", Generator.GUEST_IGB_UIO, 1, 64, 0.3), pr("vswitch-5tswap", Generator.GUEST_IGB_UIO, 1, 64, 0.2));
        String t = Results.guestTables(rs, "");
        assertTrue(t.indexOf("Reflector vswitch io <- ") < t.indexOf("Reflector vswitch 5tswap <- "), t);
        assertEquals(4, t.split("Reflector ").length - 1, "Mbps and Mpps per reflector");
        assertFalse(t.contains("TCG"), "no note, no claim");
        assertEquals("(nothing was measured)\n", Results.guestTables(List.of(new PointResult(point("igb_uio", 1, 64), List.of())), "x"));
    }

    @Test
    void guestPointsGoToCsvAndJsonLikeHostOnes() throws Exception {
        List<PointResult> rs = sample();
        String csv = Results.csv(rs);
        assertTrue(csv.lines().anyMatch(l -> l.startsWith("vswitch-macswap,guest-uio_pci_generic,1,64,3,0.6,")), csv);
        assertTrue(csv.lines().anyMatch(l -> l.startsWith("vswitch-macswap,guest-vfio-pci,2,1024,0,")), csv);
        java.util.Map<String, Object> settings = new java.util.LinkedHashMap<>();
        settings.put("guest_accel", "tcg");
        settings.put("guest_vcpu_cpus", List.of(0, 0));
        JsonNode doc = Json.MAPPER.readTree(Results.json(java.util.Map.of("cpu_model", "x"), settings, rs));
        JsonNode st = doc.get("settings");
        assertEquals("tcg", st.get("guest_accel").textValue());
        assertEquals(8, doc.get("points").size());
        JsonNode first = doc.get("points").get(0);
        assertEquals("guest-uio_pci_generic", first.get("generator").textValue());
        assertEquals(0.6, Harness.number(first, "/rx_mpps/median"), 1e-9);
    }
}
