package io.vswitch.gen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Renders a {@link Report} as a human table, as JSON, and as CSV rows for sweeps.
 *
 * <p>Units: Mpps = 10<sup>6</sup> frames/s; "L2 Gbps" counts frame bytes including FCS;
 * "line Gbps" adds 20 B per frame for preamble, SFD and inter-frame gap (what a physical port of
 * that speed would carry); latency in ns (the table shows µs).
 *
 * <p>JSON top level: {@code info}, {@code duration_s}, {@code tx_packets}, {@code rx_packets},
 * {@code tx_pps}, {@code rx_pps}, {@code tx_mpps}, {@code rx_mpps}, {@code tx_gbps_l2},
 * {@code rx_gbps_l2}, {@code tx_gbps_line}, {@code rx_gbps_line}, {@code lost_packets},
 * {@code loss_ratio}, {@code duplicates}, {@code reordered}, {@code foreign},
 * {@code other_stream}, {@code latency_ns} {samples, min, p50, p90, p99, p999, max, mean} and
 * {@code queues}: an array of objects with the same metrics plus {@code queue}. Unknown values
 * (no latency samples, nothing sent) are {@code null}.
 */
public final class ReportWriter {
    private ReportWriter() {}

    /** Pretty-printed JSON document of {@code r}. */
    public static String json(Report r) {
        return json(r, null);
    }

