package io.vswitch.reflector;

import io.vswitch.Cli;
import io.vswitch.ExitCode;
import io.vswitch.Preflight;
import io.vswitch.UserError;
import io.vswitch.datapath.LcoreList;
import io.vswitch.datapath.ReflectMode;
import io.vswitch.ctl.ControlServer;
import io.vswitch.dpdk.Vdev;
import io.vswitch.metrics.MetricsAddress;
import io.vswitch.metrics.MetricsServer;
import io.vswitch.sw.ControlledSwitch;
import io.vswitch.sw.SwitchNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import io.vswitch.DpdkOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vswitch}: the vhost-user reflector, or with {@code --mode switch} an L2 learning switch
 * between any number of ports. Options mirror dpdk-testpmd's where they overlap.
 */
@Command(name = "vswitch", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class, sortOptions = false,
        description = {"Reflects every packet a vhost-user guest (or virtio-user frontend) sends, or (--mode switch) "
                + "switches frames between any number of ports as an L2 learning switch, with one pinned poll loop "
                + "per lcore.", ""},
        footer = {"", "Examples:",
                "  vswitch --vdev net_vhost0,iface=/tmp/sock0,queues=2 --lcores 1 --mode macswap",
                "  vswitch --mode switch --lcores 1 --stats 1 --fdb-json /tmp/fdb.json \\",
                "      --vdev net_vhost0,iface=/tmp/vm0.sock --vdev net_vhost1,iface=/tmp/vm1.sock \\",
                "      --vdev net_tap0,iface=vsw0",
                "",
                "--mode switch: an L2 learning switch. It learns source MACs per port and VLAN",
                "(outer 802.1Q/802.1ad tag; every port is a trunk), sends known unicast to one",
                "port, floods broadcast, multicast and unknown unicast to every other port",
                "(copy-free: one reference-counted mbuf), never back out of its input port.",
                "Runts and multicast sources are dropped and counted. A full table learns",
                "nothing new; frames to unknown MACs flood. Each lcore has its own tx queue",
                "on every port: vhost ports need queues=N >= lcores (af_packet: qpairs=N).",
                "MAC table dump (like ovs-appctl fdb/show): kill -USR1 <pid> writes JSON to",
                "--fdb-json FILE (replaced atomically), or to stdout without it.",
                "", "Exit codes: 0 ok, 2 usage, 3 hugepages, 4 socket path (vhost or --ctl), 5 lcores, 6 EAL, 7 port,",
                "8 mbuf pool, 10 --db, 11 output file, 12 another vswitch serves --ctl, 13 a poll loop failed,",
                "14 --metrics cannot listen, 1 bug."})
public final class VswitchCommand implements Callable<Integer> {
    @Option(names = "--vdev", paramLabel = "SPEC",
            description = "A virtual device, repeatable: net_vhost0,iface=/tmp/sock0,queues=2[,client=1]. Required by the"
                    + " reflector; optional with --mode switch (ports can be added at run time with vswitchctl)")
    List<String> vdevs = new ArrayList<>();

