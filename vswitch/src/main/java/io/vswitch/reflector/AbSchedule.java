package io.vswitch.reflector;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The within-start A/B of {@code --ab V1,V2[,...] --ab-period SECONDS}: the poll loops run
 * variant V1 for a period, then V2, ..., then V1 again, in one process, so that variants are
 * compared on the same start (throughput on these machines is bimodal between starts and steady
 * within one). The stats thread drives it: right after it has sampled the counters it calls
 * {@link #afterSample()}, which every {@link #samplesPerPeriod()} samples publishes the next
 * variant. So every stats interval belongs to one variant, named in its line
 * ({@link #current()}).
 *
 * <p>Memory ordering. The published value is an int, the variant's ordinal: immutable, no
 * object for the loop to read through. The stats thread (the only writer) stores it with
 * release semantics after its sample; each loop loads it with acquire semantics once per
 * round of its (port, queue) pairs, before its rx bursts, so a burst is handled wholly by one
 * variant, and a loop sees the new value at its next round (on x86-64 both are plain moves; the
 * acquire only keeps the JIT from hoisting the load out of the loop). Attribution is exact up
 * to that round: the bursts a loop handles between the sample and its next load (at most one
 * per pair, a few microseconds) still run the old variant but count in the new interval; that
 * is below 1e-4 of a 0.1 s interval, so no interval is dropped for it. A variant's first
 * period in a process also pays for the JIT compiling its path: a tool should leave the
 * first round out ({@code vswitch-bench ab-within} does).
 *
 * <p>Nothing here runs in the loop but {@link #loopVariant()}: no allocation, no lock.
 */
public final class AbSchedule {
    private static final VarHandle CURRENT;

    static {
        try {
            CURRENT = MethodHandles.lookup().findVarHandle(AbSchedule.class, "current", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LoopVariant[] variants;
    private final int samplesPerPeriod;
    /** The ordinal of the variant the loops run; written by the stats thread only (release), read by the loops (acquire). */
    @SuppressWarnings("unused")
    private int current;
    /** Stats thread only: the index in {@link #variants} of the current variant, and samples taken in its period. */
    private int index;
    private int samples;
    private long round;

    /**
     * @param variants the variants in the order they take turns (at least two, no repeats)
     * @param samplesPerPeriod stats samples per period (>= 1)
     */
    public AbSchedule(List<LoopVariant> variants, int samplesPerPeriod) {
        if (variants.size() < 2) {
            throw new IllegalArgumentException("--ab needs at least two variants, e.g. --ab base,prefetch");
        }
        if (variants.stream().distinct().count() != variants.size()) {
            throw new IllegalArgumentException("--ab: each variant once, got " + join(variants));
        }
        if (samplesPerPeriod < 1) {
            throw new IllegalArgumentException("samples per period must be >= 1");
        }
        this.variants = variants.toArray(new LoopVariant[0]);
        this.samplesPerPeriod = samplesPerPeriod;
        CURRENT.setRelease(this, this.variants[0].ordinal());
    }

    /**
     * The schedule of {@code --ab LIST --ab-period PERIOD} with the stats sampled every {@code stats}
     * seconds: PERIOD must be a whole multiple of it.
     *
     * @throws IllegalArgumentException with a message fit to show users
     */
    public static AbSchedule parse(String list, double period, double stats) {
        List<LoopVariant> vs = new ArrayList<>();
        for (String s : list.split(",", -1)) {
            vs.add(LoopVariant.parse(s.strip()));
        }
        if (!(period >= 0.01 && period <= 3600)) {
            throw new IllegalArgumentException("--ab-period " + period + ": must be 0.01..3600 seconds");
        }
        long k = Math.round(period / stats);
        if (k < 1 || Math.abs(k * stats - period) > 1e-9 * Math.max(1, period)) {
            throw new IllegalArgumentException("--ab-period " + period + " must be a whole multiple of --stats " + stats
                    + " (variants switch at a stats sample; leave --stats out to sample once a period)");
        }
        return new AbSchedule(vs, (int) k);
    }

    /** The loop's read, once per round of its pairs: the ordinal of the variant to run. */
    public int loopVariant() {
        return (int) CURRENT.getAcquire(this);
    }

    /** The variant of the interval now running (stats thread). */
    public LoopVariant current() {
        return variants[index];
    }

    /** Whole turns of all variants completed before the current period (stats thread). */
    public long round() {
        return round;
    }

    /** Samples already taken in the current period: 0 for its first interval (stats thread). */
    public int sampleInPeriod() {
        return samples;
    }

    public int samplesPerPeriod() {
        return samplesPerPeriod;
    }

    public List<LoopVariant> variants() {
        return List.of(variants);
    }

    /**
     * Called by the stats thread right after a sample: at the end of a period publishes the next
     * variant (release). Returns true when it switched.
     */
    public boolean afterSample() {
        if (++samples < samplesPerPeriod) {
            return false;
        }
        samples = 0;
        if (++index == variants.length) {
            index = 0;
            round++;
        }
        CURRENT.setRelease(this, variants[index].ordinal());
        return true;
    }

    private static String join(List<LoopVariant> vs) {
        return String.join(",", vs.stream().map(LoopVariant::cliName).toList());
    }
}
