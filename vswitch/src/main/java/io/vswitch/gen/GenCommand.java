package io.vswitch.gen;

import io.vswitch.Cli;
import io.vswitch.ExitCode;
import io.vswitch.UserError;
import io.vswitch.datapath.LcoreList;
import io.vswitch.dpdk.Lcore;
import io.vswitch.dpdk.Vdev;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import io.vswitch.DpdkOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vswitch-gen}: the traffic generator, attached as the guest side of a vhost-user socket. */
@Command(name = "vswitch-gen", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = {"Sends Ethernet/IPv4/UDP frames carrying a sequence number and a TX timestamp into a vhost-user "
                + "switch or reflector, receives what comes back on the same pinned lcores, and reports throughput, "
                + "loss, duplicates, reordering and latency percentiles per queue; --ndr finds the zero-loss rate "
                + "(RFC 2544). With two --vdev (a port pair through a switch) each port sends to the other and the "
                + "report has a row per direction and queue.", ""},
        footer = {"", "Sizes are Ethernet frame sizes including the 4-byte FCS (a 64 B frame is 60 B of mbuf data). "
                + "L2 Gbps counts frame bytes incl. FCS; line Gbps adds 20 B/frame for preamble, SFD and inter-frame gap.",
                "", "Examples:",
                "  vswitch-gen --vdev net_virtio_user0,path=/tmp/sock0,queues=1 --lcores 0 --size 64 --duration 10 --json out.json",
                "  vswitch-gen --vdev net_virtio_user0,path=/tmp/sock0,queues=2 --lcores 0 --size imix --rate 2Mpps --flows 64",
                "  vswitch-gen --vdev net_virtio_user0,path=/tmp/sock0 --lcores 0 --size 64,512,1518 --ndr --trial 2",
                "  vswitch-gen --vdev net_virtio_user0,path=/tmp/a.sock --vdev net_virtio_user1,path=/tmp/b.sock --lcores 0 "
                        + "--rate 1Mpps   (through a switch: a->b and b->a)",
                "", "Exit codes: 0 ok, 2 usage, 3 hugepages, 4 vhost socket (no server listening), 5 lcores, 6 EAL, "
                + "7 port, 8 mbuf pool, 9 peer (never connected, or nothing came back), 130 interrupted, 1 bug."})
public final class GenCommand implements Callable<Integer> {
    /** virtio-user ring size unless --vdev sets queue_size=. */
    static final int DEFAULT_QUEUE_SIZE = 1024;

    @Option(names = "--vdev", required = true, paramLabel = "SPEC",
            description = "The guest-side device: net_virtio_user0,path=/tmp/sock0,queues=N[,server=1] "
                    + "(server=1 when the switch is the vhost-user client; queue_size=1024 unless given). "
                    + "Give it twice for a port pair through a switch: each port sends to the other's MAC and "
                    + "receives what the other sent (RFC 2544's bidirectional port pair)")
    List<String> vdev;

    @Option(names = "--lcores", paramLabel = "CPUS", description = "CPUs for the TX/RX loops, e.g. 0 or 2-3; queues are "
            + "dealt round-robin to them, one lcore may serve several (default: the first CPU)")
    String lcores;

