package io.vswitch.gen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The frame sizes a generator sends: a single size, or a repeating pattern that interleaves a
 * weighted mix (IMIX).
 *
 * <p>{@link #IMIX} is the "simple IMIX" 7:4:1 of 64, 576 and 1500-byte frames. As everywhere in
 * the generator, these are frame sizes including FCS (so 60, 572 and 1496 bytes of data); the
 * average frame is 354.33 bytes. The pattern spreads each size evenly over a 12-frame cycle
 * instead of sending 7 small frames back to back.
 *
 * <p>A list such as {@code 64,128,1518} given to {@code --size} is not a mix but a sweep: one run
 * per size (see {@link GenOptions#parseSizes}).
 */
public final class SizeMix {
    /** Simple IMIX: 7 x 64 B, 4 x 576 B, 1 x 1500 B per 12 frames. */
    public static final SizeMix IMIX = weighted("imix", new int[] {64, 576, 1500}, new int[] {7, 4, 1});

    private final String name;
    private final int[] sizes;       // distinct sizes
    private final int[] pattern;     // indexes into sizes, one cycle

    private SizeMix(String name, int[] sizes, int[] pattern) {
        this.name = name;
        this.sizes = sizes;
        this.pattern = pattern;
    }

    /** A single frame size, {@value Frame#MIN_SIZE}..{@value Frame#MAX_SIZE}. */
    public static SizeMix fixed(int size) {
        check(size);
        return new SizeMix(Integer.toString(size), new int[] {size}, new int[] {0});
    }

    /**
     * A weighted mix: each cycle of {@code sum(weights)} frames has {@code weights[i]} frames of
     * {@code sizes[i]}, spread evenly (smooth weighted round robin).
     */
    public static SizeMix weighted(String name, int[] sizes, int[] weights) {
        if (sizes.length == 0 || sizes.length != weights.length) throw new IllegalArgumentException("sizes and weights must pair up");
        int total = 0;
        for (int i = 0; i < sizes.length; i++) {
            check(sizes[i]);
            if (weights[i] < 1) throw new IllegalArgumentException("weights must be positive");
            total += weights[i];
        }
        int[] pattern = new int[total];
        int[] current = new int[sizes.length];
        for (int k = 0; k < total; k++) {
            int best = 0;
            for (int i = 0; i < sizes.length; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) best = i;
            }
            current[best] -= total;
            pattern[k] = best;
        }
        return new SizeMix(name, sizes.clone(), pattern);
    }

    private static void check(int size) {
        if (size < Frame.MIN_SIZE || size > Frame.MAX_SIZE)
            throw new IllegalArgumentException("frame size " + size + " is out of range " + Frame.MIN_SIZE + ".." + Frame.MAX_SIZE
                    + " (bytes, FCS included)");
    }

    /** Name for reports: the size ("64") or the mix name ("imix"). */
    public String name() {
        return name;
    }

    /** Distinct sizes; build one {@link FrameTemplate} per entry, in this order. */
    public int[] sizes() {
        return sizes.clone();
    }

    /** Number of distinct sizes. */
    public int sizeCount() {
        return sizes.length;
    }

    /** Frames per cycle of the pattern. */
    public int cycleLength() {
        return pattern.length;
    }

    /**
     * Index into {@link #sizes()} (and so into the caller's template array) of the frame at
     * position {@code i} of the cycle, {@code 0 <= i < cycleLength()}. Allocation-free.
     */
    public int sizeIndexAt(int i) {
        return pattern[i];
    }

    /** Whether this is a single size. */
    public boolean isFixed() {
        return sizes.length == 1;
    }

    /** Mean frame size (FCS included) over one cycle, for converting bit rates to packet rates. */
    public double averageSize() {
        long sum = 0;
        for (int p : pattern) sum += sizes[p];
        return (double) sum / pattern.length;
    }

    /** Sizes of one cycle, for tests and diagnostics. */
    public List<Integer> cycle() {
        List<Integer> l = new ArrayList<>(pattern.length);
        for (int p : pattern) l.add(sizes[p]);
        return l;
    }

    @Override
    public String toString() {
        return isFixed() ? name : name + Arrays.toString(sizes);
    }
}
