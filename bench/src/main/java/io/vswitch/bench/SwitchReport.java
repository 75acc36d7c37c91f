package io.vswitch.bench;

import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import io.vswitch.bench.Peers.Topology;
import io.vswitch.bench.Results.PointResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Issue 6's table (sweep --switch): the L2 switch's port-to-port rate next to bin/vswitch
 * --mode io's on the same two-port loop, same run: rows switch, reflector and their ratio,
 * columns sizes, cells median (best) of the starts; then the verdict at 64 B.
 */
public final class SwitchReport {
    private SwitchReport() {}

    /** Issue 6's target: the switch forwards at least this fraction of the reflector's rate at 64 B (ratio of medians). */
    public static final double TARGET = 0.8;

    static final Reflector REFLECTOR = new Reflector(ReflectorKind.VSWITCH, "io");

    /** Switch / reflector, medians and bests, at one size; NaN where either side has no start. */
    record Ratio(Summary sw, Summary refl) {
        double median() {
            return sw.median() / refl.median();
        }

        double best() {
            return sw.best() / refl.best();
        }
    }

    private static Summary mpps(List<PointResult> rs, Reflector r, int size) {
        PointResult p = Results.find(rs, new Config(r, Generator.TESTPMD_LOOP, 1), size);
        return p == null ? Summary.EMPTY : p.rxMpps();
    }

    static Ratio ratio(List<PointResult> rs, int size) {
        return new Ratio(mpps(rs, Reflector.SWITCH, size), mpps(rs, REFLECTOR, size));
    }

    /**
     * Issue 6's table and verdict (when bin/vswitch ran on the loop at one flow), then the table of
     * our switch against Open vSwitch (when OVS ran), then the switches per core (their cycles, when
     * measured); "" when no two-port loop point was measured.
     */
    public static String table(List<PointResult> all) {
        List<PointResult> loop = all.stream().filter(r -> r.point().config().topology() == Topology.TWO_PORT_LOOP).toList();
        List<PointResult> ours = loop.stream().filter(r -> r.point().config().reflector().kind() == ReflectorKind.VSWITCH
                && r.point().config().flows() == 1).toList();
        String t = ours.stream().allMatch(r -> r.runs().isEmpty()) ? "" : issue6(ours);
        return t + OvsReport.table(loop) + OvsReport.capacityTable(loop);
    }

    private static String issue6(List<PointResult> rs) {
        TreeSet<Integer> sizes = new TreeSet<>();
        for (PointResult r : rs) sizes.add(r.point().size());
        int maxN = rs.stream().mapToInt(r -> r.runs().size()).max().orElse(0);
        List<String> head = new ArrayList<>(List.of(""));
        for (int s : sizes) head.add(s + " B");
        List<String> sw = new ArrayList<>(List.of("switch (2 ports)")), io = new ArrayList<>(List.of("reflector io (2 ports)")),
                ratio = new ArrayList<>(List.of("ratio switch/reflector"));
        for (int s : sizes) {
            Ratio x = ratio(rs, s);
            sw.add(cell(x.sw().median(), x.sw().best(), 2));
            io.add(cell(x.refl().median(), x.refl().best(), 2));
            ratio.add(cell(x.median(), x.best(), 3));
        }
        TextTable t = new TextTable(1, head).row(sw).row(io).row(ratio);
        return "Switch (issue 6): bin/vswitch --mode switch vs --mode io, 2 vhost ports, 1 lcore, testpmd's 2-port macswap loop; "
                + "Mpps bin/vswitch forwarded (both ports), median (best) of up to " + maxN + " start(s)\n" + t + verdict(rs) + "\n";
    }

    /** Issue 6's verdict at 64 B: switch/reflector median ratio against {@link #TARGET}, with the noise warning. */
    static String verdict(List<PointResult> rs) {
        Ratio x = ratio(rs, 64);
        if (x.sw().n() == 0 || x.refl().n() == 0) return "no 64 B starts of both: issue 6's target (switch >= " + TARGET + " x reflector at 64 B) not judged\n";
        double m = x.median();
        return String.format(Locale.ROOT, "64 B: switch/reflector median ratio %.3f (best %.3f): target >= %.1f %s%n", m, x.best(), TARGET,
                m >= TARGET ? "met" : "NOT met") + Summary.uncertainty("switch", x.sw(), "reflector", x.refl());
    }

    private static String cell(double median, double best, int decimals) {
        if (Double.isNaN(median)) return "-";
        return Results.fmt(median, decimals) + " (" + Results.fmt(best, decimals) + ")";
    }
}