    /** Pretty-printed JSON document of {@code r} with the zero-loss search result as {@code "ndr"} (omitted if null). */
    public static String json(Report r, NdrSearch.Result ndr) {
        try {
            return Json.PRETTY.writeValueAsString(toJson(r, ndr, null)) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);       // a tree of strings and numbers always serialises
        }
    }

    /**
     * {@code r} (and {@code ndr} unless null) as one JSON object, so callers can embed it, with
     * {@code extra} (unless null) adding top-level fields after {@code info} (the generator adds
     * its run diagnostics there).
     */
    public static ObjectNode toJson(Report r, NdrSearch.Result ndr, Consumer<ObjectNode> extra) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        if (ndr != null) o.set("ndr", ndr.toJson());
        ObjectNode info = o.putObject("info");
        for (Map.Entry<String, String> e : r.info().entrySet()) info.put(e.getKey(), e.getValue());
        if (extra != null) extra.accept(o);
        metrics(o, r.total());
        ArrayNode queues = o.putArray("queues");
        for (QueueStats q : r.queues()) metrics(queues.addObject().put("queue", q.queue()), q);
        return o;
    }

    private static void metrics(ObjectNode o, QueueStats q) {
        o.put("duration_s", q.seconds())
         .put("tx_packets", q.txPackets()).put("rx_packets", q.rxPackets())
         .put("tx_bytes", q.txBytes()).put("rx_bytes", q.rxBytes())
         .put("tx_pps", q.txPps()).put("rx_pps", q.rxPps())
         .put("tx_mpps", q.txPps() / 1e6).put("rx_mpps", q.rxPps() / 1e6)
         .put("tx_gbps_l2", q.txL2Bps() / 1e9).put("rx_gbps_l2", q.rxL2Bps() / 1e9)
         .put("tx_gbps_line", q.txLineBps() / 1e9).put("rx_gbps_line", q.rxLineBps() / 1e9)
         .put("lost_packets", q.lostPackets()).put("loss_ratio", q.lossRatio())
         .put("duplicates", q.duplicates()).put("reordered", q.reordered())
         .put("foreign", q.foreign()).put("other_stream", q.otherStream());
        LatencySummary l = q.latency();
        ObjectNode lat = o.putObject("latency_ns").put("samples", l.samples());
        String[] names = {"min", "p50", "p90", "p99", "p999", "max"};
        long[] vals = {l.min(), l.p50(), l.p90(), l.p99(), l.p999(), l.max()};
        for (int i = 0; i < names.length; i++) {
            if (l.present()) lat.put(names[i], vals[i]);
            else lat.putNull(names[i]);
        }
        lat.put("mean", l.present() ? l.mean() : Double.NaN);
    }

    /** Human-readable tables (throughput, then latency), one row per queue and a total row. */
    public static String table(Report r) {
        StringBuilder b = new StringBuilder();
        String row = r.info().containsKey("streams") ? "stream" : "queue";   // a port pair: a row per direction and queue
        if (!r.info().isEmpty()) {
            List<String> kv = new ArrayList<>();
            r.info().forEach((k, v) -> kv.add(k + "=" + v));
            b.append(String.join("  ", kv)).append('\n');
        }
        b.append(String.format(Locale.ROOT, "measured %.3f s; L2 Gbps counts frames incl. FCS, line Gbps adds 20 B/frame preamble+IFG%n",
                r.total().seconds()));
        b.append(String.format(Locale.ROOT, "%-6s %14s %14s %9s %9s %9s %9s %9s %9s %10s %8s %8s %8s%n",
                row, "tx pkts", "rx pkts", "tx Mpps", "rx Mpps", "tx Gb L2", "rx Gb L2", "tx Gb ln", "rx Gb ln",
                "loss %", "dup", "reord", "foreign"));
        for (QueueStats q : r.queues()) throughputRow(b, Integer.toString(q.queue()), q);
        throughputRow(b, "total", r.total());
        b.append('\n');
        b.append(String.format(Locale.ROOT, "%-6s %12s %10s %10s %10s %10s %10s %10s   (latency, us)%n",
                row, "samples", "min", "p50", "p90", "p99", "p99.9", "max"));
        for (QueueStats q : r.queues()) latencyRow(b, Integer.toString(q.queue()), q.latency());
        latencyRow(b, "total", r.total().latency());
        return b.toString();
    }

    private static void throughputRow(StringBuilder b, String label, QueueStats q) {
        double loss = q.lossRatio();
        b.append(String.format(Locale.ROOT, "%-6s %14d %14d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %10s %8d %8d %8d%n",
                label, q.txPackets(), q.rxPackets(), q.txPps() / 1e6, q.rxPps() / 1e6, q.txL2Bps() / 1e9,
                q.rxL2Bps() / 1e9, q.txLineBps() / 1e9, q.rxLineBps() / 1e9,
                Double.isNaN(loss) ? "-" : String.format(Locale.ROOT, "%.4f", loss * 100),
                q.duplicates(), q.reordered(), q.foreign()));
    }

    private static void latencyRow(StringBuilder b, String label, LatencySummary l) {
        if (!l.present()) {
            b.append(String.format(Locale.ROOT, "%-6s %12d %10s %10s %10s %10s %10s %10s%n", label, 0, "-", "-", "-", "-", "-", "-"));
            return;
        }
        b.append(String.format(Locale.ROOT, "%-6s %12d %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f%n", label, l.samples(),
                l.min() / 1e3, l.p50() / 1e3, l.p90() / 1e3, l.p99() / 1e3, l.p999() / 1e3, l.max() / 1e3));
    }

    /** Metric columns of {@link #csvRow}, after the caller's label columns. */
    public static final List<String> CSV_METRICS = List.of("duration_s", "tx_packets", "rx_packets", "tx_mpps", "rx_mpps",
            "tx_gbps_l2", "rx_gbps_l2", "tx_gbps_line", "rx_gbps_line", "loss_ratio", "duplicates", "reordered", "foreign",
            "lat_samples", "lat_min_ns", "lat_p50_ns", "lat_p90_ns", "lat_p99_ns", "lat_p999_ns", "lat_max_ns");

    /** CSV header line: {@code labels} (e.g. reflector, queues, size, run) then {@link #CSV_METRICS}. */
    public static String csvHeader(List<String> labels) {
        List<Object> h = new ArrayList<>(labels);
        h.addAll(CSV_METRICS);
        return Csv.row(h);
    }

    /** CSV line for the total of {@code r}, after the label values (same count as the header's labels). */
    public static String csvRow(List<?> labelValues, Report r) {
        QueueStats q = r.total();
        LatencySummary l = q.latency();
        List<Object> row = new ArrayList<>(labelValues);
        row.addAll(List.of(q.seconds(), q.txPackets(), q.rxPackets(), q.txPps() / 1e6, q.rxPps() / 1e6,
                q.txL2Bps() / 1e9, q.rxL2Bps() / 1e9, q.txLineBps() / 1e9, q.rxLineBps() / 1e9, q.lossRatio(),
                q.duplicates(), q.reordered(), q.foreign(), l.samples()));
        if (l.present()) row.addAll(List.of(l.min(), l.p50(), l.p90(), l.p99(), l.p999(), l.max()));
        else for (int i = 0; i < 6; i++) row.add("");
        return Csv.row(row);
    }
}
