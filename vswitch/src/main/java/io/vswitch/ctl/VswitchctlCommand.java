package io.vswitch.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Cli;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code vswitchctl}: controls a running {@code vswitch --mode switch --ctl PATH} over its control socket,
 * in the style of ovs-vsctl / ovs-appctl. Each subcommand is one JSON-RPC call; {@code --json} prints
 * its result as the switch returned it, on one line.
 *
 * <p>Error contract (like {@link Cli#run}): one line {@code vswitchctl: message} on stderr and a distinct
 * exit code; a stack trace only for a bug. Arguments are validated before connecting, with the rules the
 * switch applies ({@link PortRequest}), so a bad value changes nothing and needs no switch.
 */
@Command(name = "vswitchctl", mixinStandardHelpOptions = true, versionProvider = VswitchctlCommand.Version.class,
        sortOptions = false,
        description = {"Controls a running `vswitch --mode switch --ctl PATH` over its control socket: adds and removes"
                + " ports, shows them, their counters and the MAC table.", ""},
        subcommands = {VswitchctlCommand.AddPort.class, VswitchctlCommand.DelPort.class, VswitchctlCommand.Show.class,
                VswitchctlCommand.Stats.class, VswitchctlCommand.FdbShow.class, VswitchctlCommand.FdbFlush.class,
                VswitchctlCommand.PmdStats.class, VswitchctlCommand.PmdStatsClear.class, VswitchctlCommand.Ping.class, VswitchctlCommand.SwitchVersion.class},
        footer = {"", "Examples:",
                "  vswitchctl add-port vm0 --type vhost-user --path /tmp/vm0.sock \\",
                "      --queues 2 --vlan 10",
                "  vswitchctl add-port tap0 --type tap --iface vsw0",
                "  vswitchctl show",
                "  vswitchctl --ctl /tmp/sw.ctl stats vm0 --json",
                "  vswitchctl fdb-flush vm0",
                "",
                "Every command takes --json: print the switch's result as JSON, on one line.",
                "",
                VswitchctlCommand.EXIT_CODES, VswitchctlCommand.EXIT_CODES_2})
public final class VswitchctlCommand implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_BUG = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;
    public static final int EXIT_REFUSED = 4;
    /** The exit codes, for the help footers (two lines: picocli would wrap one mid-phrase). */
    static final String EXIT_CODES = "Exit codes: 0 ok, 2 usage (nothing was sent), 3 the switch cannot be reached,";
    static final String EXIT_CODES_2 = "4 the switch refused the request (nothing changed), 1 bug.";
    private static final String PROG = "vswitchctl";
    private static final String COMMANDS = "add-port, del-port, show, stats, fdb-show, fdb-flush, pmd-stats,"
            + " pmd-stats-clear, ping or version";

    @Option(names = "--ctl", paramLabel = "PATH", defaultValue = ControlServer.DEFAULT_PATH, scope = ScopeType.INHERIT,
            description = "The switch's control socket (vswitch --ctl). Default: ${DEFAULT-VALUE}")
    Path ctl;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "a command is required: " + COMMANDS);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs with stdout and stderr. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args);
    }

    /** Runs with the given output streams and returns the exit code (see {@link #EXIT_CODES}). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new VswitchctlCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(PROG + ": " + RpcError.oneLine(ex.getMessage()) + " (see "
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof ControlException ce) {
                err.println(PROG + ": " + ce.getMessage());
                err.flush();
                return EXIT_UNREACHABLE;
            }
            if (ex instanceof RpcError re) {
                err.println(PROG + ": " + refusal(re));
                err.flush();
                return EXIT_REFUSED;
            }
            err.println(PROG + ": internal error (a bug; please report it with this trace):");
            ex.printStackTrace(err);
            err.flush();
            return EXIT_BUG;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The line printed for the switch's refusal: its message, with a hint where the code tells more. */
    static String refusal(RpcError e) {
        return switch (e.code()) {
            case RpcError.METHOD_NOT_FOUND -> e.getMessage() + " (is the switch older than vswitchctl?)";
            case RpcError.INTERNAL_ERROR -> "the switch failed: " + e.getMessage() + " (a bug in the switch: its log has"
                    + " the trace)";
            default -> e.getMessage();
        };
    }

    /** The version line of {@code vswitchctl --version}. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"vswitchctl of " + new Cli.Version().getVersion()[0] + ", control protocol "
                    + JsonRpc.PROTOCOL};
        }
    }

    /** What every subcommand shares: --json, the connection, output. */
    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        VswitchctlCommand parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print the switch's result as JSON, on one line")
        boolean json;

        /** Validates the arguments, calls the switch, prints the result. */
        @Override
        public final Integer call() throws RpcError {
            ObjectNode params = params();
            try {
                ControlServer.checkLength(parent.ctl.toAbsolutePath());
            } catch (ControlException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            JsonNode result;
            try (CtlClient c = CtlClient.connect(parent.ctl)) {
                result = c.call(method(), params);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(toJson(result));
            } else {
                print(out, result);
            }
            out.flush();
            return EXIT_OK;
        }

        abstract String method();

        /** The request's params (null for none), validated: a bad argument throws a ParameterException. */
        abstract ObjectNode params();

        abstract void print(PrintWriter out, JsonNode result);

        /** A usage error from a client-side refusal, naming the option instead of params.X. */
        ParameterException usage(RpcError e) {
            Matcher m = Pattern.compile("params\\.([a-z_]+)").matcher(e.getMessage());
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String p = m.group(1);
                m.appendReplacement(sb, Matcher.quoteReplacement(p.equals("name") || p.equals("port") ? "NAME" : "--" + p));
            }
            m.appendTail(sb);
            return new ParameterException(spec.commandLine(), sb.toString());
        }

        /** {@code {"port":NAME}} (or {"name":NAME}) for an optional NAME, validated; null without one. */
        ObjectNode nameParam(String key, String name) {
            if (name == null) {
                return null;
            }
            ObjectNode p = JsonRpc.MAPPER.createObjectNode().put(key, name);
            try {
                Params.of(p).portName(key);
            } catch (RpcError e) {
                throw usage(e);
            }
            return p;
        }
    }

    @Command(name = "add-port", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Adds a port to the switch and prints it.",
            footer = {"", "A relative --path is made absolute against the current directory.", "", EXIT_CODES,
                    EXIT_CODES_2})
    static final class AddPort extends Sub {
        @Parameters(paramLabel = "NAME", description = "1..32 characters of A-Z a-z 0-9 _ . -, not starting with . or -")
        String name;

        @Option(names = "--type", required = true, paramLabel = "TYPE",
                description = "vhost-user (the switch creates SOCKET), vhost-user-client (QEMU owns SOCKET, the switch"
                        + " connects), tap (creates interface IF), af_packet (binds the existing interface IF)")
        String type;

        @Option(names = "--path", paramLabel = "SOCKET", description = "The vhost-user socket (vhost types only)")
        String path;

        @Option(names = "--iface", paramLabel = "IF", description = "The kernel interface (tap and af_packet only)")
        String iface;

        @Option(names = "--queues", paramLabel = "N", description = "Queue pairs, 1..32 (default 1)")
        Integer queues;

        @Option(names = "--vlan", paramLabel = "VID", description = "Access VLAN 1..4094 (default: a trunk port)")
        Integer vlan;

        @Option(names = "--mac", paramLabel = "MAC", description = "The port's unicast MAC, xx:xx:xx:xx:xx:xx")
        String mac;

        @Option(names = "--owner", paramLabel = "UID:GID", description = "vhost-user only: who owns the socket the"
                + " switch creates, so a QEMU or a pod that does not run as root can connect (e.g. 107:107)")
        String owner;

        @Option(names = "--mode", paramLabel = "MODE", description = "vhost-user only: the socket's permission bits,"
                + " octal (e.g. 0660)")
        String mode;

        @Override
        String method() {
            return "port.add";
        }

        @Override
        ObjectNode params() {
            ObjectNode p = JsonRpc.MAPPER.createObjectNode().put("name", name).put("type", type);
            if (path != null) p.put("path", path);
            if (iface != null) p.put("iface", iface);
            if (queues != null) p.put("queues", queues);
            if (vlan != null) p.put("vlan", vlan);
            if (mac != null) p.put("mac", mac);
            if (owner != null) p.put("owner", owner);
            if (mode != null) p.put("mode", mode);
            try {
                PortRequest.from(p);
            } catch (RpcError e) {
                throw usage(e);
            }
            if (path != null) {
                try {
                    p.put("path", Path.of(path).toAbsolutePath().toString()); // the user's directory, not the switch's
                } catch (InvalidPathException e) {
                    throw new ParameterException(spec.commandLine(), "--path: not a path: " + e.getMessage());
                }
            }
            return p;
        }

        @Override
        void print(PrintWriter out, JsonNode port) {
            out.println("added port " + text(port, "name") + " (" + summary(port) + ")");
        }
    }

    @Command(name = "del-port", mixinStandardHelpOptions = true, description = "Removes a port from the switch.",
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class DelPort extends Sub {
        @Parameters(paramLabel = "NAME", description = "The port")
        String name;

        @Override
        String method() {
            return "port.del";
        }

        @Override
        ObjectNode params() {
            return nameParam("name", name);
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            out.println("removed port " + text(r, "name"));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Shows every port: type, socket or interface, link, VLAN or trunk, queues, per rx queue"
                    + " the lcore (and CPU) that polls it and whether the guest enabled it, the tx queues the guest"
                    + " enabled, and per lcore the tx queue it sends on (shared ones under a lock).",
                    "--json prints port.list's result: {\"ports\":[...]}."},
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class Show extends Sub {
        @Override
        String method() {
            return "port.list";
        }

        @Override
        ObjectNode params() {
            return null;
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            JsonNode ports = r.path("ports");
            if (ports.isEmpty()) {
                out.println("no ports");
                return;
            }
            for (JsonNode p : ports) {
                out.println(text(p, "name") + (has(p, "port_id") ? " (port " + text(p, "port_id") + ")" : ""));
                out.println("    type: " + text(p, "type"));
                if (has(p, "path")) out.println("    socket: " + text(p, "path"));
                if (has(p, "iface")) out.println("    interface: " + text(p, "iface"));
                out.println("    link: " + text(p, "link"));
                if (has(p, "error")) out.println("    error: " + text(p, "error"));
                if (has(p, "owner") || has(p, "mode")) {
                    out.println("    socket owner: " + (has(p, "owner") ? text(p, "owner") : "the switch's user")
                            + ", mode " + (has(p, "mode") ? text(p, "mode") : "from the switch's umask"));
                }
                out.println("    vlan: " + (has(p, "vlan") ? text(p, "vlan") : "trunk"));
                if (has(p, "mac")) out.println("    mac: " + text(p, "mac"));
                out.println("    queues: " + text(p, "queues"));
                for (JsonNode q : p.path("rxqs")) {
                    out.println("    rxq " + text(q, "queue") + ": lcore " + text(q, "lcore") + ", cpu " + text(q, "cpu")
                            + ", " + (q.path("enabled").asBoolean(true) ? "enabled" : "not enabled by the guest"));
                }
                if (p.has("txqs") && text(p, "type").startsWith("vhost")) {
                    StringBuilder on = new StringBuilder();
                    for (JsonNode q : p.path("txqs")) {
                        if (q.path("enabled").asBoolean()) {
                            on.append(on.isEmpty() ? "" : ",").append(text(q, "queue"));
                        }
                    }
                    out.println("    txqs enabled by the guest: " + (on.isEmpty() ? "none" : on) + " of "
                            + p.path("txqs").size());
                }
                for (JsonNode l : p.path("lcores")) {
                    int q = l.path("txq").asInt();
                    out.println("    lcore " + text(l, "lcore") + " (cpu " + text(l, "cpu") + ") sends on "
                            + (q < 0 ? "no tx queue (none enabled: frames dropped)" : "txq " + q
                            + (l.path("shared").asBoolean() ? " (shared, locked)" : "")));
                }
            }
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Shows each port's (or NAME's) packet and byte counters and drops by reason, then the mbufs"
                    + " in use.",
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class Stats extends Sub {
        @Parameters(paramLabel = "NAME", arity = "0..1", description = "Only this port")
        String name;

        @Override
        String method() {
            return "port.stats";
        }

        @Override
        ObjectNode params() {
            return nameParam("name", name);
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"PORT", "RX_PACKETS", "RX_BYTES", "TX_PACKETS", "TX_BYTES", "FLOODED", "LEARNED",
                    "DROPS"});
            for (JsonNode p : r.path("ports")) {
                rows.add(new String[] {text(p, "name"), text(p, "rx_packets"), text(p, "rx_bytes"), text(p, "tx_packets"),
                        text(p, "tx_bytes"), text(p, "flooded"), text(p, "learned"), drops(p.path("drops"))});
            }
            if (rows.size() == 1) {
                out.println("no ports");
            } else {
                table(out, rows, "LRRRRRRL");
            }
            out.println("mbufs in use: " + text(r, "mbufs_in_use") + " of " + text(r, "mbufs"));
        }

        /** The non-zero drop counters, "runt=1 tx_full=3", whatever their names; "0" when none. */
        static String drops(JsonNode d) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, JsonNode> e : d.properties()) {
                if (!(e.getValue().isNumber() && e.getValue().asLong() == 0)) {
                    sb.append(sb.isEmpty() ? "" : " ").append(e.getKey()).append('=').append(text(e.getValue()));
                }
            }
            return sb.isEmpty() ? "0" : sb.toString();
        }
    }

    @Command(name = "fdb-show", mixinStandardHelpOptions = true,
            description = "Shows the MAC table (of port NAME only, with NAME), like ovs-appctl fdb/show.",
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class FdbShow extends Sub {
        @Parameters(paramLabel = "NAME", arity = "0..1", description = "Only the MACs learned on this port")
        String name;

        @Override
        String method() {
            return "fdb.show";
        }

        @Override
        ObjectNode params() {
            return nameParam("port", name);
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"PORT", "VLAN", "MAC", "AGE"});
            for (JsonNode e : r.path("fdb")) {
                rows.add(new String[] {text(e, "port"), text(e, "vlan"), text(e, "mac"), text(e, "age_s")});
            }
            if (rows.size() > 1) {
                table(out, rows, "LRLR");
            }
            out.println(text(r, "entries") + " entries of " + text(r, "capacity") + ", learn failures "
                    + text(r, "learn_failures") + ", max age " + text(r, "max_age_s") + " s");
        }
    }

    @Command(name = "fdb-flush", mixinStandardHelpOptions = true,
            description = "Forgets every learned MAC (or those learned on port NAME).",
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class FdbFlush extends Sub {
        @Parameters(paramLabel = "NAME", arity = "0..1", description = "Only the MACs learned on this port")
        String name;

        @Override
        String method() {
            return "fdb.flush";
        }

        @Override
        ObjectNode params() {
            return nameParam("port", name);
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            out.println("flushed " + text(r, "flushed") + " entries" + (name == null ? "" : " of port " + name));
        }
    }

    @Command(name = "pmd-stats", mixinStandardHelpOptions = true,
            description = {"Shows how busy each poll loop (lcore) is, as ovs-appctl dpif-netdev/pmd-stats-show and"
                    + " pmd-rxq-show do: the share of its polling time spent on polls that returned frames (busy %%),"
                    + " TSC cycles per frame, frames per burst, and per rx queue it polls that queue's share of its"
                    + " busy cycles; since the switch started or the last pmd-stats-clear.",
                    "Polls by duration: how many of the loop's polls (with frames or without) took under 1 us,"
                    + " under 2 us, 4 us, ... (powers of two): a poll of milliseconds means the loop stalled (it was"
                    + " descheduled, its vCPU taken by the host, a guest's ring full); only the non-empty ones are shown.",
                    "--json prints {\"lcores\":[{\"lcore\",\"cpu\",\"busy_pct\",\"cycles_per_frame\","
                    + "\"frames_per_burst\",\"rxqs\":[{\"port\",\"queue\",\"busy_share_pct\"}],\"polls\","
                    + "\"poll_histogram\":[{\"under_us\",\"polls\"}],\"longest_poll\":{\"under_us\"}}]} and the raw"
                    + " counts (the histogram up to its longest non-empty bucket; under_us null: 16.8 s or more)."},
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class PmdStats extends Sub {
        @Override
        String method() {
            return "pmd.stats";
        }

        @Override
        ObjectNode params() {
            return null;
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            out.println("over " + text(r, "seconds") + " s:");
            for (JsonNode l : r.path("lcores")) {
                out.println("lcore " + text(l, "lcore") + " (cpu " + text(l, "cpu") + "): busy " + text(l, "busy_pct")
                        + " %, " + text(l, "cycles_per_frame") + " cycles/frame, " + text(l, "frames_per_burst")
                        + " frames/burst, " + text(l, "frames") + " frames in " + text(l, "bursts") + " bursts");
                for (JsonNode q : l.path("rxqs")) {
                    out.println("  rxq " + text(q, "port") + " " + text(q, "queue") + ": " + text(q, "busy_share_pct")
                            + " % of busy cycles");
                }
                StringBuilder h = new StringBuilder();
                long below = 0;                        // the previous bucket's bound: the last bucket's lower one
                for (JsonNode b : l.path("poll_histogram")) {
                    JsonNode under = b.path("under_us");
                    if (b.path("polls").asLong() != 0) {
                        h.append(h.isEmpty() ? "" : ", ").append(under.isNumber() ? "<" + under.asLong() : ">=" + below)
                                .append(" us: ").append(b.path("polls").asLong());
                    }
                    below = under.asLong(below);
                }
                if (!h.isEmpty()) {
                    out.println("  polls by duration: " + h);
                }
            }
        }
    }

    @Command(name = "pmd-stats-clear", mixinStandardHelpOptions = true,
            description = "Starts pmd-stats afresh: what it shows next counts from now.",
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class PmdStatsClear extends Sub {
        @Override
        String method() {
            return "pmd.clear";
        }

        @Override
        ObjectNode params() {
            return null;
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            out.println("cleared the cycle counters of " + text(r, "cleared") + " lcores");
        }
    }

    @Command(name = "ping", mixinStandardHelpOptions = true, description = "Checks that the switch answers.",
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class Ping extends Sub {
        @Override
        String method() {
            return "ping";
        }

        @Override
        ObjectNode params() {
            return null;
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            out.println(text(r));
        }
    }

    @Command(name = "version", mixinStandardHelpOptions = true,
            description = "Shows the running switch's version and control protocol.",
            footer = {"", EXIT_CODES, EXIT_CODES_2})
    static final class SwitchVersion extends Sub {
        @Override
        String method() {
            return "version";
        }

        @Override
        ObjectNode params() {
            return null;
        }

        @Override
        void print(PrintWriter out, JsonNode r) {
            out.println(text(r, "version") + ", control protocol " + text(r, "protocol"));
        }
    }

    /** "vhost-user, socket /tmp/vm0.sock, vlan 10, port 0, link down". */
    static String summary(JsonNode p) {
        StringBuilder sb = new StringBuilder(text(p, "type"));
        if (has(p, "path")) sb.append(", socket ").append(text(p, "path"));
        if (has(p, "iface")) sb.append(", interface ").append(text(p, "iface"));
        sb.append(has(p, "vlan") ? ", vlan " + text(p, "vlan") : ", trunk");
        if (has(p, "port_id")) sb.append(", port ").append(text(p, "port_id"));
        if (has(p, "link")) sb.append(", link ").append(text(p, "link"));
        return sb.toString();
    }

    /** Prints rows as columns two spaces apart; align: one 'L' or 'R' per column. */
    static void table(PrintWriter out, List<String[]> rows, String align) {
        int[] w = new int[align.length()];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) sb.append("  ");
                String pad = " ".repeat(w[i] - r[i].length());
                sb.append(align.charAt(i) == 'R' ? pad + r[i] : r[i] + (i == r.length - 1 ? "" : pad));
            }
            out.println(sb);
        }
    }

    private static boolean has(JsonNode n, String field) {
        return n.hasNonNull(field);
    }

    /** A field as text: strings unquoted, other values as JSON, "-" when absent or null. */
    private static String text(JsonNode n, String field) {
        return text(n.get(field));
    }

    private static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "-";
        }
        return v.isTextual() ? v.textValue() : v.toString();
    }

    private static String toJson(JsonNode n) {
        try {
            return JsonRpc.MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e); // a tree always serialises
        }
    }
}
