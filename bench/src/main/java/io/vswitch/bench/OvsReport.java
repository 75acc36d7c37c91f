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

    private static PointResult point(List<PointResult> rs, Reflector r, int flows, int size) {
        return Results.find(rs, new Config(r, Generator.TESTPMD_LOOP, 1, flows), size);
    }

    private static Summary of(List<PointResult> rs, Reflector r, int flows, int size, java.util.function.Function<PointResult, Summary> f) {
        PointResult p = point(rs, r, flows, size);
        return p == null ? Summary.EMPTY : f.apply(p);
    }

    /**
     * OVS's busy cycles per frame over ours at one size and flow count: how many times more frames
     * a core of ours forwards. Median: the ratio of the medians; best: of the fewest cycles (the
     * best start of each). NaN where either has no cycles.
     */
    static double[] cyclesRatio(List<PointResult> rs, int flows, int size) {
        Summary o = of(rs, Reflector.SWITCH, flows, size, PointResult::cyclesPerFrame), v = of(rs, Reflector.OVS, flows, size, PointResult::cyclesPerFrame);
        return new double[] {v.median() / o.median(), v.min() / o.min()};
    }

    /**
     * The switches per core (issue 14): per flow count and switch its capacity (tsc_hz / busy
     * cycles per frame received, Mpps) median (best), its busy cycles per frame median (fewest)
     * and busy % median, then, when both ran, OVS's cycles per frame over ours. "" when no switch
     * start has cycles. The guest (testpmd on one core) is the limit of the Mpps table at one flow,
     * so this says what the Mpps cannot: how much of its core each switch needed.
     */
    static String capacityTable(List<PointResult> loop) {
        List<PointResult> sw = loop.stream().filter(r -> r.point().config().reflector().isSwitch()).toList();
        if (sw.stream().allMatch(r -> r.cyclesPerFrame().n() == 0)) return "";
        TreeSet<Integer> sizes = new TreeSet<>(), flows = new TreeSet<>();
        boolean ours = false, ovs = false;
        for (PointResult r : sw) {
            sizes.add(r.point().size());
            flows.add(r.point().config().flows());
            ours |= r.point().config().reflector().equals(Reflector.SWITCH) && !r.runs().isEmpty();
            ovs |= r.point().config().reflector().equals(Reflector.OVS) && !r.runs().isEmpty();
        }
        int maxN = sw.stream().mapToInt(r -> r.runs().size()).max().orElse(0);
        List<String> head = new ArrayList<>(List.of(""));
        for (int s : sizes) head.add(s + " B");
        TextTable t = new TextTable(1, head);
        for (int f : flows) {
            for (Reflector r : List.of(Reflector.SWITCH, Reflector.OVS)) {
                if (r.equals(Reflector.SWITCH) ? !ours : !ovs) continue;
                String name = (r.equals(Reflector.SWITCH) ? "ours, " : "OVS, ") + flowsText(f);
                List<String> cap = new ArrayList<>(List.of(name + ": capacity Mpps")), cyc = new ArrayList<>(List.of(name + ": busy cycles/frame")),
                        busy = new ArrayList<>(List.of(name + ": busy %"));
                for (int s : sizes) {
                    Summary c = of(loop, r, f, s, PointResult::capacityMpps), y = of(loop, r, f, s, PointResult::cyclesPerFrame);
                    cap.add(cell(c.median(), c.best(), 2));
                    cyc.add(cell(y.median(), y.min(), 1));
                    busy.add(Results.fmt(of(loop, r, f, s, PointResult::busyPct).median(), 1));
                }
                t.row(cap).row(cyc).row(busy);
            }
            if (ours && ovs) {
                List<String> x = new ArrayList<>(List.of("cycles/frame OVS/ours, " + flowsText(f)));
                for (int s : sizes) {
                    double[] r = cyclesRatio(loop, f, s);
                    x.add(cell(r[0], r[1], 3));
                }
                t.row(x);
            }
        }
        return "Per core (issue 14): each switch's poll thread over the window (vswitchctl pmd-stats, ovs-appctl dpif-netdev/pmd-stats-show), "
                + "median (best) of up to " + maxN + " start(s); capacity = tsc_hz / busy cycles per frame received, the Mpps its core could "
                + "forward were the guest (testpmd, one core) not the limit; busy cycles/frame median (fewest); cycles/frame OVS/ours = how many "
                + "times more frames a core of ours forwards\n" + t + "\n";
    }

    private static String cell(double median, double best, int decimals) {
        if (Double.isNaN(median)) return "-";
        return Results.fmt(median, decimals) + " (" + Results.fmt(best, decimals) + ")";
    }
}
