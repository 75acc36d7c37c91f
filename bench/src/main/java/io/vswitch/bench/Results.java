package io.vswitch.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.Topology;
import io.vswitch.gen.Csv;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The measurements of a campaign and their presentations: the text tables, the CSV and the JSON.
 *
 * <p>Mbps are L2 rates: {@code pps x size x 8}, with the size counting the 4-byte FCS and not the
 * 20 bytes of preamble and inter-frame gap (the seed's and pktgen's convention).
 */
public final class Results {
    private Results() {}

    /** All starts of one point. */
    public record PointResult(Point point, List<Measurement> runs) {
        public PointResult {
            runs = List.copyOf(runs);
        }

        Summary of(ToDoubleFunction<Measurement> f) {
            return Summary.of(runs.stream().mapToDouble(f).toArray());
        }

        /** Reflected (received) Mpps. */
        public Summary rxMpps() {
            return of(Measurement::rxPps).scaled(1e-6);
        }

        /** Offered (transmitted) Mpps. */
        public Summary txMpps() {
            return of(Measurement::txPps).scaled(1e-6);
        }

        /** Reflected L2 Mbps (FCS included). */
        public Summary rxMbps() {
            return of(Measurement::rxPps).scaled(point.size() * 8e-6);
        }

        /** Offered L2 Mbps (FCS included). */
        public Summary txMbps() {
            return of(Measurement::txPps).scaled(point.size() * 8e-6);
        }

        public Summary loss() {
            return of(Measurement::lossRatio);
        }

        public Summary latP50Ns() {
            return of(Measurement::latP50Ns);
        }

        public Summary latP99Ns() {
            return of(Measurement::latP99Ns);
        }

        /** The switch's busy cycles per frame received over the window ({@link PmdCycles}); none for other points. */
        public Summary cyclesPerFrame() {
            return of(Measurement::cyclesPerFrame);
        }

        /** The switch's poll thread busy %, 0..100. */
        public Summary busyPct() {
            return of(Measurement::busyPct);
        }

        /** tsc_hz / busy cycles per frame, Mpps: what the switch's core could forward were the guest not the limit. */
        public Summary capacityMpps() {
            return of(Measurement::capacityMpps);
        }
    }

    /** L2 megabits per second of {@code pps} frames of {@code size} bytes (FCS included). */
    public static double mbps(double pps, int size) {
        return pps * size * 8 / 1e6;
    }

    static String fmt(double v, int decimals) {
        if (Double.isNaN(v)) return "-";
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static PointResult find(List<PointResult> rs, Config c, int size) {
        for (PointResult r : rs) if (r.point().config().equals(c) && r.point().size() == size) return r;
        return null;
    }

    /**
     * The seed's table, one per generator: rows reflector x queues, columns sizes, cells
     * TX/RX Mbps (medians over starts); then the same in Mpps, RX median with best-of-N; then,
     * for a generator that measures it (vswitch-gen), latency p50/p99. The two-port loop's
     * points (sweep --switch) get {@link SwitchReport}'s table instead.
     */
    public static String tables(List<PointResult> all) {
        if (all.stream().allMatch(r -> r.runs().isEmpty())) return "(nothing was measured)\n";
        List<PointResult> rs = all.stream().filter(r -> r.point().config().topology() == Topology.ONE_PORT).toList();
        return generatorTables(rs) + SwitchReport.table(all) + unsteadyNote(all) + stealNote(all);
    }

    /**
     * The hypervisor's steal time over the starts ({@link CpuSteal}, read by {@link Campaign}):
     * how many starts had any, the total, and the starts with the most, so a tail or a slow start
     * the host caused is not blamed on a switch; "" when no start recorded steal.
     */
    static String stealNote(List<PointResult> all) {
        record Start(String label, long ms, String cpus) {}
        List<Start> hit = new ArrayList<>();
        int measured = 0;
        long total = 0;
        for (PointResult r : all)
            for (int i = 0; i < r.runs().size(); i++) {
                CpuSteal st = r.runs().get(i).steal();
                if (st == null) continue;
                measured++;
                if (st.totalMs() == 0) continue;
                total += st.totalMs();
                hit.add(new Start(String.format(Locale.ROOT, "%s, %d B, start %d", r.point().config().label(), r.point().size(), i + 1),
                        st.totalMs(), st.describe()));
            }
        if (hit.isEmpty()) return "";
        hit.sort(java.util.Comparator.comparingLong(Start::ms).reversed());
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Steal (the hypervisor ran something else on a vCPU; /proc/stat, "
                + "whole start, 10 ms ticks): %d of %d starts, %d ms in all; most (results.json runs: \"steal_ms\"):%n", hit.size(), measured, total));
        for (Start st : hit.subList(0, Math.min(3, hit.size()))) b.append("  ").append(st.label()).append(": ").append(st.cpus()).append('\n');
        return b.toString();
    }

