package io.vswitch.bench;

import java.util.Arrays;

/**
 * Statistics over the repeated process starts of one measurement point. Throughput on these
 * machines is bimodal between process starts and steady within one, so the median says what a
 * user should expect and {@link #best()} (the maximum) what the code can do when the start
 * lands well; min and max show the spread. NaN samples (a metric a generator does not report)
 * are ignored.
 *
 * @param n number of samples that were numbers
 */
public record Summary(int n, double median, double min, double max, double mean) {
    /** The summary of no samples: every statistic NaN. */
    public static final Summary EMPTY = new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** Summarises the samples, skipping NaN. The median of an even count is the mean of the middle two. */
    public static Summary of(double... samples) {
        double[] v = Arrays.stream(samples).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) return EMPTY;
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        double sum = 0;
        for (double x : v) sum += x;
        return new Summary(n, median, v[0], v[n - 1], sum / n);
    }

    /** Best of N: the highest sample (for throughput). */
    public double best() {
        return max;
    }

    /** max / min: 1 for identical samples; NaN without samples. */
    public double spread() {
        return max / min;
    }

    /**
     * Whether the samples disagree so much (max more than 1.5 x min) that a ratio of two such
     * medians depends on which mode most starts happened to land in (starts are bimodal on
     * these machines) or on a foreign load, more than on the code.
     */
    public boolean noisy() {
        return n > 0 && !(spread() <= NOISY_SPREAD);
    }

    /** See {@link #noisy()}. */
    public static final double NOISY_SPREAD = 1.5;

    /**
     * The warning a verdict on the ratio of {@code a}'s and {@code b}'s medians gets when either
     * is {@link #noisy()} (a line, indented), else "".
     */
    static String uncertainty(String aName, Summary a, String bName, Summary b) {
        if (!a.noisy() && !b.noisy()) return "";
        return String.format(java.util.Locale.ROOT, "  but uncertain: starts spread %.2f-%.2f Mpps (%s) and %.2f-%.2f Mpps (%s), "
                + "more than %.1fx (bimodal starts or a busy machine): the medians depend on which mode most starts hit; "
                + "compare best-of-N, check top, rerun with more --starts%n", a.min(), a.max(), aName, b.min(), b.max(), bName, NOISY_SPREAD);
    }

    /** Every statistic multiplied by {@code f} (unit conversion). */
    public Summary scaled(double f) {
        return new Summary(n, median * f, min * f, max * f, mean * f);
    }
}