    @Option(names = "--queues", paramLabel = "N", description = "Queue pairs to use (default: queues= of --vdev, else 1)")
    Integer queues;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "64",
            description = "Frame size incl. FCS, 64..1518; a list 64,128,1518 runs each in turn; imix = 7:4:1 of "
                    + "64/576/1500 B. Default: ${DEFAULT-VALUE}")
    String sizes;

    @Option(names = "--rate", paramLabel = "RATE", defaultValue = "max", converter = GenOptions.RateConverter.class,
            description = "Offered rate in total: max, 500kpps, 1.5Mpps, 10Gbps (L2), 10Gbps-line (+20 B/frame). "
                    + "Default: ${DEFAULT-VALUE}")
    Rate rate;

    @Option(names = "--flows", paramLabel = "N", defaultValue = "1", converter = GenOptions.FlowsConverter.class,
            description = "Flows per queue: IPv4 src/dst and UDP ports vary over N values. Default: ${DEFAULT-VALUE}")
    int flows;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10", converter = GenOptions.DurationConverter.class,
            description = "Measured window (10, 2.5, 500ms). Default: ${DEFAULT-VALUE}")
    double duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "1", converter = GenOptions.WarmupConverter.class,
            description = "Traffic before the window opens (not measured). Default: ${DEFAULT-VALUE}")
    double warmup;






    @Mixin
    DpdkOptions dpdk = new DpdkOptions();

    @Option(names = "--latency-sample", paramLabel = "K|auto", defaultValue = "auto",
            description = "Record the latency of one frame in K (1: every frame). auto: every frame at rates up to "
                    + "1 Mpps per queue, one in " + Generator.AUTO_LATENCY_SAMPLE + " above that, at --rate max and in --ndr "
                    + "searches (timing every frame costs 5-10 %% of the top rate). Default: ${DEFAULT-VALUE}")
    String latencySample;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON (several sizes: {\"runs\": [...]})")
    Path json;

    @Option(names = "--ndr", description = "Zero-loss search per size: RFC 2544 binary search for the highest rate with "
            + "loss <= --ndr-tolerance (NDR) and <= --pdr-tolerance (PDR); --rate (if not max) is the upper bound")
    boolean ndr;

    @Option(names = "--ndr-tolerance", paramLabel = "PERCENT", defaultValue = "0",
            description = "Loss allowed at the NDR, in %%. Default: ${DEFAULT-VALUE}")
    double ndrTolerance;

    @Option(names = "--pdr-tolerance", paramLabel = "PERCENT", defaultValue = "0.5",
            description = "Loss allowed at the PDR, in %%. Default: ${DEFAULT-VALUE}")
    double pdrTolerance;

    @Option(names = "--trial", paramLabel = "SECONDS", defaultValue = "2", converter = GenOptions.DurationConverter.class,
            description = "Length of each NDR trial's window. Default: ${DEFAULT-VALUE}")
    double trial;

    @Option(names = "--ndr-precision", paramLabel = "PERCENT", defaultValue = "1",
            description = "Stop the search when the bracket is this narrow, in %% of its top. Default: ${DEFAULT-VALUE}")
    double ndrPrecision;

    @Option(names = "--peer-timeout", paramLabel = "SECONDS", defaultValue = "10", converter = GenOptions.DurationConverter.class,
            description = "How long to wait for the link (the vhost-user peer) to come up. Default: ${DEFAULT-VALUE}")
    double peerTimeout;

    @Option(names = "--drain", paramLabel = "SECONDS", defaultValue = "1", converter = GenOptions.WarmupConverter.class,
            description = "After TX stops, RX keeps counting frames in flight for 100 ms, then until all are back "
                    + "or this much time has passed (frames later than that are lost). Default: ${DEFAULT-VALUE}")
    double drain;






    @Override
    public Integer call() throws Exception {
        return new Generator(config(), System.out).run();
    }

    Generator.Config config() {
        dpdk.validate();
        int sample = parseLatencySample(latencySample);
        if (!(ndrTolerance >= 0 && ndrTolerance < 100) || !(pdrTolerance >= ndrTolerance && pdrTolerance < 100))
            throw new UserError(ExitCode.USAGE, "--ndr-tolerance/--pdr-tolerance: need 0 <= NDR <= PDR < 100 (percent)");
        if (!(ndrPrecision > 0 && ndrPrecision < 100))
            throw new UserError(ExitCode.USAGE, "--ndr-precision " + ndrPrecision + ": must be above 0 and below 100 (percent)");
        if (json != null) {
            Path dir = json.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir))
                throw new UserError(ExitCode.USAGE, "--json " + json + ": directory " + dir + " does not exist");
        }
        List<SizeMix> mixes;
        try {
            mixes = GenOptions.parseSizes(sizes);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCode.USAGE, e.getMessage());
        }
        if (vdev.size() > 2)
            throw new UserError(ExitCode.USAGE, "--vdev given " + vdev.size() + " times: one port (a reflector) or two "
                    + "(a port pair through a switch)");
        List<Vdev> vs = new ArrayList<>();
        for (String spec : vdev) vs.add(guestVdev(spec, queues));
        if (vs.size() == 2) {
            if (vs.get(0).name().equals(vs.get(1).name()))
                throw new UserError(ExitCode.USAGE, "--vdev " + vs.get(1).name() + " given twice: name the second port "
                        + "differently (net_virtio_user1,path=...)");
            String p0 = Generator.socketPath(vs.get(0)), p1 = Generator.socketPath(vs.get(1));
            if (p0 != null && p0.equals(p1))
                throw new UserError(ExitCode.USAGE, "--vdev: both ports on " + p0 + ": a port pair needs two sockets, one per switch port");
            String m0 = vs.get(0).args().get("mac"), m1 = vs.get(1).args().get("mac");
            if (m0 != null && m0.equalsIgnoreCase(m1))
                throw new UserError(ExitCode.USAGE, "--vdev: both ports have mac=" + m0 + ": a switch cannot tell them apart; "
                        + "give them different mac= (or none: virtio-user picks one)");
            if (queues == null && vs.get(0).queues() != vs.get(1).queues())
                throw new UserError(ExitCode.USAGE, "--vdev: the two ports have queues=" + vs.get(0).queues() + " and queues="
                        + vs.get(1).queues() + ": give both the same (or use --queues)");
        }
        int q = queues != null ? queues : vs.get(0).queues();
        int[] cpus;
        if (lcores == null) {
            cpus = new int[] {Lcore.allowedCpus().get(0)};
        } else {
            try {
                cpus = LcoreList.parse(lcores);
            } catch (IllegalArgumentException e) {
                throw new UserError(ExitCode.USAGE, e.getMessage());
            }
        }
        return new Generator.Config(List.copyOf(vs), q, cpus, mixes, rate, flows, duration, warmup, dpdk.burst, dpdk.rxd, dpdk.txd,
                dpdk.mbufs, dpdk.mbufCache, json, ndr, ndrTolerance / 100, pdrTolerance / 100, trial, ndrPrecision / 100,
                sample, peerTimeout, drain, dpdk.filePrefix("vswitch-gen"), dpdk.noHuge, dpdk.memoryMb(),
                dpdk.ealExtra());
    }

    /** One --vdev: a guest-side driver, virtio-user's ring at {@link #DEFAULT_QUEUE_SIZE} unless given, queues= from --queues. */
    static Vdev guestVdev(String spec, Integer queues) {
        Vdev v = Vdev.parse(spec);
        if (!v.driver().equals("net_virtio_user") && !v.driver().equals("net_tap") && !v.driver().equals("net_af_packet")
                && !v.driver().equals("net_ring") && !v.driver().equals("net_null"))
            throw new UserError(ExitCode.USAGE, "--vdev " + spec + ": the generator attaches as a guest: use "
                    + "net_virtio_user0,path=/tmp/sock0 (or net_tap0 / net_af_packet0 for kernel interfaces)");
        if (v.driver().equals("net_virtio_user") && !v.args().containsKey("queue_size")) {
            // virtio-user's default ring of 256 overflows within ~2.5 ms at 100 kpps if a peer is descheduled.
            v = Vdev.parse(v.spec() + ",queue_size=" + DEFAULT_QUEUE_SIZE);
        }
        if (queues == null) return v;
        if (queues < 1 || queues > 128) throw new UserError(ExitCode.USAGE, "--queues " + queues + ": must be 1..128");
        if (!v.args().containsKey("queues")) return Vdev.parse(v.spec() + ",queues=" + queues);
        if (queues > v.queues())
            throw new UserError(ExitCode.USAGE, "--queues " + queues + " is more than the vdev's queues=" + v.queues()
                    + ": raise queues= in --vdev");
        return v;
    }

    /** {@code auto} is 0; otherwise K &ge; 1. */
    static int parseLatencySample(String s) {
        if (s.equals("auto")) return 0;
        try {
            int k = Integer.parseInt(s);
            if (k >= 1) return k;
        } catch (NumberFormatException e) {
            // below
        }
        throw new UserError(ExitCode.USAGE, "--latency-sample " + s + ": must be auto or a whole number >= 1");
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new GenCommand(), args));
    }
}
