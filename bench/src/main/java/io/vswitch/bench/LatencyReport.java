package io.vswitch.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.LatencyPoints.ShareRun;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import io.vswitch.bench.Results.PointResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * How sweep --rate presents its latency points: the table (size x reflector x share: offered
 * Mpps, p50/p99/p99.9, loss, our p99.9 over testpmd's at the same share), issue 14's verdict at
 * 50 % of NDR, the extra CSV columns and rows, the JSON section and the plot.
 *
 * <p>Every figure is the median over the point's starts of what each start measured (each
 * start at its own NDR: {@link LatencyPoints}); the ratio is of those medians.
 */
public final class LatencyReport {
    private LatencyReport() {}

    /** The share's statistics over a point's starts. */
    record At(double share, Summary ratePps, Summary txMpps, Summary rxMpps, Summary loss, Summary p50Ns, Summary p99Ns, Summary p999Ns,
            Summary samples) {
        static At of(PointResult r, double share) {
            List<ShareRun> runs = LatencyPoints.runsAt(r, share);
            return new At(share, s(runs, ShareRun::ratePps), s(runs, ShareRun::txPps).scaled(1e-6), s(runs, ShareRun::rxPps).scaled(1e-6),
                    s(runs, ShareRun::lossRatio), s(runs, ShareRun::p50Ns), s(runs, ShareRun::p99Ns), s(runs, ShareRun::p999Ns),
                    s(runs, x -> x.latSamples()));
        }

        private static Summary s(List<ShareRun> runs, ToDoubleFunction<ShareRun> f) {
            return Summary.of(runs.stream().mapToDouble(f).toArray());
        }
    }

    /**
     * The peer {@code ours} is judged against: for our switch Open vSwitch (NORMAL), for a
     * reflector of ours testpmd in the same mode; null when {@code ours} is not ours.
     */
    static Reflector peerOf(Reflector ours) {
        if (ours.equals(Reflector.SWITCH)) return Reflector.OVS;
        return ours.kind() == ReflectorKind.VSWITCH ? new Reflector(ReflectorKind.TESTPMD, ours.mode()) : null;
    }

    /** The peer's name in tables: {@code OVS} or {@code testpmd}. */
    static String peerName(Reflector peer) {
        return peer.kind() == ReflectorKind.OVS ? "OVS" : "testpmd";
    }

    /** The peer's point: the same generator, queues and flows. */
    static PointResult peerResult(List<PointResult> rs, Point ours, Reflector peer) {
        Config c = ours.config();
        return Results.find(rs, new Config(peer, c.generator(), c.queues(), c.flows()), ours.size());
    }

    /** Our p99.9 over the peer's ({@link #peerOf}: same mode or OVS; same queues, flows, size, share), medians; NaN where either is missing. */
    static double p999Ratio(List<PointResult> rs, Point ours, double share) {
        Reflector peer = peerOf(ours.config().reflector());
        if (peer == null) return Double.NaN;
        PointResult a = Results.find(rs, ours.config(), ours.size());
        PointResult b = peerResult(rs, ours, peer);
        if (a == null || b == null) return Double.NaN;
        return At.of(a, share).p999Ns().median() / At.of(b, share).p999Ns().median();
    }

    /** The latency points among {@code all}. */
    static List<PointResult> latencyPoints(List<PointResult> all) {
        return all.stream().filter(LatencyPoints::isLatency).toList();
    }

