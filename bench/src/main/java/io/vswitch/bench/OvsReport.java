package io.vswitch.bench;

import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import io.vswitch.bench.SwitchReport.Ratio;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Issue 14's table (sweep --switches ours,ovs): our switch's port-to-port rate next to Open
 * vSwitch's on the same two-port loop and CPU, same run: per flow count the rows ours, OVS and
 * the ratio ours/OVS; columns sizes; cells median (best) of the starts. Then the verdicts:
 * ours/OVS at 64 B against {@value #TARGET_64}, at 1518 B against {@value #TARGET_1518}.
 */
final class OvsReport {
    private OvsReport() {}

    static final double TARGET_64 = 1.5;
    static final double TARGET_1518 = 1.2;

    private static Summary mpps(List<PointResult> rs, Reflector r, int flows, int size) {
        PointResult p = Results.find(rs, new Config(r, Generator.TESTPMD_LOOP, 1, flows), size);
        return p == null ? Summary.EMPTY : p.rxMpps();
    }

    /** Ours / OVS at one size and flow count; NaN where either has no start. */
    static Ratio ratio(List<PointResult> rs, int flows, int size) {
        return new Ratio(mpps(rs, Reflector.SWITCH, flows, size), mpps(rs, Reflector.OVS, flows, size));
    }

    static String flowsText(int flows) {
        return flows + (flows == 1 ? " flow" : " flows");
    }

    /** The table and verdicts, or "" when no OVS start was measured. */
    static String table(List<PointResult> loop) {
        List<PointResult> ovs = loop.stream().filter(r -> r.point().config().reflector().equals(Reflector.OVS)).toList();
        if (ovs.stream().allMatch(r -> r.runs().isEmpty())) return "";
        TreeSet<Integer> sizes = new TreeSet<>(), flows = new TreeSet<>();
        for (PointResult r : loop) {
            if (!r.point().config().reflector().isSwitch()) continue;
            sizes.add(r.point().size());
            flows.add(r.point().config().flows());
        }
        int maxN = loop.stream().filter(r -> r.point().config().reflector().isSwitch()).mapToInt(r -> r.runs().size()).max().orElse(0);
        List<String> head = new ArrayList<>(List.of(""));
        for (int s : sizes) head.add(s + " B");
        TextTable t = new TextTable(1, head);
        StringBuilder verdicts = new StringBuilder();
        for (int f : flows) {
            List<String> o = new ArrayList<>(List.of("ours, " + flowsText(f))), v = new ArrayList<>(List.of("OVS, " + flowsText(f))),
                    x = new ArrayList<>(List.of("ratio ours/OVS, " + flowsText(f)));
            for (int s : sizes) {
                Ratio r = ratio(loop, f, s);
                o.add(cell(r.sw().median(), r.sw().best(), 2));
                v.add(cell(r.refl().median(), r.refl().best(), 2));
                x.add(cell(r.median(), r.best(), 3));
            }
            t.row(o).row(v).row(x);
            verdicts.append(verdict(loop, f, 64, TARGET_64)).append(verdict(loop, f, 1518, TARGET_1518));
        }
        return "Our switch vs Open vSwitch (issue 14): bin/vswitch --mode switch vs OVS-DPDK NORMAL, 2 vhost ports, one poll thread on the "
                + "same CPU, testpmd's 2-port loop (macswap; mac with N flows); Mpps forwarded (both ports), median (best) of up to " + maxN + " start(s)\n" + t
                + verdicts + "\n";
    }

    /** ours/OVS median ratio at one size and flow count against {@code target}; "" when that size was not measured for both. */
    static String verdict(List<PointResult> rs, int flows, int size, double target) {
        Ratio x = ratio(rs, flows, size);
        if (x.sw().n() == 0 || x.refl().n() == 0) return "";
        double m = x.median();
        return String.format(Locale.ROOT, "%d B, %s: ours/OVS median ratio %.3f (best %.3f): target >= %.1f %s%n", size, flowsText(flows), m,
                x.best(), target, m >= target && x.best() >= target ? "met" : "NOT met") + Summary.uncertainty("ours", x.sw(), "OVS", x.refl());
    }

    private static String cell(double median, double best, int decimals) {
        if (Double.isNaN(median)) return "-";
        return Results.fmt(median, decimals) + " (" + Results.fmt(best, decimals) + ")";
    }
}
