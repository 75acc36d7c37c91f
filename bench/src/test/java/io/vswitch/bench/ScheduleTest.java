package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.Schedule.Slot;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interleaving: start k of every point runs before start k+1 of any. */
class ScheduleTest {
    @Test
    void roundsInterleaveEveryPoint() {
        List<Slot> s = Schedule.interleaved(3, 2);
        assertEquals(List.of(new Slot(0, 0), new Slot(1, 0), new Slot(2, 0), new Slot(0, 1), new Slot(1, 1), new Slot(2, 1)), s);
    }

    @Test
    void noPointGetsAheadOfAnother() {
        int points = 5, starts = 4;
        List<Slot> s = Schedule.interleaved(points, starts);
        assertEquals(points * starts, s.size());
        int[] done = new int[points];
        for (Slot slot : s) {
            for (int p = 0; p < points; p++) assertTrue(done[p] >= slot.start(), "point " + p + " fell behind at " + slot);
            assertEquals(done[slot.point()], slot.start(), "starts of one point run in order");
            done[slot.point()]++;
        }
        for (int d : done) assertEquals(starts, d);
    }

    @Test
    void abAlternatesTheTwoSides() {
        // the A/B lists vswitch and testpmd next to each other, so consecutive starts alternate sides
        List<Slot> s = Schedule.interleaved(2, 5);
        for (int i = 0; i < s.size(); i++) assertEquals(i % 2, s.get(i).point());
    }

    @Test
    void rejectsEmptySchedules() {
        assertThrows(IllegalArgumentException.class, () -> Schedule.interleaved(0, 3));
        assertThrows(IllegalArgumentException.class, () -> Schedule.interleaved(3, 0));
    }
}
