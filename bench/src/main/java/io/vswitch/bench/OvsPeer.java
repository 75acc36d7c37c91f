package io.vswitch.bench;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Open vSwitch with DPDK as the two-port loop's other switch ({@code sweep --switches ours,ovs}):
 * Debian's {@code ovs-vswitchd-dpdk} (package {@value #PACKAGE}) with its own ovsdb-server and
 * database, started and stopped per process start like bin/vswitch, never the host's OVS.
 *
 * <p>Per start, everything lives in {@code DIR/ovs-N/} under the sweep's {@code --out}: the
 * database ({@code db/conf.db}, made by {@code ovsdb-tool create} from the installed schema),
 * the ovsdb socket, pid files and control sockets ({@code run/}); {@code OVS_RUNDIR},
 * {@code OVS_DBDIR}, {@code OVS_LOGDIR} and {@code OVS_SYSCONFDIR} point there too, so nothing
 * falls back to {@code /var/run/openvswitch} or {@code /etc/openvswitch}. Logs go to the
 * children's logs in {@code DIR/logs/}. The configuration, written before ovs-vswitchd starts:
 * DPDK on, its lcore and the one PMD thread on the switch CPU ({@code dpdk-lcore-mask},
 * {@code pmd-cpu-mask}), {@code dpdk-socket-mem} {@value #SOCKET_MEM} MB, its own EAL file prefix
 * and no PCI scan ({@code dpdk-extra}); one bridge ({@code datapath_type=netdev}, no flows
 * added: the default NORMAL action, MAC learning) with two {@code dpdkvhostuserclient} ports whose
 * {@code vhost-server-path} is the loop's socket: testpmd's virtio-user ports are the servers
 * ({@code server=1}). Both OVS processes run under {@code taskset -c CPU}, as bin/vswitch's JVM
 * does. What it forwarded comes from {@code ovs-appctl dpctl/show -s} (the ports' live counters)
 * at the window's two ends.
 *
 * <p>Stopping: {@code ovs-appctl exit --cleanup} (which also removes the bridge's and the
 * datapath's tap devices, {@code ovs-netdev} and the bridge name), then the database server; on
 * a failure or Ctrl-C the children get SIGTERM and {@link #cleanup} removes the taps, the
 * directory and the EAL runtime directory.
 */
final class OvsPeer {
    private OvsPeer() {}

    static final String PACKAGE = "openvswitch-switch-dpdk";
    static final Path VSWITCHD = Path.of("/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk");
    static final Path OVSDB_SERVER = Path.of("/usr/sbin/ovsdb-server");
    static final Path OVSDB_TOOL = Path.of("/usr/bin/ovsdb-tool");
    static final Path VSCTL = Path.of("/usr/bin/ovs-vsctl");
    static final Path APPCTL = Path.of("/usr/bin/ovs-appctl");
    static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");
    /** How to install it with its services kept stopped (what bin/setup does). */
    static final String INSTALL = "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; "
            + "DEBIAN_FRONTEND=noninteractive apt-get install -y " + PACKAGE + "; rm /usr/sbin/policy-rc.d";
    /** sweep's exit code when {@code --switches} names ovs and OVS is not installed. */
    static final int EXIT_NOT_INSTALLED = 3;
    /** The userspace datapath's own tap device: one per host, so a second OVS with a netdev datapath is refused. */
    static final String DATAPATH_TAP = "ovs-netdev";
    /** The bridge's two ports, on the loop's sockets in order. */
    static final List<String> PORTS = List.of("p0", "p1");
    static final int SOCKET_MEM = 128;
    /** Printed once ovs-vswitchd has applied its first configuration (bridge and ports made). */
    static final String READY = "|bridge|INFO|ovs-vswitchd";

    /** How the ovs points are measured, for results.json. */
    static final String METHOD = "Open vSwitch with DPDK (ovs-vswitchd-dpdk) and its own ovsdb-server under taskset on the reflector CPU, "
            + "dpdk-lcore-mask and pmd-cpu-mask that CPU (one PMD thread), one bridge (netdev datapath, default NORMAL action) with two "
            + "dpdkvhostuserclient ports on the loop's sockets (testpmd's virtio-user ports server=1); rx/tx = the two ports' TX/RX packet "
            + "counters (ovs-appctl dpctl/show -s) over the window; dpif-netdev/pmd-stats-clear at the window's start, "
            + "dpif-netdev/pmd-stats-show at its end";

    /** Why OVS cannot run here (one line naming the package and the install command), or null. */
    static String missing(Path vswitchd) {
        for (Path p : List.of(vswitchd, OVSDB_SERVER, OVSDB_TOOL, VSCTL, APPCTL)) {
            if (!Files.isExecutable(p)) return notInstalled("no " + p);
        }
        if (!Files.isRegularFile(SCHEMA)) return notInstalled("no " + SCHEMA);
        return null;
    }

    private static String notInstalled(String what) {
        return "Open vSwitch with DPDK is not installed (" + what + "): install Debian's " + PACKAGE + " with bin/setup, or as root: " + INSTALL;
    }

    /**
     * One start's OVS: its directory, bridge (also a tap device's name, so at most 15 characters),
     * EAL file prefix, CPU and the loop's two vhost sockets.
     */
    record Layout(Path dir, String bridge, String dpdkPrefix, int cpu, List<Path> socks) {
        Layout {
            if (bridge.length() > 15) throw new IllegalArgumentException("bridge name '" + bridge + "' is longer than a device name may be");
            if (socks.size() != PORTS.size()) throw new IllegalArgumentException("OVS takes the loop's two sockets, got " + socks);
        }

        Path run() {
            return dir.resolve("run");
        }

        Path db() {
            return dir.resolve("db/conf.db");
        }

        Path dbSock() {
            return run().resolve("db.sock");
        }

        Path dbCtl() {
            return run().resolve("ovsdb-server.ctl");
        }

        Path ctl() {
            return run().resolve("ovs-vswitchd.ctl");
        }

        /** What the OVS programs read for their default paths: all of them under {@link #dir}. */
        Map<String, String> env() {
            Map<String, String> e = new LinkedHashMap<>();
            e.put("OVS_RUNDIR", run().toString());
            e.put("OVS_DBDIR", dir.resolve("db").toString());
            e.put("OVS_LOGDIR", dir.resolve("log").toString());
            e.put("OVS_SYSCONFDIR", dir.resolve("etc").toString());
            return e;
        }
    }

    /** {@code 0x2} for CPU 1: the mask {@code dpdk-lcore-mask} and {@code pmd-cpu-mask} take. */
    static String cpuMask(int cpu) {
        return "0x" + BigInteger.ONE.shiftLeft(cpu).toString(16);
    }

    static List<String> createDb(Layout l) {
        return List.of(OVSDB_TOOL.toString(), "create", l.db().toString(), SCHEMA.toString());
    }

    static List<String> dbServer(Layout l) {
        List<String> c = new ArrayList<>(Harness.pinned(l.cpu()));
        c.addAll(List.of(OVSDB_SERVER.toString(), l.db().toString(), "--remote=punix:" + l.dbSock(), "--pidfile=" + l.run().resolve("ovsdb-server.pid"),
                "--unixctl=" + l.dbCtl()));
        return c;
    }

    /** One ovs-vsctl transaction, before ovs-vswitchd starts ({@code --no-wait}): DPDK settings, the bridge, its two ports. */
    static List<String> configure(Layout l) {
        String mask = cpuMask(l.cpu());
        List<String> c = new ArrayList<>(List.of(VSCTL.toString(), "--db=unix:" + l.dbSock(), "--no-wait", "--timeout=30", "init", "--",
                "set", "Open_vSwitch", ".", "other_config:dpdk-init=true", "other_config:dpdk-lcore-mask=" + mask,
                "other_config:pmd-cpu-mask=" + mask, "other_config:dpdk-socket-mem=" + SOCKET_MEM,
                "other_config:dpdk-extra=--file-prefix=" + l.dpdkPrefix() + " --no-pci", "--",
                "add-br", l.bridge(), "--", "set", "Bridge", l.bridge(), "datapath_type=netdev"));
        for (int i = 0; i < PORTS.size(); i++)
            c.addAll(List.of("--", "add-port", l.bridge(), PORTS.get(i), "--", "set", "Interface", PORTS.get(i), "type=dpdkvhostuserclient",
                    "options:vhost-server-path=" + l.socks().get(i)));
        return c;
    }

    static List<String> vswitchd(Layout l, Path binary) {
        List<String> c = new ArrayList<>(Harness.pinned(l.cpu()));
        c.addAll(List.of(binary.toString(), "unix:" + l.dbSock(), "--pidfile=" + l.run().resolve("ovs-vswitchd.pid"), "--unixctl=" + l.ctl()));
        return c;
    }

    /** The datapath's ports with their live counters. */
    static List<String> stats(Layout l) {
        return List.of(APPCTL.toString(), "--timeout=10", "-t", l.ctl().toString(), "dpctl/show", "-s");
    }

    /** Zeroes the PMD threads' counters (the PMD does it at its next iteration): the window's start. */
    static List<String> pmdStatsClear(Layout l) {
        return List.of(APPCTL.toString(), "--timeout=10", "-t", l.ctl().toString(), "dpif-netdev/pmd-stats-clear");
    }

    /** The PMD threads' counters since the last clear: packets received, idle and processing cycles ({@link PmdCycles#ofOvs}). */
    static List<String> pmdStatsShow(Layout l) {
        return List.of(APPCTL.toString(), "--timeout=10", "-t", l.ctl().toString(), "dpif-netdev/pmd-stats-show");
    }

    /** Stops ovs-vswitchd and has it remove its datapath (and so its tap devices). */
    static List<String> exit(Layout l) {
        return List.of(APPCTL.toString(), "--timeout=10", "-t", l.ctl().toString(), "exit", "--cleanup");
    }

    static List<String> dbExit(Layout l) {
        return List.of(APPCTL.toString(), "--timeout=10", "-t", l.dbCtl().toString(), "exit");
    }

    /** Frames the bridge's vhost ports received (from the guest) and transmitted (to it), summed. */
    record Counters(long rx, long tx) {}

    private static final Pattern PORT = Pattern.compile("port (\\d+): (\\S+)");
    private static final Pattern RX = Pattern.compile("RX packets:(\\d+)");
    private static final Pattern TX = Pattern.compile("TX packets:(\\d+)");

    /** {@link #PORTS}' counters summed from {@code ovs-appctl dpctl/show -s}; a port without counters is a failure. */
    static Counters counters(String dpctlShow) throws RunFailure {
        Matcher m = PORT.matcher(dpctlShow);
        List<int[]> at = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (m.find()) {
            at.add(new int[] {m.start(), m.end()});
            names.add(m.group(2));
        }
        long rx = 0, tx = 0;
        for (String port : PORTS) {
            int i = names.indexOf(port);
            if (i < 0) throw new RunFailure("OVS's datapath has no port " + port + ":\n" + dpctlShow);
            String block = dpctlShow.substring(at.get(i)[1], i + 1 < at.size() ? at.get(i + 1)[0] : dpctlShow.length());
            Matcher r = RX.matcher(block), t = TX.matcher(block);
            if (!r.find() || !t.find()) throw new RunFailure("OVS has no counters for port " + port + " (is the guest connected?):\n" + dpctlShow);
            rx += Long.parseLong(r.group(1));
            tx += Long.parseLong(t.group(1));
        }
        return new Counters(rx, tx);
    }

    /** A running OVS: its database server and ovs-vswitchd. */
    static final class Running {
        final Layout layout;
        final Child db;
        final Child vswitchd;
        private final Path log;

        private Running(Layout layout, Child db, Child vswitchd, Path log) {
            this.layout = layout;
            this.db = db;
            this.vswitchd = vswitchd;
            this.log = log;
        }

        /** The counters now. */
        Counters counters() throws RunFailure, IOException, InterruptedException {
            return OvsPeer.counters(exec(stats(layout), layout, log, Duration.ofSeconds(15)));
        }

        /** Clears the PMD's cycle counters ({@code dpif-netdev/pmd-stats-clear}). */
        void clearPmdStats() throws RunFailure, IOException, InterruptedException {
            exec(pmdStatsClear(layout), layout, log, Duration.ofSeconds(15));
        }

        /**
         * The PMD's cycles since {@link #clearPmdStats} ({@code dpif-netdev/pmd-stats-show}), with
         * the TSC rate ovs-vswitchd logged at start; no such line is a failure (another OVS than 3.1?).
         */
        PmdCycles pmdCycles() throws RunFailure, IOException, InterruptedException {
            String show = exec(pmdStatsShow(layout), layout, log, Duration.ofSeconds(15));
            double hz = PmdCycles.ovsTscHz(vswitchd.lines());
            if (!(hz > 0))
                throw new RunFailure("ovs-vswitchd logged no 'TSC frequency: N KHz' line, so its cycles cannot be turned into a capacity\n"
                        + vswitchd.tail(30));
            return PmdCycles.ofOvs(show, hz);
        }

        /**
         * Waits until ovs-vswitchd has connected both ports to the guest's servers (it retries once a
         * second) and their queues have settled, so that seeding frames are not dropped.
         */
        void awaitGuest(Child guest, Duration timeout) throws RunFailure, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                if (!vswitchd.alive())
                    throw new RunFailure("ovs-vswitchd " + Harness.exitText(vswitchd.exitValue()) + " while the guest connected\n" + vswitchd.tail(30));
                if (!guest.alive())
                    throw new RunFailure("the " + guest.role + " " + Harness.exitText(guest.exitValue()) + " while OVS connected\n" + guest.tail(30));
                List<String> lines = vswitchd.lines();
                boolean all = layout.socks().stream()
                        .allMatch(s -> lines.stream().anyMatch(x -> x.contains("vHost Device '" + s + "' has been added")));
                if (all) {
                    Thread.sleep(1000);
                    return;
                }
                if (System.nanoTime() > deadline)
                    throw new RunFailure("OVS did not connect to the guest's sockets within " + timeout.toSeconds() + " s\n" + vswitchd.tail(30));
                Thread.sleep(100);
            }
        }

        /** Normal stop: {@code exit --cleanup}, then the database server; both must exit 0. */
        void stop() throws RunFailure, IOException, InterruptedException {
            exec(exit(layout), layout, log, Duration.ofSeconds(20));
            int rc = vswitchd.await(Duration.ofSeconds(20));
            if (rc != 0) throw new RunFailure("ovs-vswitchd " + Harness.exitText(rc) + " when told to exit\n" + vswitchd.tail(30));
            exec(dbExit(layout), layout, log, Duration.ofSeconds(20));
            rc = db.await(Duration.ofSeconds(20));
            if (rc != 0) throw new RunFailure("ovsdb-server " + Harness.exitText(rc) + " when told to exit\n" + db.tail(30));
        }

        /** After a failure: SIGTERM (then SIGKILL) to both; {@link #cleanup} removes what they leave. */
        void kill() throws InterruptedException {
            if (vswitchd.alive()) vswitchd.stop(Duration.ofSeconds(5));
            if (db.alive()) db.stop(Duration.ofSeconds(5));
        }
    }

    /**
     * Fails if a network device of the names OVS will make exists already: another OVS with a
     * userspace datapath, or what a killed run left. Only once this passed may {@link #cleanup}
     * remove those devices.
     */
    static void checkDevicesFree(Layout l) throws RunFailure {
        for (String dev : List.of(DATAPATH_TAP, l.bridge()))
            if (Files.exists(Path.of("/sys/class/net", dev)))
                throw new RunFailure("a network device " + dev + " exists: another Open vSwitch with a userspace (netdev) datapath runs on this "
                        + "host, or a killed run left it (if no OVS uses it: ip link del " + dev + ")");
    }

    /**
     * Creates the database, starts ovsdb-server, configures, starts ovs-vswitchd and waits until
     * it has made the bridge ({@link #checkDevicesFree} first).
     */
    static Running start(Layout l, Path binary, Path logs, String name) throws RunFailure, IOException, InterruptedException {
        for (String d : List.of("run", "db", "log", "etc")) Files.createDirectories(l.dir().resolve(d));
        Path log = logs.resolve(name + "-ovs-ctl.log");
        exec(createDb(l), l, log, Duration.ofSeconds(30));
        Child db = Child.start("ovsdb-server", dbServer(l), logs.resolve(name + "-ovsdb-server.log"), false, l.env());
        Child vs = null;
        try {
            Harness.awaitReady(db, List.of(l.dbSock()), null, Duration.ofSeconds(30));
            exec(configure(l), l, log, Duration.ofSeconds(40));
            vs = Child.start("ovs-vswitchd", vswitchd(l, binary), logs.resolve(name + "-reflector.log"), false, l.env());
            Harness.awaitReady(vs, List.of(l.ctl()), READY, Duration.ofSeconds(60));
            Running r = new Running(l, db, vs, log);
            vs = null;
            db = null;
            return r;
        } finally {
            if (vs != null) vs.stop(Duration.ofSeconds(5));
            if (db != null) db.stop(Duration.ofSeconds(5));
        }
    }

    /**
     * Runs a short OVS command with the layout's environment, its output appended to {@code log};
     * returns its output, or fails with it when it exits non-zero or takes too long.
     */
    static String exec(List<String> cmd, Layout l, Path log, Duration timeout) throws RunFailure, IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(l.env());
        Process p = pb.start();
        // Small outputs (a page of counters at most): read to the end, then wait.
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n" + out, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        if (!done) throw new RunFailure("'" + String.join(" ", cmd) + "' did not finish within " + timeout.toSeconds() + " s");
        if (p.exitValue() != 0) throw new RunFailure("'" + String.join(" ", cmd) + "' exited " + p.exitValue() + ":\n" + out.strip());
        return out;
    }

    /**
     * Removes what a start's OVS may leave once its processes are gone: the tap devices (after a
     * SIGTERM ovs-vswitchd leaves them; call this only once {@link #checkDevicesFree} passed),
     * the directory with the database and sockets, and the EAL runtime directory. Best effort.
     */
    static void cleanup(Layout l) {
        for (String dev : List.of(l.bridge(), DATAPATH_TAP)) {
            if (!Files.exists(Path.of("/sys/class/net", dev))) continue;
            try {
                Process p = new ProcessBuilder("ip", "link", "del", dev).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                // best effort: the next start names it if it is still there
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (Files.exists(l.dir())) {
            try (Stream<Path> w = Files.walk(l.dir())) {
                for (Path f : w.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // best effort
            }
        }
        Harness.cleanEal(l.dpdkPrefix());
    }
}