    @Option(names = "--lcores", paramLabel = "CPUS", description = "CPUs for the poll loops, e.g. 1, 2-3, 0,2,4-5 "
            + "(default: the last CPU). The control thread stays off them when a CPU is left.")
    String lcores;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "io",
            description = "io (send back untouched), macswap (swap Ethernet addresses), 5tswap (swap MACs, IPs and L4 "
                    + "ports), switch (L2 learning switch between all ports). Default: ${DEFAULT-VALUE}")
    String mode;

    @Option(names = "--mac-table-size", paramLabel = "N", defaultValue = "8192",
            description = "Switch: MAC table capacity; when full, new sources are not learned and frames to them flood."
                    + " Default: ${DEFAULT-VALUE}")
    int macTableSize;

    @Option(names = "--mac-age", paramLabel = "SECONDS", defaultValue = "300",
            description = "Switch: forget a MAC not seen for this long. Default: ${DEFAULT-VALUE}")
    double macAge;

    @Option(names = "--fdb-json", paramLabel = "FILE",
            description = "Switch: where SIGUSR1 writes the MAC table as JSON (default: stdout)")
    Path fdbJson;

    @Option(names = "--ctl", paramLabel = "PATH", arity = "0..1", fallbackValue = DEFAULT_CTL,
            description = "Switch: serve the control socket (JSON-RPC 2.0, one request per line; vswitchctl is its"
                    + " client) on PATH (default with no value: " + DEFAULT_CTL + ")")
    Path ctl;

    /** Where --ctl listens when given no path, and where vswitchctl looks by default. */
    static final String DEFAULT_CTL = ControlServer.DEFAULT_PATH;

    @Option(names = "--db", paramLabel = "FILE", arity = "0..1", fallbackValue = DEFAULT_DB,
            description = "Switch: record the ports vswitchctl adds in FILE (default with no value: " + DEFAULT_DB
                    + "; written atomically) and re-create them at start, before the --vdevs, so a restarted switch"
                    + " comes back with its ports")
    Path db;

    /** Where --db keeps the ports when given no path (as /var/lib/openvswitch/conf.db for OVS). */
    static final String DEFAULT_DB = "/var/lib/vswitch/ports.json";

    @Option(names = "--metrics", paramLabel = "ADDRESS:PORT",
            description = "Switch: serve Prometheus metrics on http://ADDRESS:PORT/metrics (e.g. 127.0.0.1:9464;"
                    + " :9464 for all addresses): per port and queue rx/tx packets and bytes, drops by reason, link,"
                    + " MAC table fill, mbufs in use. Off by default")
    String metrics;






    @Option(names = "--stats", paramLabel = "SECONDS", defaultValue = "0",
            description = "Print per-queue stats every SECONDS (0: only the summary at exit)")
    double stats;

    @Option(names = "--stats-json", paramLabel = "FILE", description = "Append each stats sample and the summary as a JSON line")
    Path statsJson;




    @Option(names = "--ab", paramLabel = "VARIANT,VARIANT[,...]",
            description = "Reflector: A/B of poll-loop variants within this start: the loops take turns running each for"
                    + " --ab-period seconds, switched at a stats sample; each --stats-json line names its \"variant\"."
                    + " Variants: base (today's loop), prefetch (prefetch each burst's mbuf headers and first data lines),"
                    + " nolen (no per-frame length array; tx bytes from what tx left). vswitch-bench ab-within drives it")
    String ab;

    @Option(names = "--ab-period", paramLabel = "SECONDS", defaultValue = "1",
            description = "Reflector: seconds each --ab variant runs before the next takes over; a whole multiple of --stats"
                    + " (without --stats, the stats are sampled once a period). Default: ${DEFAULT-VALUE}")
    double abPeriod;

    @Mixin
    DpdkOptions dpdk = new DpdkOptions();

    @Option(names = "--loop-threads", paramLabel = "KIND", defaultValue = "java",
            description = "java: poll loops on pinned Java threads registered with EAL (default); eal: on EAL worker "
                    + "lcores through an FFM upcall (for comparison)")
    String loopThreads;



    @Option(names = {"-v", "--verbose"}, description = "Show all of EAL's log (by default only its notices, warnings"
            + " and errors: an error's explanation is among them)")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if ("switch".equals(mode)) {
            SwitchNode.Config c = switchConfig();
            MetricsAddress m = metrics == null ? null : MetricsAddress.parse(metrics);
            preflight(c.vdevs(), c.ctl());
            ControlledSwitch node = new ControlledSwitch(c, System.out);
            try (MetricsServer server = m == null ? null : MetricsServer.start(m, node)) {   // bound before EAL
                if (server != null) {
                    System.out.println("vswitch: metrics on " + m.url());
                }
                return node.run();
            }
        }
        Reflector.Config c = config();
        preflight(c.vdevs(), null);
        return new Reflector(c, System.out).run();
    }

    /**
     * The checks before EAL ({@link Preflight}): socket paths, output files, a switch already on
     * --ctl. Each failure is one line and nothing has been started or created.
     */
    void preflight(List<Vdev> vd, Path ctlPath) {
        Preflight p = Preflight.real();
        p.vdevs(vd);
        Map<String, Path> outputs = new LinkedHashMap<>();
        outputs.put("--stats-json", statsJson);
        outputs.put("--fdb-json", fdbJson);
        p.outputs(outputs);
        p.ctl(ctlPath);
    }

    /** The switch's configuration ({@code --mode switch}). */
    SwitchNode.Config switchConfig() {
        if (macTableSize < 1 || macTableSize > (1 << 26)) {
            throw new UserError(ExitCode.USAGE, "--mac-table-size " + macTableSize + ": must be 1.." + (1 << 26));
        }
        if (!(macAge >= 0.001 && macAge <= 1e6)) {
            throw new UserError(ExitCode.USAGE, "--mac-age " + macAge + ": must be 0.001..1000000 seconds");
        }
        if (!loopThreads.equals("java")) {
            throw new UserError(ExitCode.USAGE, "--loop-threads " + loopThreads + ": the switch runs its loops on Java"
                    + " threads only");
        }
        if (ab != null) {
            throw new UserError(ExitCode.USAGE, "--ab goes with the reflector (--mode io, macswap or 5tswap), not --mode switch");
        }
        Common c = common();
        return new SwitchNode.Config(c.vdevs, c.cpus, dpdk.burst, dpdk.rxd, dpdk.txd, dpdk.mbufs, dpdk.mbufCache,
                stats, statsJson, dpdk.filePrefix("vswitch"), dpdk.noHuge, dpdk.memoryMb(), dpdk.ealExtra(verbose),
                macTableSize, (long) (macAge * 1e9), fdbJson, ctl, db);
    }

    private record Common(List<Vdev> vdevs, int[] cpus) {}

    /** The reflector's configuration ({@code --mode io|macswap|5tswap}). */
    Reflector.Config config() {
        ReflectMode m;
        try {
            m = ReflectMode.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new UserError(ExitCode.USAGE, "--mode: '" + mode + "' is not a reflector mode (io, macswap or"
                    + " 5tswap) nor switch");
        }
        for (String[] o : new String[][] {{"--fdb-json", fdbJson == null ? null : ""}, {"--ctl", ctl == null ? null : ""},
                {"--db", db == null ? null : ""}, {"--metrics", metrics}}) {
            if (o[1] != null) {
                throw new UserError(ExitCode.USAGE, o[0] + " goes with --mode switch");
            }
        }
        if (vdevs.isEmpty()) {
            throw new UserError(ExitCode.USAGE, "the reflector needs a port: --vdev net_vhost0,iface=/tmp/sock0"
                    + " (only --mode switch starts without ports)");
        }
        if (!loopThreads.equals("java") && !loopThreads.equals("eal")) {
            throw new UserError(ExitCode.USAGE, "--loop-threads " + loopThreads + ": java or eal");
        }
        Common c = common();
        double statsSeconds = stats;
        List<LoopVariant> abVariants = List.of();
        int abSamples = 0;
        if (ab != null) {
            if (statsSeconds == 0) {
                statsSeconds = abPeriod;                   // variants switch at a stats sample: one a period
            }
            try {
                AbSchedule s = AbSchedule.parse(ab, abPeriod, statsSeconds);
                abVariants = s.variants();
                abSamples = s.samplesPerPeriod();
            } catch (IllegalArgumentException e) {
                throw new UserError(ExitCode.USAGE, e.getMessage());
            }
        }
        return new Reflector.Config(c.vdevs, c.cpus, m, dpdk.burst, dpdk.rxd, dpdk.txd, dpdk.mbufs, dpdk.mbufCache,
                statsSeconds, statsJson, dpdk.filePrefix("vswitch"), dpdk.noHuge, dpdk.memoryMb(), dpdk.ealExtra(verbose),
                loopThreads.equals("eal"), abVariants, abSamples);
    }

    private Common common() {
        dpdk.validate();
        if (stats < 0) {
            throw new UserError(ExitCode.USAGE, "--stats " + stats + ": must be >= 0 seconds");
        }
        List<Vdev> vd = new ArrayList<>();
        for (String v : vdevs) {
            vd.add(Vdev.parse(v));
        }
        int[] cpus;
        if (lcores == null) {
            List<Integer> allowed = io.vswitch.dpdk.Lcore.allowedCpus();
            cpus = new int[] {allowed.get(allowed.size() - 1)};
        } else {
            try {
                cpus = LcoreList.parse(lcores);
            } catch (IllegalArgumentException e) {
                throw new UserError(ExitCode.USAGE, e.getMessage());
            }
        }
        return new Common(vd, cpus);
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new VswitchCommand(), args));
    }
}