    /**
     * The starts whose per-second rate moved by more than {@link Measurement#UNSTEADY} times inside
     * the window (the generators or switches that report per-second rates: flowgen, the two-port
     * loop), listed so that a median mixing two modes is not read as one; "" when none.
     */
    static String unsteadyNote(List<PointResult> all) {
        List<String> lines = new ArrayList<>();
        int measured = 0;
        for (PointResult r : all)
            for (int i = 0; i < r.runs().size(); i++) {
                Measurement m = r.runs().get(i);
                if (Double.isNaN(m.rateSpread())) continue;
                measured++;
                if (!m.unsteady()) continue;
                double[] range = m.rateRange();
                lines.add(String.format(Locale.ROOT, "  %s, %d B, start %d: %.3f..%.3f Mpps", r.point().config().label(), r.point().size(), i + 1,
                        range[0] / 1e6, range[1] / 1e6));
            }
        if (lines.isEmpty()) return "";
        return String.format(Locale.ROOT, "Unsteady starts: %d of %d with per-second rates moved more than %.0fx within the window "
                + "(two modes in one start; their mean is neither; results.json runs: \"unsteady\"):%n", lines.size(), measured,
                Measurement.UNSTEADY) + String.join("\n", lines) + "\n";
    }

    private static String generatorTables(List<PointResult> rs) {
        StringBuilder b = new StringBuilder();
        Set<Generator> gens = new LinkedHashSet<>();
        Set<Reflector> refls = new LinkedHashSet<>();
        Set<Integer> queues = new java.util.TreeSet<>();
        Set<Integer> sizes = new java.util.TreeSet<>();
        for (PointResult r : rs) {
            gens.add(r.point().config().generator());
            refls.add(r.point().config().reflector());
            queues.add(r.point().config().queues());
            sizes.add(r.point().size());
        }
        for (Generator g : gens) {
            int maxN = rs.stream().filter(r -> r.point().config().generator() == g).mapToInt(r -> r.runs().size()).max().orElse(0);
            List<String> head = new ArrayList<>(List.of("reflector", "queues"));
            for (int s : sizes) head.add(s + " B");
            TextTable mbps = new TextTable(2, head), mpps = new TextTable(2, head), lat = new TextTable(2, head);
            for (Reflector rf : refls)
                for (int q : queues) {
                    Config c = new Config(rf, g, q);
                    List<String> a = new ArrayList<>(List.of(rf.label(), Integer.toString(q)));
                    List<String> p = new ArrayList<>(a);
                    List<String> l = new ArrayList<>(a);
                    boolean any = false, anyLat = false;
                    for (int s : sizes) {
                        PointResult r = find(rs, c, s);
                        if (r == null || r.runs().isEmpty()) {
                            a.add("-");
                            p.add("-");
                            l.add("-");
                            continue;
                        }
                        any = true;
                        a.add(fmt(r.txMbps().median(), 0) + "/" + fmt(r.rxMbps().median(), 0));
                        p.add(fmt(r.rxMpps().median(), 2) + " (" + fmt(r.rxMpps().best(), 2) + ")");
                        l.add(fmt(r.latP50Ns().median() / 1e3, 1) + "/" + fmt(r.latP99Ns().median() / 1e3, 1));
                        anyLat |= r.latP50Ns().n() > 0;
                    }
                    if (any) {
                        mbps.row(a);
                        mpps.row(p);
                    }
                    if (anyLat) lat.row(l);
                }
            b.append("Generator ").append(g.label()).append(": TX/RX Mbps (L2, FCS included, no preamble/IFG), median of up to ")
                    .append(maxN).append(" start(s)\n").append(mbps).append('\n');
            b.append("Generator ").append(g.label()).append(": reflected Mpps, median (best) of up to ").append(maxN)
                    .append(" start(s)\n").append(mpps).append('\n');
            if (lat.rowCount() > 0)
                b.append("Generator ").append(g.label()).append(": latency p50/p99 in us, median of up to ").append(maxN)
                        .append(" start(s)\n").append(lat).append('\n');
        }
        if (gens.contains(Generator.FLOWGEN) && gens.contains(Generator.VSWITCH_GEN)) b.append(generatorRatios(rs, refls, queues, sizes));
        return b.toString();
    }

