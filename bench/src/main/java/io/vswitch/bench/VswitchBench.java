package io.vswitch.bench;

import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vswitch-bench}: the sweep, the reflector A/B, the within-start A/B of loop variants, and the JMH micro-benchmarks. */
@Command(name = "vswitch-bench", mixinStandardHelpOptions = true, versionProvider = VswitchBench.Version.class,
        description = "Benchmarks for vswitch.",
        subcommands = {SweepCommand.class, AbCommand.class, AbWithinCommand.class, VswitchBench.Jmh.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --quick --out /tmp/sweep",
                "  flock /tmp/vswitch-bench.lock bin/vswitch-bench sweep --guest --quick --out /tmp/sweep-guest",
                "  flock /tmp/vswitch-bench.lock bin/vswitch-bench ab --starts 5",
                "  flock /tmp/vswitch-bench.lock bin/vswitch-bench ab-within --variants base,prefetch --sizes 1518 --starts 5",
                "  flock /tmp/vswitch-bench.lock bin/vswitch-bench jmh -f 1 -wi 3 -i 5 Reflect"})
public final class VswitchBench implements java.util.concurrent.Callable<Integer> {
    private VswitchBench() {}

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: usage on stderr, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }

    /** Listed for help; {@link #main} hands its arguments to JMH unparsed. */
    @Command(name = "jmh", description = "JMH micro-benchmarks of the hot path; arguments go to JMH as they are (try: jmh -h, jmh -l)")
    static final class Jmh implements Runnable {
        @Override
        public void run() {
            // never reached: main() dispatches "jmh" before picocli parses
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = VswitchBench.class.getPackage().getImplementationVersion();
            return new String[] {"vswitch-bench " + (v != null ? v : "dev")};
        }
    }

    /**
     * Builds the command line (for tests). A bad option or value prints one line, {@code
     * vswitch-bench sweep: <message> (see vswitch-bench sweep --help)}, and exits 2, as the other
     * programs do ({@code io.vswitch.Cli}), not the message followed by the whole usage text.
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new VswitchBench()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            String prog = ex.getCommandLine().getCommandSpec().qualifiedName();
            java.io.PrintWriter err = ex.getCommandLine().getErr();
            err.println(prog + ": " + ex.getMessage() + " (see " + prog + " --help)");
            err.flush();
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            if (rest.length == 1 && rest[0].equals("--help")) {
                rest = new String[] {"-h"};            // JMH spells it -h; --help is every other command's
            }
            org.openjdk.jmh.Main.main(rest);
            return;
        }
        System.exit(commandLine().execute(args));
    }
}
