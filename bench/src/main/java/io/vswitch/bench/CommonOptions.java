package io.vswitch.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options the sweep and the A/B share: timing, CPUs, binaries, output. */
final class CommonOptions {
    @Option(names = "--warmup", paramLabel = "SECONDS", description = "Traffic before the measured window, per start (default: sweep 3, ab 2; --quick: 1)")
    Integer warmup;

    @Option(names = "--window", paramLabel = "SECONDS", description = "Measured window per start (default: 5; --quick: 2)")
    Integer window;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results, plots and child logs go (default: bench-results/<command>-<time>)")
    Path out;

    @Option(names = "--reflector-cpu", paramLabel = "CPU", defaultValue = "1", description = "CPU the reflector polls on (default: ${DEFAULT-VALUE})")
    int reflectorCpu;

    @Option(names = "--generator-cpu", paramLabel = "CPU", defaultValue = "0", description = "CPU the generator runs on (default: ${DEFAULT-VALUE})")
    int generatorCpu;

    @Option(names = "--no-huge", description = "Run the reflectors without hugepages (--no-huge -m 1024)")
    boolean noHuge;

    @Option(names = "--testpmd", paramLabel = "PATH", defaultValue = "dpdk-testpmd", description = "testpmd binary (default: ${DEFAULT-VALUE})")
    String testpmd;

    @Option(names = "--vswitch-args", paramLabel = "ARGS", split = " ", defaultValue = "${env:VSWITCH_BENCH_VSWITCH_ARGS}",
            description = "More arguments for every bin/vswitch the bench starts (reflector or switch), space-separated, e.g. "
                    + "--vswitch-args=--mbufs=16384 (default: $VSWITCH_BENCH_VSWITCH_ARGS, so that bench/ab-variants.sh can vary them)")
    java.util.List<String> vswitchArgs;

    /** {@link #vswitchArgs}, blanks dropped. */
    java.util.List<String> vswitchArgs() {
        return vswitchArgs == null ? java.util.List.of() : vswitchArgs.stream().filter(a -> !a.isBlank()).toList();
    }

    @Option(names = "--pause-damon", description = "Turn the kernel's DAMON monitors (kdamond) off for the run and back on after it "
            + "(root; /sys/kernel/mm/damon/admin/kdamonds/*/state): they take millisecond slices of a CPU, which decides p99.9 latency")
    boolean pauseDamon;

    @Option(names = "--root", paramLabel = "DIR", description = "Repository root with bin/vswitch (default: $VSWITCH_ROOT, else the current directory)")
    Path root;

    Path root() {
        if (root != null) return root.toAbsolutePath();
        String env = System.getenv("VSWITCH_ROOT");
        return Path.of(env != null && !env.isBlank() ? env : ".").toAbsolutePath().normalize();
    }
}