    /**
     * The seed's table for {@code sweep --guest}, one per reflector: rows guest driver x queues,
     * columns sizes, cells TX/RX Mbps as the guest's testpmd counted them (medians over starts);
     * then the reflected Mpps, median (best). {@code note} heads every table: under TCG it says
     * that the numbers measure the emulator, not the switch.
     */
    public static String guestTables(List<PointResult> rs, String note) {
        if (rs.stream().allMatch(r -> r.runs().isEmpty())) return "(nothing was measured)\n";
        Set<Reflector> refls = new LinkedHashSet<>();
        Set<Generator> gens = new LinkedHashSet<>();
        Set<Integer> queues = new java.util.TreeSet<>();
        Set<Integer> sizes = new java.util.TreeSet<>();
        for (PointResult r : rs) {
            refls.add(r.point().config().reflector());
            gens.add(r.point().config().generator());
            queues.add(r.point().config().queues());
            sizes.add(r.point().size());
        }
        StringBuilder b = new StringBuilder();
        String head = note.isEmpty() ? "" : note.substring(0, 1).toUpperCase(Locale.ROOT) + note.substring(1) + ".\n";
        for (Reflector rf : refls) {
            int maxN = rs.stream().filter(r -> r.point().config().reflector().equals(rf)).mapToInt(r -> r.runs().size()).max().orElse(0);
            List<String> cols = new ArrayList<>(List.of("guest driver", "queues"));
            for (int s : sizes) cols.add(s + " B");
            TextTable mbps = new TextTable(2, cols), mpps = new TextTable(2, cols);
            for (Generator g : gens)
                for (int q : queues) {
                    Config c = new Config(rf, g, q);
                    List<String> a = new ArrayList<>(List.of(g.inGuest() ? g.driver() : g.id(), Integer.toString(q)));
                    List<String> p = new ArrayList<>(a);
                    boolean any = false;
                    for (int s : sizes) {
                        PointResult r = find(rs, c, s);
                        if (r == null || r.runs().isEmpty()) {
                            a.add("-");
                            p.add("-");
                            continue;
                        }
                        any = true;
                        a.add(fmt(r.txMbps().median(), 0) + "/" + fmt(r.rxMbps().median(), 0));
                        p.add(fmt(r.rxMpps().median(), 3) + " (" + fmt(r.rxMpps().best(), 3) + ")");
                    }
                    if (any) {
                        mbps.row(a);
                        mpps.row(p);
                    }
                }
            b.append(head).append("Reflector ").append(rf.label()).append(" <- testpmd flowgen in a QEMU guest: TX/RX Mbps (L2, FCS included, "
                    + "no preamble/IFG), median of up to ").append(maxN).append(" start(s)\n").append(mbps).append('\n');
            b.append(head).append("Reflector ").append(rf.label()).append(" <- testpmd flowgen in a QEMU guest: reflected Mpps, median (best) of up to ")
                    .append(maxN).append(" start(s)\n").append(mpps).append('\n');
        }
        return b.toString();
    }

