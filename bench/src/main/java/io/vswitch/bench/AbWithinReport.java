package io.vswitch.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The arithmetic and the outputs of {@code vswitch-bench ab-within}: bin/vswitch's {@code --ab}
 * stats lines attributed to variants and rounds, per start each variant's median Mpps and the
 * paired ratio (median over rounds of B/A within the start), and across starts the median, min
 * and max of those ratios and each variant's median and best of its per-start medians.
 *
 * <p>A round is one period of each variant in turn; the rate of a variant in a round is what
 * bin/vswitch transmitted (reflected) per second in that period: its lines' {@code tx_pps}
 * weighted by {@code interval_s}. Rounds before the first with traffic, the first
 * {@code warmupRounds} with traffic (JIT compiling each variant's path, the generator ramping
 * up) and any round not complete for every variant are left out.
 */
public final class AbWithinReport {
    private AbWithinReport() {}

    /** One stats line of bin/vswitch --ab. */
    public record Interval(String variant, long round, double seconds, double txPps, double rxPps) {}

    /** One counted round: each variant's reflected Mpps, in the schedule's order. */
    public record Round(long round, Map<String, Double> mpps) {
        /** B / A of this round. */
        public double ratio(String b, String a) {
            return mpps.get(b) / mpps.get(a);
        }
    }

    /** One process start: its counted rounds. The first variant is the reference A of every ratio. */
    public record Start(int size, int start, List<String> variants, List<Round> rounds) {
        /** The variant's median Mpps over the rounds. */
        public double median(String v) {
            return Summary.of(rounds.stream().mapToDouble(r -> r.mpps().get(v)).toArray()).median();
        }

        /** The paired ratio: the median over rounds of v / the first variant, both measured in the same round. */
        public double pairedRatio(String v) {
            return Summary.of(rounds.stream().mapToDouble(r -> r.ratio(v, variants.get(0))).toArray()).median();
        }
    }

    /** The stats lines ({@code type} "stats" with a {@code variant}) of a --stats-json file's lines. */
    public static List<Interval> intervals(List<String> lines) {
        List<Interval> out = new ArrayList<>();
        for (JsonNode o : statsLines(lines)) {
            if (!o.path("variant").isTextual()) continue;
            out.add(new Interval(o.get("variant").textValue(), o.path("ab_round").asLong(), o.path("interval_s").asDouble(),
                    o.path("tx_pps").asDouble(), o.path("rx_pps").asDouble()));
        }
        return out;
    }

