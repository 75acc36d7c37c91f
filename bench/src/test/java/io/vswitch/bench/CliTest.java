package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Command-line parsing and the errors users see; nothing here starts a process. */
class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = VswitchBench.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static <T> T parse(Class<T> type, String... args) {
        CommandLine cl = VswitchBench.commandLine();
        CommandLine.ParseResult pr = cl.parseArgs(args);
        return type.cast(pr.subcommand().commandSpec().userObject());
    }

    @Test
    void unknownReflectorIsAUsageError() {
        Run r = run("sweep", "--reflectors", "ovs-io", "--root", "/nonexistent");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown reflector 'ovs-io'"), r.err());
    }

    @Test
    void badNumbersAreUsageErrors() {
        Run r = run("sweep", "--starts", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--starts must be >= 1"), r.err());
        r = run("ab", "--window", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--window must be >= 1"), r.err());
        r = run("sweep", "--sizes", "64,20");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("frame size 20 is out of range 64..1518"), r.err());
        r = run("sweep", "--sizes", "sixty");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("sixty"), r.err());
        r = run("ab", "--generator", "pktgen");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown generator 'pktgen'"), r.err());
    }

    @Test
    void unknownOptionAndMissingSubcommand() {
        Run r = run("sweep", "--bogus");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unknown option: '--bogus'"), r.err());
        assertEquals(2, run().code());
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.code());
        for (String c : List.of("sweep", "ab", "jmh")) assertTrue(r.out().contains(c), r.out());
        Run s = run("sweep", "--help");
        assertEquals(0, s.code());
        assertTrue(s.out().contains("--quick") && s.out().contains("flock /tmp/vswitch-bench.lock"), s.out());
        for (String cmd : List.of("sweep", "ab")) assertTrue(!run(cmd, "--help").out().contains("null"), cmd + ": every default is spelled out");
    }

    @Test
    void quickSweepIsSmall(@TempDir Path root) {
        SweepCommand s = parse(SweepCommand.class, "sweep", "--quick", "--root", root.toString());
        List<Point> p = s.points();
        assertEquals(4 * 2, p.size(), "4 reflectors x sizes 64,1518 x 1 queue x flowgen");
        assertEquals(1, s.starts());
        assertEquals(1, s.warmup());
        assertEquals(2, s.window());
        assertTrue(p.stream().allMatch(x -> x.config().generator() == Generator.FLOWGEN && x.config().queues() == 1));
    }

    @Test
    void fullSweepUsesVswitchGenOnlyWhenItExists(@TempDir Path root) throws Exception {
        SweepCommand s = parse(SweepCommand.class, "sweep", "--root", root.toString());
        assertEquals(4 * 6 * 2, s.points().size());
        assertEquals(3, s.starts());
        Files.createDirectories(root.resolve("bin"));
        assertTrue(Files.writeString(root.resolve("bin/vswitch-gen"), "#!/bin/sh\n").toFile().setExecutable(true));
        assertEquals(2 * 4 * 6 * 2, s.points().size());
        SweepCommand only = parse(SweepCommand.class, "sweep", "--root", root.toString(), "--generators", "vswitch-gen", "--reflectors",
                "testpmd-io", "--sizes", "64", "--queues", "1,2", "--starts", "7", "--quick");
        assertEquals(2, only.points().size());
        assertEquals(7, only.starts(), "explicit values win over --quick");
    }

    @Test
    void abAlternatesVswitchAndTestpmd() {
        AbCommand a = parse(AbCommand.class, "ab");
        List<Point> p = a.points();
        assertEquals(2 * 2 * 2, p.size());
        for (int i = 0; i < p.size(); i += 2) {
            assertEquals(Peers.ReflectorKind.VSWITCH, p.get(i).config().reflector().kind());
            assertEquals(Peers.ReflectorKind.TESTPMD, p.get(i + 1).config().reflector().kind());
            assertEquals(p.get(i).size(), p.get(i + 1).size());
            assertEquals(p.get(i).config().reflector().mode(), p.get(i + 1).config().reflector().mode());
        }
        assertEquals("macswap", p.get(0).config().reflector().mode());
        assertEquals(5, a.starts());
        AbCommand q = parse(AbCommand.class, "ab", "--quick");
        assertEquals(4, q.points().size());
        assertEquals(3, q.starts());
    }

    @Test
    void setUpProblemsNameTheFix(@TempDir Path root) throws Exception {
        List<Point> pts = parse(AbCommand.class, "ab").points();
        String why = Runner.missing(root, "dpdk-testpmd", pts);
        assertNotNull(why);
        assertTrue(why.contains("no bin/vswitch under"), why);
        Files.createDirectories(root.resolve("bin"));
        assertTrue(Files.writeString(root.resolve("bin/vswitch"), "#!/bin/sh\n").toFile().setExecutable(true));
        why = Runner.missing(root, "/no/such/testpmd", pts);
        assertNotNull(why);
        assertTrue(why.contains("/no/such/testpmd not found"), why);
        assertNull(Runner.missing(root, "sh", pts), "sh stands in for testpmd: everything found");
        List<Point> gen = parse(SweepCommand.class, "sweep", "--generators", "vswitch-gen", "--root", root.toString()).points();
        assertTrue(Runner.missing(root, "sh", gen).contains("no bin/vswitch-gen"));
    }

    @Test
    void setUpErrorExitsTwoWithoutStartingAnything(@TempDir Path root) {
        Run r = run("ab", "--quick", "--root", root.toString(), "--out", root.resolve("out").toString());
        assertEquals(2, r.code());
        assertTrue(!Files.exists(root.resolve("out")), "nothing written before the set-up checks pass");
    }
}
