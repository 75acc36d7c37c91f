package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.ExitCode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --ab}/{@code --ab-period}: parsing, the schedule the stats thread drives, and the command's checks. */
class AbScheduleTest {
    @Test
    void parsesVariantsAndSamplesPerPeriod() {
        AbSchedule s = AbSchedule.parse("base, prefetch,nolen", 1, 1);
        assertEquals(List.of(LoopVariant.BASE, LoopVariant.PREFETCH, LoopVariant.NOLEN), s.variants());
        assertEquals(1, s.samplesPerPeriod());
        assertEquals(4, AbSchedule.parse("base,nolen", 1, 0.25).samplesPerPeriod());
        assertEquals(5, AbSchedule.parse("base,nolen", 0.5, 0.1).samplesPerPeriod());
        assertEquals(LoopVariant.BASE, s.current());
        assertEquals(LoopVariant.BASE.ordinal(), s.loopVariant());
    }

    @Test
    void refusesWhatCannotBeScheduled() {
        assertMessage("unknown variant 'fast'; variants: base, prefetch, nolen", () -> AbSchedule.parse("base,fast", 1, 1));
        assertMessage("at least two variants", () -> AbSchedule.parse("base", 1, 1));
        assertMessage("each variant once", () -> AbSchedule.parse("base,prefetch,base", 1, 1));
        assertMessage("whole multiple of --stats 0.3", () -> AbSchedule.parse("base,prefetch", 1, 0.3));
        assertMessage("whole multiple of --stats 2", () -> AbSchedule.parse("base,prefetch", 1, 2));
        assertMessage("--ab-period 0.0: must be", () -> AbSchedule.parse("base,prefetch", 0, 1));
        assertMessage("unknown variant ''", () -> AbSchedule.parse("base,", 1, 1));
    }

    @Test
    void variantsTakeTurnsEverySamplesPerPeriodSamples() {
        AbSchedule s = new AbSchedule(List.of(LoopVariant.NOLEN, LoopVariant.BASE, LoopVariant.PREFETCH), 2);
        List<String> seen = new ArrayList<>();
        List<Boolean> switched = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            seen.add(s.current() + "/" + s.round() + "/" + s.sampleInPeriod());
            assertEquals(s.current().ordinal(), s.loopVariant(), "the loops run the variant the lines name");
            switched.add(s.afterSample());
        }
        assertEquals(List.of("nolen/0/0", "nolen/0/1", "base/0/0", "base/0/1", "prefetch/0/0", "prefetch/0/1", "nolen/1/0",
                "nolen/1/1"), seen);
        assertEquals(List.of(false, true, false, true, false, true, false, true), switched);
    }

    @Test
    void theCommandLineTakesAbForTheReflectorOnly() {
        Reflector.Config c = VswitchCliTest.config("--vdev", "net_vhost0,iface=/x", "--ab", "base,prefetch");
        assertEquals(List.of(LoopVariant.BASE, LoopVariant.PREFETCH), c.abVariants());
        assertEquals(1.0, c.statsSeconds(), "without --stats, one sample a period");
        assertEquals(1, c.abSamplesPerPeriod());
        c = VswitchCliTest.config("--vdev", "net_vhost0,iface=/x", "--ab", "prefetch,nolen,base", "--ab-period", "1",
                "--stats", "0.5");
        assertEquals(0.5, c.statsSeconds());
        assertEquals(2, c.abSamplesPerPeriod());
        c = VswitchCliTest.config("--vdev", "net_vhost0,iface=/x");
        assertTrue(c.abVariants().isEmpty());
        assertFalse(c.statsSeconds() > 0);
        VswitchCliTest.assertError(ExitCode.USAGE, "--ab: unknown variant 'turbo'", "--vdev", "net_vhost0,iface=/x", "--ab",
                "base,turbo");
        VswitchCliTest.assertError(ExitCode.USAGE, "must be a whole multiple of --stats 0.3", "--vdev",
                "net_vhost0,iface=/x", "--ab", "base,nolen", "--stats", "0.3");
        VswitchCliTest.assertError(ExitCode.USAGE, "--ab goes with the reflector", "--mode", "switch", "--ab", "base,nolen");
    }

    static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(fragment), "'" + x.getMessage() + "' should contain '" + fragment + "'");
    }
}