    /** The sweep's report: the NDR table, the latency table and the verdict ("" without latency points). */
    public static String report(List<PointResult> all) {
        List<PointResult> rs = latencyPoints(all);
        if (rs.isEmpty()) return all.stream().allMatch(r -> r.runs().isEmpty()) ? "(nothing was measured)\n" : "";
        int maxN = rs.stream().mapToInt(r -> r.runs().size()).max().orElse(0);
        TextTable t = new TextTable(4, List.of("size", "reflector", "queues", "share", "NDR Mpps", "offered Mpps", "p50 us", "p99 us",
                "p99.9 us", "loss %", "p99.9 / peer"));
        TreeSet<Integer> sizes = new TreeSet<>();
        for (PointResult r : rs) sizes.add(r.point().size());
        int behind = 0;
        for (int size : sizes)
            for (PointResult r : rs) {
                if (r.point().size() != size) continue;
                Summary ndr = r.rxMpps();
                for (double share : LatencyPoints.shares(r)) {
                    At a = At.of(r, share);
                    boolean slow = fellBehind(r, share);
                    if (slow) behind++;
                    Config c = r.point().config();
                    t.row(List.of(size + " B", c.reflector().label() + (c.flows() > 1 ? ", " + c.flows() + " flows" : ""),
                            Integer.toString(c.queues()) + (c.topology() == Peers.Topology.PORT_PAIR ? " x 2 ports" : ""),
                            LatencyPoints.pct(share), Results.fmt(ndr.median(), 3) + " (" + Results.fmt(ndr.best(), 3) + ")",
                            Results.fmt(a.txMpps().median(), 3) + (slow ? " *" : ""), us(a.p50Ns().median()), us(a.p99Ns().median()), us(a.p999Ns().median()),
                            Results.fmt(a.loss().median() * 100, 4), Results.fmt(p999Ratio(rs, r.point(), share), 3)));
                }
            }
        String note = behind == 0 ? "" : "* the generator offered less than " + Math.round(BEHIND * 100) + "% of the rate asked (share x NDR) "
                + "in some start: it fell behind (a busy generator CPU?), so that row's load is lower than its share says\n";
        return "Latency at a fixed load (vswitch-gen, each start at a share of its own NDR): median of up to " + maxN
                + " start(s); NDR median (best); peer: testpmd in the same mode for a reflector, OVS for our switch\n" + t + note + verdict(rs) + "\n"
                + Results.stealNote(rs);
    }

    /** A run offered less than this share of the rate it was given: the generator could not keep the pace. */
    static final double BEHIND = 0.95;

    /** Whether in any start the generator offered less than {@link #BEHIND} of the rate asked at {@code share}. */
    static boolean fellBehind(PointResult r, double share) {
        return LatencyPoints.runsAt(r, share).stream().anyMatch(x -> x.txPps() < BEHIND * x.ratePps());
    }

    private static String us(double ns) {
        return Results.fmt(ns / 1e3, 2);
    }

    /** Issue 14's verdict: per size, mode and queues, our p99.9 at 50 % of NDR over testpmd's, against {@value LatencyPoints#TARGET_RATIO}. */
    static String verdict(List<PointResult> rs) {
        StringBuilder b = new StringBuilder();
        boolean any = false;
        for (PointResult r : rs) {
            Reflector peer = peerOf(r.point().config().reflector());
            if (peer == null) continue;
            PointResult theirs = peerResult(rs, r.point(), peer);
            if (theirs == null || theirs.runs().isEmpty() || r.runs().isEmpty()) continue;
            any = true;
            if (!LatencyPoints.shares(r).contains(LatencyPoints.TARGET_SHARE) || !LatencyPoints.shares(theirs).contains(LatencyPoints.TARGET_SHARE))
                continue;
            At o = At.of(r, LatencyPoints.TARGET_SHARE), p = At.of(theirs, LatencyPoints.TARGET_SHARE);
            double x = o.p999Ns().median() / p.p999Ns().median();
            Config c = r.point().config();
            b.append(String.format(Locale.ROOT, "%d B, %s, %dq%s: p99.9 at 50%% of NDR %s us (ours) vs %s us (%s): %s, target <= %.1f %s"
                    + " (%d/%d start(s))%n", r.point().size(), c.reflector().mode(), c.queues(), c.flows() > 1 ? ", " + c.flows() + " flows" : "",
                    us(o.p999Ns().median()), us(p.p999Ns().median()), peerName(peer), Results.fmt(x, 3), LatencyPoints.TARGET_RATIO,
                    Double.isNaN(x) ? "not judged" : x <= LatencyPoints.TARGET_RATIO ? "met" : "NOT met", o.p999Ns().n(), p.p999Ns().n()));
        }
        if (any && b.isEmpty()) return "issue 14's target (our p99.9 <= " + LatencyPoints.TARGET_RATIO + " x the peer's) is judged at 50% of NDR: "
                + "add 0.5 to --rate\n";
        return b.toString();
    }

    /** results.csv's columns after {@link Results#CSV_HEADER} when the sweep has latency points. */
    static final List<String> CSV_COLUMNS = List.of("rate_share", "ndr_mpps_median", "rate_pps_median", "latency_samples_median",
            "latency_p999_ns_median", "latency_p999_ns_max", "latency_p999_vs_peer");

