package io.vswitch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Latency at a fixed load (sweep --rate, issue 14): what a latency point is, how a share of the
 * NDR becomes the generator's {@code --rate}, and what one run at a share measured.
 *
 * <p>A latency point is a reflector x queues x size driven by {@code bin/vswitch-gen} (flowgen
 * measures no latency). Each process start of it (see {@link LatencyHarness}) starts the
 * reflector once, finds that start's NDR with {@code vswitch-gen --ndr} (RFC 2544 zero-loss
 * search), then runs {@code vswitch-gen --rate <share x NDR>pps} once per share against the same
 * reflector process and records p50/p99/p99.9 and loss. The NDR is found <b>per start</b>, not
 * once per point: throughput here is bimodal between process starts, so a rate taken from one
 * start's NDR can overload (or underload) another start's reflector; per start, 50 % means half
 * of what this very reflector process could take without loss.
 */
public final class LatencyPoints {
    private LatencyPoints() {}

    /** Queue counts a latency sweep uses unless --queues says otherwise. */
    static final List<Integer> DEFAULT_QUEUES = List.of(1);

    /** The share issue 14's target is judged at: our p99.9 at 50 % of NDR. */
    public static final double TARGET_SHARE = 0.5;

    /** Issue 14's target: our p99.9 at most this times the peer's (testpmd's, same mode) at {@link #TARGET_SHARE}. */
    public static final double TARGET_RATIO = 1.1;

    /**
     * What one generator run at a fixed share of the start's NDR measured (vswitch-gen's JSON).
     *
     * @param share the share of the NDR asked for (0..1]
     * @param ratePps the rate given to the generator ({@code --rate Npps}): share x NDR, rounded
     * @param txPps what it offered over the window (its tx_pps)
     * @param rxPps what came back
     * @param lossRatio the generator's (sequence-based) loss
     * @param latSamples latency samples recorded (0: none)
     * @param p50Ns median latency, NaN without samples
     * @param p99Ns 99th percentile
     * @param p999Ns 99.9th percentile
     * @param maxNs the highest latency seen
     */
    public record ShareRun(double share, double ratePps, double txPps, double rxPps, double lossRatio, long latSamples, double p50Ns,
            double p99Ns, double p999Ns, double maxNs) {}