    /**
     * Both generators against the same reflectors: vswitch-gen's reflected Mpps over testpmd
     * flowgen's (medians), and issue 4's target, measured against testpmd io at 64 B.
     */
    static String generatorRatios(List<PointResult> rs, Set<Reflector> refls, Set<Integer> queues, Set<Integer> sizes) {
        List<String> head = new ArrayList<>(List.of("reflector", "queues"));
        for (int s : sizes) head.add(s + " B");
        TextTable t = new TextTable(2, head);
        for (Reflector rf : refls)
            for (int q : queues) {
                List<String> row = new ArrayList<>(List.of(rf.label(), Integer.toString(q)));
                boolean any = false;
                for (int s : sizes) {
                    double x = generatorRatio(rs, rf, q, s);
                    any |= !Double.isNaN(x);
                    row.add(fmt(x, 3));
                }
                if (any) t.row(row);
            }
        if (t.rowCount() == 0) return "";
        StringBuilder b = new StringBuilder("Generators: vswitch-gen / testpmd flowgen reflected Mpps (medians)\n").append(t);
        for (int q : queues) {
            Reflector tio = new Reflector(Peers.ReflectorKind.TESTPMD, "io");
            double x = generatorRatio(rs, tio, q, 64);
            if (Double.isNaN(x)) continue;
            b.append(String.format(Locale.ROOT, "against testpmd io, %d queue(s), 64 B: %.3f (target >= 0.95 %s, goal >= 1.00 %s)%n", q, x,
                    x >= 0.95 ? "met" : "NOT met", x >= 1.0 ? "met" : "not met"));
            if (find(rs, new Config(tio, Generator.VSWITCH_GEN, q), 64).rxMpps().noisy() || find(rs, new Config(tio, Generator.FLOWGEN, q), 64).rxMpps().noisy())
                b.append("  but uncertain: the starts spread more than " + Summary.NOISY_SPREAD
                        + "x (bimodal starts or a busy machine); compare best-of-N, check top, rerun with more --starts\n");
        }
        return b.append('\n').toString();
    }

    private static double generatorRatio(List<PointResult> rs, Reflector rf, int q, int size) {
        PointResult ours = find(rs, new Config(rf, Generator.VSWITCH_GEN, q), size);
        PointResult theirs = find(rs, new Config(rf, Generator.FLOWGEN, q), size);
        if (ours == null || theirs == null || ours.runs().isEmpty() || theirs.runs().isEmpty()) return Double.NaN;
        return ours.rxMpps().median() / theirs.rxMpps().median();
    }

    /**
     * results.csv's columns. {@code topology} (last, so that the columns before it keep their
     * places) is {@code one-port} (rx = what the generator got back) or {@code two-port-loop}
     * (sweep --switch: rx = what the switch forwarded, tx = what it received); {@code switch} is
     * {@code ours} or {@code ovs} for the loop's switches ("" for reflectors) and {@code flows}
     * the IP flows of the loop's frames (1 elsewhere).
     */
    static final List<String> CSV_HEADER = List.of("reflector", "generator", "queues", "size", "starts", "rx_mpps_median", "rx_mpps_min",
            "rx_mpps_max", "rx_mpps_mean", "tx_mpps_median", "rx_mbps_median", "tx_mbps_median", "rx_mbps_best", "loss_ratio_median",
            "latency_p50_ns_median", "latency_p99_ns_median", "topology", "switch", "flows");

    /**
     * The columns results.csv gains, last, when the sweep has switch points (ours or OVS on the
     * two-port loop): the switch's poll-thread cycles over the window ({@link PmdCycles}),
     * median over starts, and the capacity's best; empty for the other points.
     */
    static final List<String> CAPACITY_COLUMNS = List.of("busy_cycles_per_frame_median", "busy_cycles_per_frame_min", "busy_pct_median",
            "capacity_mpps_median", "capacity_mpps_best");

    /** runs.csv's columns after the others when the sweep has switch points: the start's cycles and what follows from them. */
    static final List<String> RUNS_CAPACITY_COLUMNS = List.of("busy_cycles", "idle_cycles", "frames", "tsc_hz", "busy_cycles_per_frame",
            "busy_pct", "capacity_mpps");

    /** Whether the sweep has switch points, whose cycles results.csv, runs.csv and the tables show. */
    static boolean hasSwitches(List<PointResult> rs) {
        return rs.stream().anyMatch(r -> r.point().config().reflector().isSwitch());
    }

    private static List<Object> capacityCells(PointResult r) {
        Summary c = r.cyclesPerFrame(), cap = r.capacityMpps();
        return List.of(num(c.median()), num(c.min()), num(r.busyPct().median()), num(cap.median()), num(cap.best()));
    }

    private static List<Object> capacityCells(Measurement m) {
        PmdCycles c = m.cycles();
        if (c == null) return LatencyReport.noCells(RUNS_CAPACITY_COLUMNS.size());
        return List.of(c.busy(), c.idle(), c.frames(), num(c.tscHz()), num(c.cyclesPerFrame()), num(c.busyPct()), num(c.capacityMpps()));
    }

