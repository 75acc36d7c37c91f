package io.vswitch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A switch's poll-thread cycles over one start's measurement window: what {@code vswitchctl
 * pmd-stats} (ours) or {@code ovs-appctl dpif-netdev/pmd-stats-show} (Open vSwitch) counted
 * between a clear at the window's start and a read at its end, summed over the poll threads
 * (one here). On the two-port loop the guest (testpmd on one core) limits the rate, so both
 * switches forward about the same Mpps; how much of its core each needed for them is what
 * tells them apart.
 *
 * <p>The same definition for both: busy cycles are TSC cycles of polls (ours) or poll
 * iterations (OVS) that returned frames, idle cycles those of the ones that returned none,
 * frames what the switch received in the window. From them:
 * <ul>
 *   <li>{@link #cyclesPerFrame()}: busy cycles / frames (OVS's "avg processing cycles per packet");
 *   <li>{@link #busyPct()}: busy / (busy + idle), 0..100 (OVS's "processing cycles (x %)");
 *   <li>{@link #capacityMpps()}: tsc_hz / cycles per frame, in Mpps: the frames this core could
 *       forward per second if it did nothing but busy polls, i.e. if the driver were not the limit.
 * </ul>
 * Each is NaN when it cannot be computed (no frames, no cycles, unknown TSC rate), e.g. a switch
 * started with {@code -Dvswitch.cycleAccounting=false}, whose counters stay at zero.
 *
 * @param busy busy cycles over the window
 * @param idle idle cycles over the window
 * @param frames frames received over the window
 * @param tscHz the TSC's rate (cycles per second), NaN if unknown
 */
public record PmdCycles(long busy, long idle, long frames, double tscHz) {
    /** How the cycles are read and what follows from them, for results.json. */
    static final String METHOD = "each switch's poll thread(s) cleared when the window opens and read when it closes (ours: vswitchctl "
            + "pmd-stats, busy_cycles/idle_cycles/frames/tsc_hz summed over lcores; OVS: dpif-netdev/pmd-stats-show, processing cycles/idle "
            + "cycles/packets received summed over pmd threads, tsc_hz from ovs-vswitchd's 'TSC frequency' log line); busy_cycles_per_frame "
            + "= busy / frames received, busy_pct = busy / (busy + idle), capacity_mpps = tsc_hz / busy_cycles_per_frame / 1e6";

    public double cyclesPerFrame() {
        return frames > 0 && busy > 0 ? (double) busy / frames : Double.NaN;
    }

    public double busyPct() {
        long all = busy + idle;
        return all > 0 ? 100.0 * busy / all : Double.NaN;
    }

    public double capacityMpps() {
        double c = cyclesPerFrame();
        return tscHz > 0 ? tscHz / c / 1e6 : Double.NaN;
    }

    /**
     * Ours: {@code vswitchctl pmd-stats --json} (JSON-RPC method {@code pmd.stats}), counted since
     * the last {@code pmd-stats-clear}: {@code tsc_hz} and per lcore {@code busy_cycles},
     * {@code idle_cycles} and {@code frames}, summed over the lcores.
     */
    static PmdCycles ofVswitch(JsonNode pmdStats) throws RunFailure {
        JsonNode lcores = pmdStats == null ? null : pmdStats.get("lcores");
        if (lcores == null || !lcores.isArray() || lcores.isEmpty())
            throw new RunFailure("bin/vswitch's pmd-stats has no lcores: " + pmdStats);
        long busy = 0, idle = 0, frames = 0;
        for (JsonNode l : lcores) {
            busy += count(l, "busy_cycles", pmdStats);
            idle += count(l, "idle_cycles", pmdStats);
            frames += count(l, "frames", pmdStats);
        }
        JsonNode hz = pmdStats.get("tsc_hz");
        return new PmdCycles(busy, idle, frames, hz != null && hz.isNumber() && hz.doubleValue() > 0 ? hz.doubleValue() : Double.NaN);
    }

    private static long count(JsonNode lcore, String name, JsonNode all) throws RunFailure {
        JsonNode n = lcore.get(name);
        if (n == null || !n.isIntegralNumber()) throw new RunFailure("bin/vswitch's pmd-stats has no " + name + ": " + all);
        return n.longValue();
    }

    private static final Pattern PMD_THREAD = Pattern.compile("(?m)^pmd thread\\b.*:\\s*$");
    private static final Pattern OTHER_THREAD = Pattern.compile("(?m)^\\S.*:\\s*$");
    private static final Pattern RECEIVED = Pattern.compile("(?m)^\\s*packets received: (\\d+)\\s*$");
    private static final Pattern IDLE = Pattern.compile("(?m)^\\s*idle cycles: (\\d+)\\b");
    private static final Pattern PROCESSING = Pattern.compile("(?m)^\\s*processing cycles: (\\d+)\\b");
    private static final Pattern TSC = Pattern.compile("(DPDK provided|Estimated) TSC frequency: (\\d+) KHz");

    /**
     * Open vSwitch 3.1: {@code ovs-appctl dpif-netdev/pmd-stats-show}, summed over its
     * {@code pmd thread numa_id N core_id C:} blocks (the {@code main thread:} block, which polls
     * no DPDK port, is left out): {@code packets received} (frames), {@code processing cycles}
     * (busy: cycles of poll iterations that received or sent packets) and {@code idle cycles}.
     * OVS prints no cycle lines for a thread whose counters are all zero; such a thread counts
     * zero. {@code tscHz} comes from ovs-vswitchd's own log ({@link #ovsTscHz}).
     */
    static PmdCycles ofOvs(String pmdStatsShow, double tscHz) throws RunFailure {
        Matcher m = PMD_THREAD.matcher(pmdStatsShow);
        long busy = 0, idle = 0, frames = 0;
        int threads = 0;
        while (m.find()) {
            threads++;
            Matcher next = OTHER_THREAD.matcher(pmdStatsShow);
            int end = next.find(m.end()) ? next.start() : pmdStatsShow.length();
            String block = pmdStatsShow.substring(m.end(), end);
            Matcher rx = RECEIVED.matcher(block);
            if (!rx.find()) throw new RunFailure("OVS's pmd-stats-show has no 'packets received' for " + m.group().strip() + ":\n" + pmdStatsShow);
            frames += Long.parseLong(rx.group(1));
            Matcher b = PROCESSING.matcher(block), i = IDLE.matcher(block);
            if (b.find()) busy += Long.parseLong(b.group(1));
            if (i.find()) idle += Long.parseLong(i.group(1));
        }
        if (threads == 0) throw new RunFailure("OVS's pmd-stats-show names no pmd thread:\n" + pmdStatsShow);
        return new PmdCycles(busy, idle, frames, tscHz);
    }

    /**
     * The TSC rate ovs-vswitchd logs when its datapath starts ({@code pmd_perf|INFO|DPDK provided
     * TSC frequency: N KHz}, or {@code Estimated ...} without DPDK), in Hz; NaN when the
     * log has no such line.
     */
    static double ovsTscHz(Iterable<String> log) {
        for (String l : log) {
            Matcher m = TSC.matcher(l);
            if (m.find()) return Long.parseLong(m.group(2)) * 1000.0;
        }
        return Double.NaN;
    }
}
