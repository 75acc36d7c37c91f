package io.vswitch.gen;

import org.HdrHistogram.Histogram;

/**
 * Latency percentiles in nanoseconds taken from an HdrHistogram (values are the histogram's
 * equivalent values, within its 3 significant digits).
 *
 * @param samples number of recorded samples (0: all other fields are meaningless and written as null)
 */
public record LatencySummary(long samples, long min, long p50, long p90, long p99, long p999, long max, double mean) {
    /** No samples. */
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0, Double.NaN);

    /** Summarises {@code h}; {@link #EMPTY} if it holds nothing. */
    public static LatencySummary of(Histogram h) {
        long n = h.getTotalCount();
        if (n == 0) return EMPTY;
        return new LatencySummary(n, h.getMinValue(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
    }

    /** Whether there are samples. */
    public boolean present() {
        return samples > 0;
    }
}