    /** One row per point with its statistics over starts. */
    public static String csv(List<PointResult> rs) {
        // sweep --rate's latency points: more columns (LatencyReport.CSV_COLUMNS) and a row per share
        boolean latency = rs.stream().anyMatch(LatencyPoints::isLatency);
        boolean capacity = hasSwitches(rs);
        List<Object> head = new ArrayList<>(CSV_HEADER);
        if (latency) head.addAll(LatencyReport.CSV_COLUMNS);
        if (capacity) head.addAll(CAPACITY_COLUMNS);
        StringBuilder b = new StringBuilder(Csv.row(head));
        for (PointResult r : rs) {
            if (LatencyPoints.isLatency(r)) {
                for (List<Object> row : LatencyReport.csvRows(rs, r)) {
                    if (capacity) row.addAll(LatencyReport.noCells(CAPACITY_COLUMNS.size()));
                    b.append(Csv.row(row));
                }
                continue;
            }
            Point p = r.point();
            Summary rx = r.rxMpps();
            List<Object> row = new ArrayList<>(List.of(p.config().reflector().id(), p.config().generator().id(), p.config().queues(), p.size(),
                    r.runs().size(), num(rx.median()), num(rx.min()), num(rx.max()), num(rx.mean()), num(r.txMpps().median()),
                    num(r.rxMbps().median()), num(r.txMbps().median()), num(r.rxMbps().best()), num(r.loss().median()),
                    num(r.latP50Ns().median()), num(r.latP99Ns().median()), p.config().topology().id(), p.config().switchName(),
                    p.config().flows()));
            if (latency) row.addAll(LatencyReport.noCells(LatencyReport.CSV_COLUMNS.size()));
            if (capacity) row.addAll(capacityCells(r));
            b.append(Csv.row(row));
        }
        return b.toString();
    }

    /** One row per process start, in the order they ran. */
    public static String runsCsv(List<PointResult> rs) {
        boolean latency = rs.stream().anyMatch(LatencyPoints::isLatency);
        boolean capacity = hasSwitches(rs);
        List<Object> head = new ArrayList<>(List.of("reflector", "generator", "queues", "size", "start", "tx_pps", "rx_pps",
                "loss_ratio", "latency_p50_ns", "latency_p99_ns", "seconds", "topology", "switch", "flows"));
        if (latency) head.addAll(LatencyReport.RUNS_CSV_COLUMNS);
        if (capacity) head.addAll(RUNS_CAPACITY_COLUMNS);
        boolean steal = rs.stream().anyMatch(r -> r.runs().stream().anyMatch(m -> m.steal() != null));
        if (steal) head.add("steal_ms");
        StringBuilder b = new StringBuilder(Csv.row(head));
        for (PointResult r : rs) {
            Point p = r.point();
            for (int i = 0; i < r.runs().size(); i++) {
                Measurement m = r.runs().get(i);
                List<Object> label = List.of(p.config().reflector().id(), p.config().generator().id(), p.config().queues(), p.size(), i + 1);
                if (!m.shares().isEmpty()) {
                    for (List<Object> cells : LatencyReport.runRows(p, m)) {
                        List<Object> row = new ArrayList<>(label);
                        row.addAll(cells);
                        if (capacity) row.addAll(capacityCells(m));
                        if (steal) row.add(m.steal() == null ? "" : m.steal().totalMs());
                        b.append(Csv.row(row));
                    }
                    continue;
                }
                List<Object> row = new ArrayList<>(label);
                row.addAll(List.of(num(m.txPps()), num(m.rxPps()), num(m.lossRatio()), num(m.latP50Ns()), num(m.latP99Ns()), num(m.seconds()),
                        p.config().topology().id(), p.config().switchName(), p.config().flows()));
                if (latency) row.addAll(LatencyReport.noCells(LatencyReport.RUNS_CSV_COLUMNS.size()));
                if (capacity) row.addAll(capacityCells(m));
                if (steal) row.add(m.steal() == null ? "" : m.steal().totalMs());
                b.append(Csv.row(row));
            }
        }
        return b.toString();
    }

