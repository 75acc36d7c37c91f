package io.vswitch.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which a campaign starts its processes. Round {@code k} holds start {@code k} of
 * every point, so start {@code k+1} of any point comes only after start {@code k} of all of
 * them: a noisy neighbour or a thermal drift during the run hurts every column alike instead of
 * the one that happened to run at the time.
 */
public final class Schedule {
    private Schedule() {}

    /** One process start: point index and start number (0-based). */
    public record Slot(int point, int start) {}

    /** Interleaved order: for each start 0..starts-1, every point in its order. */
    public static List<Slot> interleaved(int points, int starts) {
        if (points < 1 || starts < 1) throw new IllegalArgumentException("need at least one point and one start");
        List<Slot> out = new ArrayList<>(points * starts);
        for (int k = 0; k < starts; k++)
            for (int p = 0; p < points; p++) out.add(new Slot(p, k));
        return out;
    }
}
