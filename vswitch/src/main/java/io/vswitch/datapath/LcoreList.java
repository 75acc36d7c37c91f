package io.vswitch.datapath;

import java.util.BitSet;

/**
 * The {@code --lcores} CPU list, in the syntax of DPDK's {@code -l} and of
 * {@code taskset -c}: comma-separated CPU numbers and inclusive ranges.
 *
 * <pre>
 *   "1"        -> [1]
 *   "2-3"      -> [2, 3]
 *   "0,2,4-5"  -> [0, 2, 4, 5]
 *   "3,1-2,2"  -> [1, 2, 3]     (sorted; overlaps are merged)
 * </pre>
 *
 * Whether the CPUs exist and are allowed for this process is checked by the
 * DPDK layer against the affinity mask; this class only checks the syntax.
 */
public final class LcoreList {
    /** CPUs are numbered below this (the kernel's default {@code CPU_SETSIZE}). */
    public static final int MAX_CPU = 1023;

    private LcoreList() {}

    /**
     * Parses a CPU list.
     *
     * @return the CPUs, sorted ascending, each once
     * @throws IllegalArgumentException with a one-line message naming the
     *         offending item, fit to show users
     */
    public static int[] parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--lcores: empty CPU list (write e.g. 1, 0-1 or 0,2,4-5)");
        }
        BitSet cpus = new BitSet();
        for (String raw : spec.split(",", -1)) {
            String item = raw.strip();
            if (item.isEmpty()) {
                throw new IllegalArgumentException("--lcores: '" + spec + "' has an empty item (write e.g. 0,2,4-5)");
            }
            int dash = item.indexOf('-');
            if (dash < 0) {
                int cpu = cpu(item, item);
                cpus.set(cpu);
            } else {
                String lo = item.substring(0, dash).strip();
                String hi = item.substring(dash + 1).strip();
                if (lo.isEmpty() || hi.isEmpty()) {
                    throw new IllegalArgumentException("--lcores: '" + item
                            + "' is not a CPU number or range (CPUs are numbered from 0; a range is low-high)");
                }
                int a = cpu(lo, item);
                int b = cpu(hi, item);
                if (a > b) {
                    throw new IllegalArgumentException("--lcores: '" + item
                            + "' is not a CPU range (low-high): did you mean " + b + "-" + a + "?");
                }
                cpus.set(a, b + 1);
            }
        }
        return cpus.stream().toArray();
    }

    private static int cpu(String s, String item) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw new IllegalArgumentException("--lcores: '" + item
                        + "' is not a CPU number or range (write e.g. 1, 0-1 or 0,2,4-5)");
            }
        }
        if (s.length() > 4 || Integer.parseInt(s) > MAX_CPU) {
            throw new IllegalArgumentException("--lcores: CPU " + s + " in '" + item
                    + "' is out of range (0-" + MAX_CPU + ")");
        }
        return Integer.parseInt(s);
    }

    /**
     * Formats CPUs compactly, merging consecutive runs: {@code [0,1,2,5]} ->
     * {@code "0-2,5"}. The inverse of {@link #parse} for sorted distinct input.
     */
    public static String format(int[] cpus) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cpus.length; ) {
            int j = i;
            while (j + 1 < cpus.length && cpus[j + 1] == cpus[j] + 1) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(cpus[i]);
            if (j > i) {
                sb.append('-').append(cpus[j]);
            }
            i = j + 1;
        }
        return sb.toString();
    }
}