    /** A CSV number: empty for NaN, otherwise up to 6 decimals without trailing zeros. */
    static String num(double v) {
        if (Double.isNaN(v)) return "";
        String s = String.format(Locale.ROOT, "%.6f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** results.json: environment, settings, and per point the statistics and every start (null where not measured). */
    public static String json(Map<String, String> env, Map<String, Object> settings, List<PointResult> rs) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        ObjectNode e = doc.putObject("environment");
        env.forEach(e::put);
        ObjectNode st = doc.putObject("settings");
        for (Map.Entry<String, Object> en : settings.entrySet()) {
            String k = en.getKey();
            Object v = en.getValue();
            if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) st.put(k, n.longValue());
            else if (v instanceof Number n) st.put(k, n.doubleValue());
            else if (v instanceof Boolean bo) st.put(k, bo);
            else if (v instanceof List<?> l) {
                ArrayNode a = st.putArray(k);
                for (Object o : l) {
                    if (o instanceof Double || o instanceof Float) a.add(((Number) o).doubleValue());
                    else if (o instanceof Number n) a.add(n.longValue());
                    else a.add(String.valueOf(o));
                }
            } else st.put(k, String.valueOf(v));
        }
        doc.put("units", "pps are packets per second; mbps are L2 megabits per second counting the 4-byte FCS, not preamble/IFG; the "
                + "switches' busy_cycles_per_frame are TSC cycles of their poll thread's polls that returned frames per frame received over "
                + "the window (pmd-stats), busy_pct those cycles' share of all its polling cycles, capacity_mpps = tsc_hz / "
                + "busy_cycles_per_frame / 1e6; a run's steal_ms is the hypervisor's steal time per CPU over the whole start (/proc/stat, "
                + "10 ms ticks)");
        ArrayNode points = doc.putArray("points");
        for (PointResult r : rs) {
            Point p = r.point();
            ObjectNode o = points.addObject();
            o.put("reflector", p.config().reflector().id()).put("generator", p.config().generator().id())
                    .put("queues", p.config().queues()).put("size", p.size()).put("topology", p.config().topology().id())
                    .put("switch", p.config().switchName()).put("flows", p.config().flows())
                    .put("starts", r.runs().size());
            summary(o, "rx_mpps", r.rxMpps());
            summary(o, "tx_mpps", r.txMpps());
            summary(o, "rx_mbps", r.rxMbps());
            summary(o, "tx_mbps", r.txMbps());
            summary(o, "loss_ratio", r.loss());
            summary(o, "latency_p50_ns", r.latP50Ns());
            summary(o, "latency_p99_ns", r.latP99Ns());
            if (p.config().reflector().isSwitch()) {
                summary(o, "busy_cycles_per_frame", r.cyclesPerFrame());
                summary(o, "busy_pct", r.busyPct());
                summary(o, "capacity_mpps", r.capacityMpps());
            }
            ArrayNode runs = o.putArray("runs");
            for (Measurement m : r.runs()) {
                ObjectNode run = runs.addObject().put("tx_pps", m.txPps()).put("rx_pps", m.rxPps())
                        .put("loss_ratio", m.lossRatio()).put("latency_p50_ns", m.latP50Ns())
                        .put("latency_p99_ns", m.latP99Ns());
                ArrayNode per = run.putArray("rx_pps_per_second");
                for (double d : m.rxPerSecond()) per.add(d);
                if (!Double.isNaN(m.rateSpread()))
                    run.put("rx_pps_spread", Double.isInfinite(m.rateSpread()) ? null : m.rateSpread()).put("unsteady", m.unsteady());
                run.put("seconds", m.seconds());
                if (m.cycles() != null) {
                    PmdCycles c = m.cycles();
                    run.putObject("pmd").put("busy_cycles", c.busy()).put("idle_cycles", c.idle()).put("frames", c.frames())
                            .put("tsc_hz", c.tscHz()).put("busy_cycles_per_frame", c.cyclesPerFrame()).put("busy_pct", c.busyPct())
                            .put("capacity_mpps", c.capacityMpps());
                }
                if (m.steal() != null) {
                    ObjectNode stolen = run.putObject("steal_ms");
                    long[] ms = m.steal().ms();
                    for (int c = 0; c < ms.length; c++) stolen.put("cpu" + c, ms[c]);
                }
                LatencyReport.json(run, m);
            }
            LatencyReport.json(o, rs, r);
        }
        try {
            return Json.PRETTY.writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);      // a tree of strings and numbers always serialises
        }
    }

    /** A {@link Summary} as a JSON object {n, median, min, max, mean} under {@code name}. */
    static void summary(ObjectNode o, String name, Summary s) {
        o.putObject(name).put("n", s.n()).put("median", s.median()).put("min", s.min()).put("max", s.max())
                .put("mean", s.mean());
    }
}
