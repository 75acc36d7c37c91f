package io.vswitch.bench;

import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Results.PointResult;
import io.vswitch.bench.Schedule.Slot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every point {@code starts} times in interleaved order (see {@link Schedule}), printing
 * progress, and keeps what it measured so far so a failure can still write partial results.
 */
final class Campaign {
    /** Runs one process start of one point: {@link Harness} on the host, {@link GuestHarness} with a guest generator. */
    interface Starter {
        Measurement run(Point p) throws RunFailure, IOException, InterruptedException;
    }

    private final List<Point> points;
    private final int starts;
    private final List<List<Measurement>> runs = new ArrayList<>();
    /** Where the steal counters are read before and after each start ({@link CpuSteal}). */
    private final Path procStat;

    Campaign(List<Point> points, int starts) {
        this(points, starts, CpuSteal.PROC_STAT);
    }

    Campaign(List<Point> points, int starts, Path procStat) {
        this.points = List.copyOf(points);
        this.starts = starts;
        this.procStat = procStat;
        for (int i = 0; i < points.size(); i++) runs.add(new ArrayList<>());
    }

    /** Runs the schedule; on a failure the results so far stay in {@link #results()}. */
    void run(Starter h, PrintStream out) throws RunFailure, IOException, InterruptedException {
        List<Slot> order = Schedule.interleaved(points.size(), starts);
        long t0 = System.nanoTime();
        for (int i = 0; i < order.size(); i++) {
            Slot slot = order.get(i);
            Point p = points.get(slot.point());
            out.printf(Locale.ROOT, "[%d/%d] %s, start %d/%d ... ", i + 1, order.size(), p, slot.start() + 1, starts);
            out.flush();
            Measurement m;
            long[] steal0 = CpuSteal.read(procStat);
            try {
                m = h.run(p);
            } catch (RunFailure f) {
                throw new RunFailure(p + ", start " + (slot.start() + 1) + ": " + f.getMessage());
            }
            CpuSteal stolen = CpuSteal.between(steal0, CpuSteal.read(procStat));
            m = m.withSteal(stolen);
            runs.get(slot.point()).add(m);
            String steal = stolen == null || stolen.totalMs() == 0 ? "" : "; steal " + stolen.describe();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double left = elapsed / (i + 1) * (order.size() - i - 1);
            String what = p.config().topology() == Peers.Topology.TWO_PORT_LOOP ? "forwarded %.3f Mpps, received %.3f Mpps"
                    : "RX %.3f Mpps, TX %.3f Mpps";
            if (!m.shares().isEmpty()) out.printf(Locale.ROOT, "%s%s (%.1f s; %d left, ~%.0f s)%n", LatencyPoints.progress(m), steal,
                    m.seconds(), order.size() - i - 1, left);
            else out.printf(Locale.ROOT, what + "%s%s (%.1f s; %d left, ~%.0f s)%n", m.rxPps() / 1e6, m.txPps() / 1e6,
                    m.unsteady() ? String.format(Locale.ROOT, "; unsteady: per-second rate moved %.1fx", m.rateSpread()) : "", steal,
                    m.seconds(), order.size() - i - 1, left);
        }
    }

    /** Points with the starts measured so far. */
    List<PointResult> results() {
        List<PointResult> r = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) r.add(new PointResult(points.get(i), runs.get(i)));
        return r;
    }

    /** Number of process starts the campaign makes. */
    int total() {
        return points.size() * starts;
    }
}