    /** runs.csv's columns after its own when the sweep has latency points. */
    static final List<String> RUNS_CSV_COLUMNS = List.of("rate_share", "ndr_pps", "rate_pps", "latency_samples", "latency_p999_ns");

    /** The empty cells a throughput point gets in {@link #CSV_COLUMNS}. */
    static List<Object> noCells(int n) {
        List<Object> c = new ArrayList<>();
        for (int i = 0; i < n; i++) c.add("");
        return c;
    }

    /**
     * A latency point's results.csv rows (the label columns as for any point): first the NDR
     * ({@code rate_share} = {@code ndr}; rates, loss and latency of the NDR trials), then one row
     * per share: rx/tx/loss/latency at that share, medians over starts.
     */
    static List<List<Object>> csvRows(List<PointResult> rs, PointResult r) {
        Point p = r.point();
        List<List<Object>> out = new ArrayList<>();
        List<Object> ndrRow = label(r);
        Summary rx = r.rxMpps();
        ndrRow.addAll(List.of(Results.num(rx.median()), Results.num(rx.min()), Results.num(rx.max()), Results.num(rx.mean()), Results.num(r.txMpps().median()), Results.num(r.rxMbps().median()),
                Results.num(r.txMbps().median()), Results.num(r.rxMbps().best()), Results.num(r.loss().median()), Results.num(r.latP50Ns().median()), Results.num(r.latP99Ns().median()),
                p.config().topology().id(), p.config().switchName(), p.config().flows(), "ndr", Results.num(rx.median()), "", "", "", "", ""));
        out.add(ndrRow);
        for (double share : LatencyPoints.shares(r)) {
            At a = At.of(r, share);
            List<Object> row = label(r);
            row.addAll(List.of(Results.num(a.rxMpps().median()), Results.num(a.rxMpps().min()), Results.num(a.rxMpps().max()), Results.num(a.rxMpps().mean()),
                    Results.num(a.txMpps().median()), Results.num(Results.mbps(a.rxMpps().median() * 1e6, p.size())),
                    Results.num(Results.mbps(a.txMpps().median() * 1e6, p.size())), Results.num(Results.mbps(a.rxMpps().best() * 1e6, p.size())),
                    Results.num(a.loss().median()), Results.num(a.p50Ns().median()), Results.num(a.p99Ns().median()), p.config().topology().id(), p.config().switchName(), p.config().flows(), Results.num(share),
                    Results.num(rx.median()), Results.num(a.ratePps().median()), Results.num(a.samples().median()), Results.num(a.p999Ns().median()), Results.num(a.p999Ns().max()),
                    Results.num(p999Ratio(rs, p, share))));
            out.add(row);
        }
        return out;
    }

    private static List<Object> label(PointResult r) {
        Point p = r.point();
        return new ArrayList<>(List.of(p.config().reflector().id(), p.config().generator().id(), p.config().queues(), p.size(), r.runs().size()));
    }

    /** A latency start's runs.csv rows after the label columns (reflector .. start): the NDR trial, then each share. */
    static List<List<Object>> runRows(Point p, Measurement m) {
        List<List<Object>> out = new ArrayList<>();
        out.add(new ArrayList<>(List.of(Results.num(m.txPps()), Results.num(m.rxPps()), Results.num(m.lossRatio()), Results.num(m.latP50Ns()), Results.num(m.latP99Ns()),
                Results.num(m.seconds()), p.config().topology().id(), p.config().switchName(), p.config().flows(), "ndr", Results.num(m.rxPps()), "", "", "")));
        for (ShareRun x : m.shares())
            out.add(new ArrayList<>(List.of(Results.num(x.txPps()), Results.num(x.rxPps()), Results.num(x.lossRatio()), Results.num(x.p50Ns()), Results.num(x.p99Ns()), "",
                    p.config().topology().id(), p.config().switchName(), p.config().flows(), Results.num(x.share()), Results.num(m.rxPps()), Results.num(x.ratePps()), x.latSamples(), Results.num(x.p999Ns()))));
        return out;
    }