    /**
     * The stats lines ({@code "type":"stats"}) of bin/vswitch's --stats-json lines, parsed;
     * blank lines skipped. IllegalArgumentException naming the first line that is not JSON.
     */
    static List<JsonNode> statsLines(List<String> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
            if (l.isBlank()) continue;
            JsonNode o;
            try {
                o = Json.MAPPER.readTree(l);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("cannot read bin/vswitch's stats line '" + l + "': " + e.getOriginalMessage());
            }
            if ("stats".equals(o.path("type").textValue())) out.add(o);
        }
        return out;
    }

    /** The round of the first line that carried traffic, or -1. */
    public static long firstBusyRound(List<Interval> xs) {
        for (Interval x : xs) if (x.rxPps() > 0) return x.round();
        return -1;
    }

    /**
     * The counted rounds: from {@code warmupRounds} after the first round with traffic on, complete
     * ones only (every variant has lines in it), at most {@code max} of them.
     */
    public static List<Round> rounds(List<Interval> xs, List<String> variants, int warmupRounds, int max) {
        long first = firstBusyRound(xs);
        List<Round> out = new ArrayList<>();
        if (first < 0) return out;
        TreeSet<Long> ids = new TreeSet<>();
        for (Interval x : xs) if (x.round() >= first + warmupRounds) ids.add(x.round());
        for (long r : ids) {
            if (out.size() == max) break;
            Map<String, Double> mpps = new LinkedHashMap<>();
            boolean complete = true;
            for (String v : variants) {
                double t = 0, pkts = 0;
                for (Interval x : xs) {
                    if (x.round() == r && x.variant().equals(v)) {
                        t += x.seconds();
                        pkts += x.txPps() * x.seconds();
                    }
                }
                if (!(t > 0)) {
                    complete = false;
                    break;
                }
                mpps.put(v, pkts / t / 1e6);
            }
            if (complete) out.add(new Round(r, mpps));
        }
        return out;
    }

    /** Across the starts of one size: per variant the per-start medians, per other variant the per-start paired ratios. */
    public record SizeSummary(int size, List<String> variants, Map<String, Summary> mpps, Map<String, Summary> ratios, int starts) {}

    /** One summary per size, in the order the sizes first appear. */
    public static List<SizeSummary> summarise(List<Start> starts) {
        List<Integer> sizes = new ArrayList<>();
        for (Start s : starts) if (!sizes.contains(s.size())) sizes.add(s.size());
        List<SizeSummary> out = new ArrayList<>();
        for (int size : sizes) {
            List<Start> ss = starts.stream().filter(s -> s.size() == size && !s.rounds().isEmpty()).toList();
            if (ss.isEmpty()) continue;
            List<String> vs = ss.get(0).variants();
            Map<String, Summary> mpps = new LinkedHashMap<>();
            Map<String, Summary> ratios = new LinkedHashMap<>();
            for (String v : vs) {
                mpps.put(v, Summary.of(ss.stream().mapToDouble(s -> s.median(v)).toArray()));
                if (!v.equals(vs.get(0))) ratios.put(v, Summary.of(ss.stream().mapToDouble(s -> s.pairedRatio(v)).toArray()));
            }
            out.add(new SizeSummary(size, vs, mpps, ratios, ss.size()));
        }
        return out;
    }

    /** The per-start table: each variant's median Mpps over the rounds and each paired ratio. */
    public static String startTable(List<Start> starts) {
        if (starts.isEmpty()) return "";
        List<String> vs = starts.get(0).variants();
        List<String> head = new ArrayList<>(List.of("size", "start", "rounds"));
        for (String v : vs) head.add(v + " Mpps");
        for (String v : vs.subList(1, vs.size())) head.add(v + "/" + vs.get(0));
        TextTable t = new TextTable(2, head);
        for (Start s : starts) {
            List<String> row = new ArrayList<>(List.of(s.size() + " B", Integer.toString(s.start()), Integer.toString(s.rounds().size())));
            for (String v : vs) row.add(Results.fmt(s.rounds().isEmpty() ? Double.NaN : s.median(v), 3));
            for (String v : vs.subList(1, vs.size())) row.add(Results.fmt(s.rounds().isEmpty() ? Double.NaN : s.pairedRatio(v), 3));
            t.row(row);
        }
        return t.toString();
    }

    /** The across-starts table: per size and variant the median and best Mpps, and the paired ratio's median, min and max. */
    public static String summaryTable(List<SizeSummary> ss) {
        TextTable t = new TextTable(2, List.of("size", "variant", "starts", "median Mpps", "best Mpps", "ratio median", "ratio min",
                "ratio max"));
        for (SizeSummary s : ss) {
            for (String v : s.variants()) {
                Summary m = s.mpps().get(v);
                Summary r = s.ratios().get(v);
                t.row(List.of(s.size() + " B", v, Integer.toString(s.starts()), Results.fmt(m.median(), 3), Results.fmt(m.best(), 3),
                        r == null ? "(A)" : Results.fmt(r.median(), 3), r == null ? "" : Results.fmt(r.min(), 3),
                        r == null ? "" : Results.fmt(r.max(), 3)));
            }
        }
        return t.toString();
    }

    /** ab-within-rounds.csv: every counted round of every start, one row per variant. */
    public static String roundsCsv(List<Start> starts) {
        StringBuilder b = new StringBuilder("size,start,round,variant,mpps,ratio_to_first\n");
        for (Start s : starts)
            for (Round r : s.rounds())
                for (String v : s.variants())
                    b.append(s.size()).append(',').append(s.start()).append(',').append(r.round()).append(',').append(v).append(',')
                            .append(Results.num(r.mpps().get(v))).append(',').append(Results.num(r.ratio(v, s.variants().get(0))))
                            .append('\n');
        return b.toString();
    }

    /** ab-within.csv: per start and variant the median Mpps and the paired ratio to the first variant. */
    public static String startsCsv(List<Start> starts) {
        StringBuilder b = new StringBuilder("size,start,variant,rounds,mpps_median,paired_ratio_median\n");
        for (Start s : starts)
            for (String v : s.variants()) {
                boolean none = s.rounds().isEmpty();
                b.append(s.size()).append(',').append(s.start()).append(',').append(v).append(',').append(s.rounds().size()).append(',')
                        .append(Results.num(none ? Double.NaN : s.median(v))).append(',')
                        .append(Results.num(none ? Double.NaN : s.pairedRatio(v))).append('\n');
            }
        return b.toString();
    }

    /** ab-within.json: environment, settings, every start (rounds included) and the summary per size. */
    public static String json(Map<String, String> env, Map<String, Object> settings, List<Start> starts) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        ObjectNode e = doc.putObject("environment");
        env.forEach(e::put);
        doc.set("settings", Json.MAPPER.valueToTree(settings));
        ArrayNode sa = doc.putArray("starts");
        for (Start s : starts) {
            ObjectNode o = sa.addObject().put("size", s.size()).put("start", s.start());
            ObjectNode med = o.putObject("mpps_median");
            ObjectNode rat = o.putObject("paired_ratio_median");
            for (String v : s.variants()) {
                med.put(v, s.rounds().isEmpty() ? Double.NaN : s.median(v));
                if (!v.equals(s.variants().get(0))) rat.put(v, s.rounds().isEmpty() ? Double.NaN : s.pairedRatio(v));
            }
            ArrayNode ra = o.putArray("rounds");
            for (Round r : s.rounds()) {
                ObjectNode ro = ra.addObject().put("round", r.round());
                ObjectNode m = ro.putObject("mpps");
                r.mpps().forEach(m::put);
            }
        }
        ArrayNode su = doc.putArray("summary");
        for (SizeSummary s : summarise(starts)) {
            ObjectNode o = su.addObject().put("size", s.size()).put("starts", s.starts());
            ObjectNode m = o.putObject("mpps");
            s.mpps().forEach((v, x) -> Results.summary(m, v, x));
            ObjectNode r = o.putObject("paired_ratio");
            s.ratios().forEach((v, x) -> Results.summary(r, v, x));
        }
        try {
            return Json.PRETTY.writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The printed report: per start, then across starts. */
    public static String report(List<Start> starts, String title) {
        List<SizeSummary> ss = summarise(starts);
        StringBuilder b = new StringBuilder(title).append('\n');
        b.append("per start (median over rounds; ratio: median over rounds of B/A, both in the same round)\n");
        b.append(startTable(starts)).append('\n');
        b.append("across starts (Mpps: median and best of the per-start medians; ratio: median, min, max of the per-start ratios)\n");
        b.append(summaryTable(ss));
        return b.toString();
    }
}
