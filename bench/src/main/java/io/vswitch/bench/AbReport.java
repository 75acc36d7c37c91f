package io.vswitch.bench;

import io.vswitch.bench.Peers.ReflectorKind;
import io.vswitch.bench.Results.PointResult;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The A/B table: per mode and size, best-of-N and median-of-N Mpps of vswitch and testpmd and both ratios. */
public final class AbReport {
    private AbReport() {}

    /** One row of the A/B: ours and theirs at one mode and size. */
    public record Row(String mode, int size, Summary ours, Summary testpmd) {
        /** vswitch best / testpmd best. */
        public double ratioBest() {
            return ours.best() / testpmd.best();
        }

        /** vswitch median / testpmd median. */
        public double ratioMedian() {
            return ours.median() / testpmd.median();
        }
    }

    /** Pairs vswitch-MODE with testpmd-MODE at each size (same generator and queues assumed). */
    public static List<Row> rows(List<PointResult> rs) {
        List<Row> out = new ArrayList<>();
        List<String> modes = new ArrayList<>();
        TreeSet<Integer> sizes = new TreeSet<>();
        for (PointResult r : rs) {
            String m = r.point().config().reflector().mode();
            if (!modes.contains(m)) modes.add(m);
            sizes.add(r.point().size());
        }
        for (String mode : modes)
            for (int size : sizes) {
                Summary ours = null, theirs = null;
                for (PointResult r : rs) {
                    if (!r.point().config().reflector().mode().equals(mode) || r.point().size() != size) continue;
                    if (r.point().config().reflector().kind() == ReflectorKind.VSWITCH) ours = r.rxMpps();
                    else theirs = r.rxMpps();
                }
                if (ours != null && theirs != null) out.add(new Row(mode, size, ours, theirs));
            }
        return out;
    }

    /** Issue 3's target (ratio of medians at 64 B at least 0.95) and goal (at least 1.00), per 64 B row. */
    public static String verdict(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        for (Row r : rows) {
            if (r.size() != 64 || Double.isNaN(r.ratioMedian())) continue;
            double x = r.ratioMedian();
            b.append(String.format(java.util.Locale.ROOT, "%s 64 B: vswitch/testpmd median ratio %.3f (best %.3f): target >= 0.95 %s, goal >= 1.00 %s%n",
                    r.mode(), x, r.ratioBest(), x >= 0.95 ? "met" : "NOT met", x >= 1.0 ? "met" : "not met"));
            b.append(Summary.uncertainty("vswitch", r.ours(), "testpmd", r.testpmd()));
        }
        return b.toString();
    }

    /** The table as text. */
    public static String table(List<Row> rows) {
        TextTable t = new TextTable(2, List.of("mode", "size", "N", "vswitch best", "vswitch median", "testpmd best", "testpmd median",
                "ratio best", "ratio median"));
        for (Row r : rows) {
            t.row(List.of(r.mode(), r.size() + " B", r.ours().n() + "/" + r.testpmd().n(), Results.fmt(r.ours().best(), 3),
                    Results.fmt(r.ours().median(), 3), Results.fmt(r.testpmd().best(), 3), Results.fmt(r.testpmd().median(), 3),
                    Results.fmt(r.ratioBest(), 3), Results.fmt(r.ratioMedian(), 3)));
        }
        return t.toString();
    }
}