    /** A share: a decimal fraction, or a percentage with {@code %}. */
    private static final java.util.regex.Pattern SHARE = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)\\s*(%)?");

    /**
     * Parses {@code --rate}: shares of the NDR as fractions ({@code 0.1,0.5,0.9}) or percentages
     * ({@code 50%}), each above 0 and at most 1; returned sorted, each once.
     *
     * @throws IllegalArgumentException with a one-line message naming the fix
     */
    public static List<Double> parseShares(List<String> values) {
        if (values == null || values.isEmpty()) throw new IllegalArgumentException("--rate: give shares of the NDR, e.g. --rate 0.1,0.5,0.9");
        TreeSet<Double> out = new TreeSet<>();
        for (String v : values) {
            String t = v == null ? "" : v.strip();
            java.util.regex.Matcher mt = SHARE.matcher(t);
            if (!mt.matches())
                throw new IllegalArgumentException("--rate: '" + t + "' is not a share of the NDR; give fractions of it, e.g. --rate 0.1,0.5,0.9 "
                        + "(or 10%,50%,90%)");
            double x = Double.parseDouble(mt.group(1)) / (mt.group(2) != null ? 100 : 1);
            if (!(x > 0 && x <= 1))
                throw new IllegalArgumentException("--rate: " + t + " is outside (0, 1]: a share of the NDR is above 0 and at most 1 (the NDR itself)");
            if (!out.add(x)) throw new IllegalArgumentException("--rate: " + t + " is given twice");
        }
        return List.copyOf(out);
    }

    /** The generator's rate for {@code share} of {@code ndrPps}: packets per second, rounded, at least 1. */
    public static long ratePps(double ndrPps, double share) {
        if (!(ndrPps > 0) || !Double.isFinite(ndrPps)) throw new IllegalArgumentException("NDR must be a positive rate, got " + ndrPps);
        if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("share must be in (0, 1], got " + share);
        return Math.max(1, Math.round(ndrPps * share));
    }

    /** {@code vswitch-gen --rate}'s value for {@code share} of {@code ndrPps}: e.g. {@code 2500000pps} (see GenOptions.parseRate). */
    public static String rateArg(double ndrPps, double share) {
        return ratePps(ndrPps, share) + "pps";
    }

    /** A share as the tables print it: {@code 50%}, {@code 12.5%}. */
    static String pct(double share) {
        double p = share * 100;
        return (p == Math.rint(p) ? Long.toString(Math.round(p)) : Results.fmt(p, 1)) + "%";
    }

    /** Latency points: reflectors x queues x sizes, each driven by vswitch-gen, in {@link Peers#points}' order. */
    static List<Point> points(List<Reflector> reflectors, List<Integer> queues, List<Integer> sizes) {
        return Peers.points(reflectors, List.of(Generator.VSWITCH_GEN), queues, sizes);
    }

    /**
     * Switch latency points (sweep --rate --switch-only): per size and flow count, each switch of
     * {@code switches} (ours, OVS) with one queue, driven by vswitch-gen's port pair.
     */
    static List<Point> switchPoints(List<Peers.Switch> switches, List<Integer> flows, List<Integer> sizes) {
        List<Point> out = new ArrayList<>();
        for (int size : sizes)
            for (int f : flows)
                for (Peers.Switch w : switches)
                    out.add(new Point(new Peers.Config(w == Peers.Switch.OVS ? Reflector.OVS : Reflector.SWITCH, Generator.VSWITCH_GEN_PAIR, 1, f),
                            size));
        return out;
    }

    /** The NDR vswitch-gen --ndr found: {@code ndr.ndr_pps} of its JSON; NaN when none passed (the JSON's null). */
    static double ndrPps(JsonNode genReport) {
        return Harness.number(genReport, "/ndr/ndr_pps");
    }

    /** A run at {@code share} (rate {@code ratePps}) from vswitch-gen's JSON: rates, loss, latency of the total. */
    static ShareRun shareRun(JsonNode genReport, double share, double ratePps) {
        double samples = Harness.number(genReport, "/latency_ns/samples");
        return new ShareRun(share, ratePps, Harness.number(genReport, "/tx_pps"), Harness.number(genReport, "/rx_pps"),
                Harness.number(genReport, "/loss_ratio"), Double.isNaN(samples) ? 0 : (long) samples,
                Harness.number(genReport, "/latency_ns/p50"), Harness.number(genReport, "/latency_ns/p99"),
                Harness.number(genReport, "/latency_ns/p999"), Harness.number(genReport, "/latency_ns/max"));
    }

    /** Whether this point was measured as a latency point (any start has share runs). */
    static boolean isLatency(PointResult r) {
        return r.runs().stream().anyMatch(m -> !m.shares().isEmpty());
    }

    /** The shares a point's starts ran, ascending. */
    static List<Double> shares(PointResult r) {
        TreeSet<Double> s = new TreeSet<>();
        for (Measurement m : r.runs())
            for (ShareRun x : m.shares()) s.add(x.share());
        return List.copyOf(s);
    }

    /** Every start's run at {@code share} (starts that have none are left out). */
    static List<ShareRun> runsAt(PointResult r, double share) {
        List<ShareRun> out = new ArrayList<>();
        for (Measurement m : r.runs())
            for (ShareRun x : m.shares()) if (x.share() == share) out.add(x);
        return out;
    }

    /** The progress line's text for a start of a latency point. */
    static String progress(Measurement m) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "NDR %.3f Mpps", m.rxPps() / 1e6));
        for (ShareRun x : m.shares())
            b.append(String.format(Locale.ROOT, "; %s: p99.9 %s us, loss %s %%", pct(x.share()), Results.fmt(x.p999Ns() / 1e3, 1),
                    Results.fmt(x.lossRatio() * 100, 4)));
        return b.toString();
    }
}