    /** results.json: a latency point's {@code latency} array (per share: statistics over starts and the ratio to testpmd). */
    static void json(ObjectNode point, List<PointResult> rs, PointResult r) {
        if (!LatencyPoints.isLatency(r)) return;
        point.put("ndr_note", "rx_* are the NDR of each start (vswitch-gen --ndr); tx, loss and latency_* those of its NDR trial");
        ArrayNode a = point.putArray("latency");
        for (double share : LatencyPoints.shares(r)) {
            At x = At.of(r, share);
            ObjectNode o = a.addObject().put("rate_share", share);
            Results.summary(o, "rate_pps", x.ratePps());
            Results.summary(o, "tx_mpps", x.txMpps());
            Results.summary(o, "rx_mpps", x.rxMpps());
            Results.summary(o, "loss_ratio", x.loss());
            Results.summary(o, "latency_samples", x.samples());
            Results.summary(o, "latency_p50_ns", x.p50Ns());
            Results.summary(o, "latency_p99_ns", x.p99Ns());
            Results.summary(o, "latency_p999_ns", x.p999Ns());
            o.put("latency_p999_vs_peer", p999Ratio(rs, r.point(), share));
            Reflector peer = peerOf(r.point().config().reflector());
            if (peer != null) o.put("latency_peer", peer.id());
        }
    }

    /** results.json: a start's {@code shares}, as measured. */
    static void json(ObjectNode run, Measurement m) {
        if (m.shares().isEmpty()) return;
        ArrayNode a = run.putArray("shares");
        for (ShareRun x : m.shares())
            a.addObject().put("rate_share", x.share()).put("rate_pps", x.ratePps()).put("tx_pps", x.txPps()).put("rx_pps", x.rxPps())
                    .put("loss_ratio", x.lossRatio()).put("latency_samples", x.latSamples()).put("latency_p50_ns", x.p50Ns())
                    .put("latency_p99_ns", x.p99Ns()).put("latency_p999_ns", x.p999Ns()).put("latency_max_ns", x.maxNs());
    }

    /** The plot's series: per point (configuration and size), (share in %, median p99.9 in us). */
    static Map<String, double[][]> series(List<PointResult> all) {
        Map<String, double[][]> out = new LinkedHashMap<>();
        for (PointResult r : latencyPoints(all)) {
            List<Double> shares = LatencyPoints.shares(r);
            double[] x = new double[shares.size()], y = new double[shares.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = shares.get(i) * 100;
                y[i] = At.of(r, shares.get(i)).p999Ns().median() / 1e3;
            }
            out.put(r.point().toString(), new double[][] {x, y});
        }
        return out;
    }

    /** Writes {@code dir/latency-p999.png}: p99.9 vs share of NDR, one line per reflector x queues x size; null without latency points. */
    static Path plot(Path dir, String subtitle, List<PointResult> all) throws IOException {
        Map<String, double[][]> series = series(all);
        if (series.isEmpty()) return null;
        System.setProperty("java.awt.headless", "true");
        Path file = dir.resolve("latency-p999.png");
        XYChart c = new XYChartBuilder().width(1000).height(620)
                .title("Latency p99.9 vs load, median of starts" + (subtitle.isEmpty() ? "" : " - " + subtitle))
                .xAxisTitle("offered load, % of the start's NDR").yAxisTitle("p99.9 latency, us").build();
        var st = c.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(series.size() > 3 ? Styler.LegendLayout.Vertical : Styler.LegendLayout.Horizontal);
        st.setChartBackgroundColor(java.awt.Color.WHITE);
        st.setPlotGridLinesVisible(true);
        st.setMarkerSize(7);
        st.setXAxisMin(0.0);
        st.setXAxisMax(100.0);
        st.setYAxisMin(0.0);
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] v = e.getValue();
            // a share with no latency (NaN) would break the axis: leave such points out
            List<double[]> keep = new ArrayList<>();
            for (int i = 0; i < v[0].length; i++) if (!Double.isNaN(v[1][i])) keep.add(new double[] {v[0][i], v[1][i]});
            if (keep.isEmpty()) continue;
            c.addSeries(e.getKey(), keep.stream().mapToDouble(k -> k[0]).toArray(), keep.stream().mapToDouble(k -> k[1]).toArray())
                    .setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) c.addSeries("no data", new double[] {50}, new double[] {0});
        BitmapEncoder.saveBitmap(c, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
