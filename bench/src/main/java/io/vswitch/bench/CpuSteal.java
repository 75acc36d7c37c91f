package io.vswitch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Time the hypervisor took each CPU away during one process start ("steal" in
 * {@code /proc/stat}): a vCPU the host runs something else on is invisible to everything in
 * the guest (perf, the poll loops' own cycle counts), and on this VM such gaps set latency
 * tails of milliseconds with no guest task to blame. Campaign reads the counters before and
 * after every start, so a start the host disturbed can be told from one our code slowed.
 *
 * <pre>
 *   /proc/stat:  cpuN user nice system idle iowait irq softirq steal guest guest_nice   (USER_HZ ticks)
 *   before start ─► ticks[] ; after ─► ticks[] ; delta x 10 ms = ms[N]
 * </pre>
 * The kernel counts in ticks of 1/USER_HZ s (100 on Linux), so a figure is a multiple of 10 ms
 * and covers the whole start (process start to exit), not only the measured window.
 *
 * @param ms steal per CPU in milliseconds, indexed by CPU number (0 for a CPU the file did not list)
 */
record CpuSteal(long[] ms) {
    /** Milliseconds per /proc/stat tick (USER_HZ is 100 on every Linux the kernel's ABI covers). */
    static final long TICK_MS = 10;
    static final Path PROC_STAT = Path.of("/proc/stat");

    CpuSteal {
        ms = ms.clone();
    }

    /** Steal ticks per CPU from {@code /proc/stat}'s text, indexed by CPU number; the aggregate "cpu" line is skipped. */
    static long[] parse(List<String> lines) {
        long[] t = new long[0];
        for (String line : lines) {
            if (!line.startsWith("cpu") || line.length() < 4 || !Character.isDigit(line.charAt(3))) continue;
            String[] f = line.trim().split("\\s+");
            if (f.length < 9) continue;                    // a kernel before 2.6.11: no steal column
            int cpu;
            long steal;
            try {
                cpu = Integer.parseInt(f[0].substring(3));
                steal = Long.parseLong(f[8]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (cpu >= t.length) t = Arrays.copyOf(t, cpu + 1);
            t[cpu] = steal;
        }
        return t;
    }

    /** The steal ticks per CPU now, or null when the file cannot be read (not Linux, no /proc). */
    static long[] read(Path procStat) {
        try {
            return parse(Files.readAllLines(procStat));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What was stolen between two readings (null if either is): per CPU, in ms; a counter that went back counts 0. */
    static CpuSteal between(long[] before, long[] after) {
        if (before == null || after == null) return null;
        long[] ms = new long[after.length];
        for (int i = 0; i < after.length; i++) {
            long b = i < before.length ? before[i] : after[i];
            ms[i] = Math.max(0, after[i] - b) * TICK_MS;
        }
        return new CpuSteal(ms);
    }

    /** The total over all CPUs, ms. */
    long totalMs() {
        long s = 0;
        for (long v : ms) s += v;
        return s;
    }

    /** "cpu0 30 ms, cpu1 10 ms": the CPUs with any steal; empty when none had. */
    String describe() {
        StringJoiner j = new StringJoiner(", ");
        for (int i = 0; i < ms.length; i++) if (ms[i] > 0) j.add(String.format(Locale.ROOT, "cpu%d %d ms", i, ms[i]));
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuSteal c && Arrays.equals(ms, c.ms);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ms);
    }

    @Override
    public String toString() {
        return "CpuSteal" + Arrays.toString(ms);
    }
}
