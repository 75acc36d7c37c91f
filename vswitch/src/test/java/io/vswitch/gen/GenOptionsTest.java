package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Option parsing: accepted forms and user-facing error messages, directly and through picocli. */
class GenOptionsTest {

    static void rejects(String expectInMessage, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(expectInMessage), x.getMessage());
    }

    @Test
    void sizes() {
        assertEquals(List.of(64), GenOptions.parseSizes("64").stream().map(m -> m.sizes()[0]).toList());
        assertEquals(List.of(64, 128, 1518), GenOptions.parseSizes("64, 128,1518").stream().map(m -> m.sizes()[0]).toList());
        assertSame(SizeMix.IMIX, GenOptions.parseSizes("IMIX").get(0));
        assertEquals(2, GenOptions.parseSizes("64,imix").size());
        rejects("out of range", () -> GenOptions.parseSizes("63"));
        rejects("out of range", () -> GenOptions.parseSizes("1519"));
        rejects("--size", () -> GenOptions.parseSizes("64,,128"));
        rejects("not a frame size", () -> GenOptions.parseSizes("64B"));
        rejects("--size", () -> GenOptions.parseSizes(" "));
    }

    @Test
    void rates() {
        assertTrue(GenOptions.parseRate("max").isMax());
        assertTrue(GenOptions.parseRate(" MAX ").isMax());
        assertEquals(new Rate(Rate.Kind.PPS, 1.5e6), GenOptions.parseRate("1.5Mpps"));
        assertEquals(new Rate(Rate.Kind.PPS, 500e3), GenOptions.parseRate("500kpps"));
        assertEquals(new Rate(Rate.Kind.PPS, 10000), GenOptions.parseRate("10000pps"));
        assertEquals(new Rate(Rate.Kind.L2_BPS, 10e9), GenOptions.parseRate("10Gbps"));
        assertEquals(new Rate(Rate.Kind.L2_BPS, 2.5e9), GenOptions.parseRate("2.5gbps"));
        assertEquals(new Rate(Rate.Kind.L2_BPS, 800e6), GenOptions.parseRate("800Mbps"));
        assertEquals(new Rate(Rate.Kind.LINE_BPS, 10e9), GenOptions.parseRate("10Gbps-line"));
        assertEquals(14_880_952.38, GenOptions.parseRate("10Gbps-line").toPps(64), 0.01);
        rejects("cannot read", () -> GenOptions.parseRate("1000"));
        rejects("cannot read", () -> GenOptions.parseRate("fast"));
        rejects("cannot read", () -> GenOptions.parseRate("-5Mpps"));
        rejects("cannot read", () -> GenOptions.parseRate("5 Tbps"));
        rejects("above zero", () -> GenOptions.parseRate("0pps"));
        rejects("bit rates only", () -> GenOptions.parseRate("1Mpps-line"));
        rejects("beyond", () -> GenOptions.parseRate("2000Gbps"));
        rejects("--rate", () -> GenOptions.parseRate(""));
    }

    @Test
    void flowsAndSeconds() {
        assertEquals(1, GenOptions.parseFlows("1"));
        assertEquals(65536, GenOptions.parseFlows("65536"));
        rejects("out of range", () -> GenOptions.parseFlows("0"));
        rejects("out of range", () -> GenOptions.parseFlows("99999999"));
        rejects("not a whole number", () -> GenOptions.parseFlows("ten"));
        assertEquals(10.0, GenOptions.parseDuration("10"));
        assertEquals(2.5, GenOptions.parseDuration("2.5s"));
        assertEquals(0.5, GenOptions.parseDuration("500ms"));
        assertEquals(0.0, GenOptions.parseWarmup("0"));
        rejects("above zero", () -> GenOptions.parseDuration("0"));
        rejects("--duration: cannot read", () -> GenOptions.parseDuration("-1"));
        rejects("--warmup: cannot read", () -> GenOptions.parseWarmup("1m"));
        rejects("longer than a day", () -> GenOptions.parseDuration("100000"));
    }

    static class Cmd {
        @CommandLine.Option(names = "--rate", converter = GenOptions.RateConverter.class)
        Rate rate = Rate.MAX;
        @CommandLine.Option(names = "--size", converter = GenOptions.SizesConverter.class)
        List<SizeMix> sizes;
    }

    @Test
    void picocliShowsOurMessage() {
        Cmd c = new Cmd();
        new CommandLine(c).parseArgs("--rate", "2Mpps");
        assertEquals(2e6, c.rate.value());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> new CommandLine(new Cmd()).parseArgs("--rate", "fast"));
        assertTrue(e.getMessage().contains("give max, a packet rate"), e.getMessage());
        assertFalse(e.getMessage().contains("IllegalArgumentException"), e.getMessage());
    }
}
