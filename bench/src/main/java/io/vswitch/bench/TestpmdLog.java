package io.vswitch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what {@code dpdk-testpmd --stats-period=1} prints: one port statistics block per period
 * with the rates "since last show" ({@code Rx-pps:}/{@code Tx-pps:}, which testpmd computes
 * from TSC deltas, so they do not depend on when the text reaches us), and at exit the
 * accumulated forward statistics ({@code RX-packets:}/{@code TX-packets:}/{@code TX-dropped:}).
 *
 * <p>The first block printed is at forwarding start and has no previous show (its rates are 0);
 * block {@code k} covers second {@code k-1..k} of forwarding. With a single port every block has
 * one Rx-pps and one Tx-pps line; with several ports testpmd prints one block per port, and
 * this parser sums a period's ports (not used by the benchmarks, which have one port).
 */
public final class TestpmdLog {
    private static final Pattern RX_PPS = Pattern.compile("^\\s*Rx-pps:\\s+(\\d+)");
    private static final Pattern TX_PPS = Pattern.compile("^\\s*Tx-pps:\\s+(\\d+)");
    private static final Pattern ACCUMULATED = Pattern.compile("Accumulated forward statistics");
    private static final Pattern FWD_RX = Pattern.compile("^\\s*RX-packets:\\s+(\\d+)\\s+RX-dropped:\\s+(\\d+)");
    private static final Pattern FWD_TX = Pattern.compile("^\\s*TX-packets:\\s+(\\d+)\\s+TX-dropped:\\s+(\\d+)");

    /** Rates of one stats period, packets per second. */
    public record Sample(long rxPps, long txPps) {}

    /** The accumulated forward statistics printed at exit. */
    public record Totals(long rxPackets, long rxDropped, long txPackets, long txDropped) {}

    /** Mean rates over a window of periods. */
    public record Window(double rxPps, double txPps, double[] rxPerSecond) {}

    private final List<Sample> samples = new ArrayList<>();
    private Totals totals;

    private TestpmdLog() {}

    /** Parses testpmd's output. */
    public static TestpmdLog parse(List<String> lines) {
        TestpmdLog log = new TestpmdLog();
        Long rx = null;
        boolean inAccumulated = false;
        long frx = -1, frxd = -1;
        for (String line : lines) {
            Matcher m;
            if ((m = RX_PPS.matcher(line)).find()) {
                rx = Long.parseLong(m.group(1));
            } else if ((m = TX_PPS.matcher(line)).find()) {
                if (rx != null) log.samples.add(new Sample(rx, Long.parseLong(m.group(1))));
                rx = null;
            } else if (ACCUMULATED.matcher(line).find()) {
                inAccumulated = true;
            } else if (inAccumulated && (m = FWD_RX.matcher(line)).find()) {
                frx = Long.parseLong(m.group(1));
                frxd = Long.parseLong(m.group(2));
            } else if (inAccumulated && frx >= 0 && (m = FWD_TX.matcher(line)).find()) {
                log.totals = new Totals(frx, frxd, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                inAccumulated = false;
            }
        }
        return log;
    }

    /** Periodic samples in order, the first one (at forwarding start) included. */
    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Accumulated totals, or null if testpmd did not get to print them. */
    public Totals totals() {
        return totals;
    }

    /** Number of periodic samples needed to measure {@code window} periods after {@code warmup}. */
    public static int samplesNeeded(int warmup, int window) {
        return 1 + warmup + window;
    }

    /**
     * Mean RX and TX rates over periods {@code warmup+1 .. warmup+window} (skipping the start
     * sample and the warm-up).
     *
     * @throws IllegalStateException when testpmd printed too few periods
     */
    public Window window(int warmup, int window) {
        if (warmup < 0 || window < 1) throw new IllegalArgumentException("warm-up must be >= 0 and window >= 1 period");
        int need = samplesNeeded(warmup, window);
        if (samples.size() < need)
            throw new IllegalStateException("testpmd printed " + samples.size() + " stats periods, " + need + " needed ("
                    + warmup + " warm-up + " + window + " measured + the one at start)");
        double rx = 0, tx = 0;
        double[] per = new double[window];
        for (int i = 0; i < window; i++) {
            Sample s = samples.get(1 + warmup + i);
            rx += s.rxPps();
            tx += s.txPps();
            per[i] = s.rxPps();
        }
        return new Window(rx / window, tx / window, per);
    }
}
