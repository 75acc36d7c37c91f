package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ab-within's options and the errors users see; nothing here starts a process. */
class AbWithinCliTest {
    @Test
    void theIssueCommandLineParses() {
        AbWithinCommand c = CliTest.parse(AbWithinCommand.class, "ab-within", "--variants", "base,prefetch", "--sizes", "1518", "--starts",
                "7", "--rounds", "12", "--period", "0.5");
        c.check();
        assertEquals(List.of("base", "prefetch"), c.variants);
        assertEquals(List.of(1518), c.sizes);
        assertEquals(7, c.starts);
        assertEquals(12, c.rounds);
        assertEquals(0.5, c.period);
        assertEquals(1, c.warmupRounds);
        assertEquals("macswap", c.mode);
        AbWithinCommand d = CliTest.parse(AbWithinCommand.class, "ab-within", "--variants", "nolen,base,prefetch");
        assertEquals(List.of(1518), d.sizes);
        assertEquals(5, d.starts);
        assertEquals(10, d.rounds);
        assertEquals(1.0, d.period);
    }

    @Test
    void usageErrorsAreOneLineAndExit2() {
        usage("unknown variant 'turbo'", "--variants", "base,turbo");
        usage("--variants needs at least two", "--variants", "base");
        usage("--variants: each once", "--variants", "base,base");
        usage("--rounds must be >= 1", "--variants", "base,nolen", "--rounds", "0");
        usage("--period must be 0.1..60 seconds", "--variants", "base,nolen", "--period", "0.01");
        usage("use --warmup-rounds, --rounds and --period", "--variants", "base,nolen", "--window", "3");
        usage("unknown reflector mode 'fast'", "--variants", "base,nolen", "--mode", "fast");
        usage("Missing required option: '--variants=V'");
    }

    @Test
    void aMissingProgramExits2WithoutStartingAnything(@TempDir Path root) {
        CliTest.Run r = CliTest.run("ab-within", "--variants", "base,prefetch", "--root", root.toString(), "--out", root.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no bin/vswitch under"), r.err());
        assertTrue(!java.nio.file.Files.exists(root.resolve("o")), "nothing written before the set-up checks pass");
    }

    static void usage(String fragment, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "ab-within";
        System.arraycopy(args, 0, all, 1, args.length);
        CliTest.Run r = CliTest.run(all);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(fragment), "'" + r.err() + "' should contain '" + fragment + "'");
        assertTrue(r.err().startsWith("vswitch-bench ab-within: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
