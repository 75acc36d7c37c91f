package io.vswitch.gen;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * TSC-driven pacing of a TX loop at a fixed packet rate, burst by burst.
 *
 * <p>The pacer does not accumulate per-packet periods (which would drift with rounding). It keeps
 * the start TSC and the number of packets sent, and computes how many packets the schedule allows
 * by {@code now} directly: {@code allowed(now) = floor((now - start) * pps / tscHz) + 1}. The
 * ratio {@code pps / tscHz} is held as an unsigned 0.64 fixed-point fraction (rounded up) and the
 * product is taken with {@link Math#unsignedMultiplyHigh}. Exact schedule points stay exact, the
 * rounding can release a packet at most one tick early, and nothing overflows for 2<sup>63</sup>
 * ticks (decades at any TSC frequency).
 * The rate must be below one packet per TSC tick.
 *
 * <p>Usage in a TX loop (allocation-free):
 * <pre>{@code
 * RatePacer p = new RatePacer(rate.toPps(avgSize), tscHz, rdtsc(), 1024);
 * for (;;) {
 *     int n = p.due(rdtsc(), 32);   // 0..32
 *     if (n == 0) continue;         // or spin until p.nextDueTsc()
 *     int sent = txBurst(n);
 *     p.sent(sent);                 // unsent packets stay due
 * }
 * }</pre>
 * If the loop falls behind (a full TX ring), due packets pile up; at most {@code maxBacklog} are
 * kept and the rest are forgiven (counted in {@link #skipped()}), so a stall does not turn into a
 * line-rate burst afterwards. A pacer built with {@link #unlimited()} always grants the full burst.
 * Not thread-safe: one per TX lcore.
 */
public final class RatePacer {
    private static final BigDecimal TWO_64 = new BigDecimal(BigInteger.ONE.shiftLeft(64));

    private final boolean unlimited;
    private final double pps;
    private final long tscHz;
    /** ceil(pps / tscHz * 2^64) as an unsigned long: rounded up so packets due exactly on a tick are not released a tick late. */
    private final long fraction;
    private final long startTsc;
    private final long maxBacklog;
    private long sent;     // packets sent plus packets forgiven
    private long skipped;

    private RatePacer() {
        unlimited = true;
        pps = Double.POSITIVE_INFINITY;
        tscHz = 0;
        fraction = 0;
        startTsc = 0;
        maxBacklog = Long.MAX_VALUE;
    }

    /**
     * @param pps target packets per second, &gt; 0 and &lt; {@code tscHz}
     * @param tscHz TSC frequency ({@code rte_get_tsc_hz()})
     * @param startTsc TSC at which the schedule starts (the first packet is due then)
     * @param maxBacklog most packets kept due when the loop falls behind, &ge; 1
     */
    public RatePacer(double pps, long tscHz, long startTsc, long maxBacklog) {
        if (tscHz <= 0) throw new IllegalArgumentException("TSC Hz must be positive");
        if (!(pps > 0) || !(pps < tscHz))
            throw new IllegalArgumentException("rate " + pps + " pps must be above 0 and below the TSC frequency " + tscHz + " Hz");
        if (maxBacklog < 1) throw new IllegalArgumentException("maxBacklog must be >= 1");
        this.unlimited = false;
        this.pps = pps;
        this.tscHz = tscHz;
        this.fraction = new BigDecimal(pps).multiply(TWO_64).divide(BigDecimal.valueOf(tscHz), 0, RoundingMode.CEILING).longValue();
        this.startTsc = startTsc;
        this.maxBacklog = maxBacklog;
    }

    /** A pacer that never holds anything back ({@code --rate max}). */
    public static RatePacer unlimited() {
        return new RatePacer();
    }

    /** Whether this pacer is {@link #unlimited()}. */
    public boolean isUnlimited() {
        return unlimited;
    }

    /** Target packets per second ({@code Infinity} when unlimited). */
    public double pps() {
        return pps;
    }

    /**
     * Packets the schedule has released by {@code nowTsc} since the start: packet {@code k}
     * (0-based) is due at {@code start + k * tscHz / pps}, so this is
     * {@code floor((now - start) * pps / tscHz) + 1}, or 0 before the start.
     */
    public long allowed(long nowTsc) {
        long elapsed = nowTsc - startTsc;
        if (elapsed < 0) return 0;
        return Math.unsignedMultiplyHigh(elapsed, fraction) + 1;
    }

    /**
     * How many packets to send now: the packets due and not yet {@link #sent}, at most
     * {@code maxBurst}. Backlog beyond {@code maxBacklog} is forgiven here.
     */
    public int due(long nowTsc, int maxBurst) {
        if (unlimited) return maxBurst;
        long owed = allowed(nowTsc) - sent;
        if (owed > maxBacklog) {
            skipped += owed - maxBacklog;
            sent += owed - maxBacklog;
            owed = maxBacklog;
        }
        return owed <= 0 ? 0 : (int) Math.min(owed, maxBurst);
    }

    /** Records {@code n} packets actually transmitted. */
    public void sent(int n) {
        sent += n;
    }

    /** Packets forgiven because the loop fell more than {@code maxBacklog} behind. */
    public long skipped() {
        return skipped;
    }

    /**
     * TSC at which the next packet not yet sent becomes due (may be in the past); for an
     * unlimited pacer, {@code Long.MIN_VALUE}. Rounded up, so {@code due(nextDueTsc()) > 0}.
     */
    public long nextDueTsc() {
        if (unlimited) return Long.MIN_VALUE;
        long k = sent; // 0-based index of the next packet
        // Estimate with doubles, then fix up exactly against allowed().
        long t = startTsc + (long) Math.ceil(k * (double) tscHz / pps);
        while (allowed(t) <= k) t++;
        while (t > startTsc && allowed(t - 1) > k) t--;
        return t;
    }
}
