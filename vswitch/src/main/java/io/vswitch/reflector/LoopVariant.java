package io.vswitch.reflector;

import java.util.ArrayList;
import java.util.List;

/**
 * Named behaviours of the reflector's {@link PollLoop} that {@code --ab} alternates within one
 * process start, for finding what costs time per frame (issue 14's 1518 B gap). Every variant
 * reflects the same frames the same way for the chosen {@code --mode} and keeps the counters
 * exact; they differ only in how the loop goes over a burst.
 *
 * <pre>
 *   base      today's loop: per frame read pkt_len (kept in lens[] for a short tx), apply the mode
 *   prefetch  first one downcall per burst, vs_prefetch_burst: rte_prefetch0 of every mbuf's header
 *             and first data line, then base (testpmd's macswap prefetches the next frame's data)
 *   nolen     no lens[] bookkeeping: the frame pass sums pkt_len into rx bytes only; tx bytes are
 *             rx bytes minus the pkt_len of the frames tx_burst left (still ours), read before they
 *             are freed; a full tx pays nothing more
 * </pre>
 */
public enum LoopVariant {
    BASE("base"),
    PREFETCH("prefetch"),
    NOLEN("nolen");

    private final String cliName;

    LoopVariant(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in the stats lines. */
    public String cliName() {
        return cliName;
    }

    @Override
    public String toString() {
        return cliName;
    }

    /** All names, for messages: {@code base, prefetch, nolen}. */
    public static String names() {
        List<String> n = new ArrayList<>();
        for (LoopVariant v : values()) {
            n.add(v.cliName);
        }
        return String.join(", ", n);
    }

    /**
     * The variant named {@code name}.
     *
     * @throws IllegalArgumentException with a message fit to show users
     */
    public static LoopVariant parse(String name) {
        for (LoopVariant v : values()) {
            if (v.cliName.equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("--ab: unknown variant '" + name + "'; variants: " + names());
    }
}
