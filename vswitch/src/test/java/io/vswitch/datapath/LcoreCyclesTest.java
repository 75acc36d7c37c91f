package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The cycle accounting's arithmetic: what pmd-stats prints from the counters. */
class LcoreCyclesTest {
    @Test
    void busyIdleFramesBurstsAndPerQueueShares() {
        LcoreCycles c = new LcoreCycles(4);
        c.idle(600);
        c.busy(1, 0, 300, 32);
        c.busy(1, 0, 100, 8);
        c.busy(3, 2, 1000, 10);
        LcoreCycles.Snapshot s = c.snapshot();
        assertEquals(1400, s.busy());
        assertEquals(600, s.idle());
        assertEquals(50, s.frames());
        assertEquals(3, s.bursts());
        assertEquals(70.0, s.busyPct(), 1e-9);
        assertEquals(28.0, s.cyclesPerFrame(), 1e-9);
        assertEquals(50.0 / 3, s.framesPerBurst(), 1e-9);
        assertEquals(400, s.rxqBusy(1, 0));
        assertEquals(1000, s.rxqBusy(3, 2));
        assertEquals(0, s.rxqBusy(1, 1));
        assertEquals(400.0 / 14, s.busySharePct(1, 0), 1e-9);
        assertEquals(1000.0 / 14, s.busySharePct(3, 2), 1e-9);
    }

    @Test
    void aClearIsABaselineSubtracted() {
        LcoreCycles c = new LcoreCycles(2);
        c.busy(0, 0, 500, 5);
        c.idle(500);
        LcoreCycles.Snapshot base = c.snapshot();
        c.busy(1, 0, 90, 3);
        c.idle(10);
        LcoreCycles.Snapshot s = c.snapshot().minus(base);
        assertEquals(90, s.busy());
        assertEquals(10, s.idle());
        assertEquals(3, s.frames());
        assertEquals(1, s.bursts());
        assertEquals(90.0, s.busyPct(), 1e-9);
        assertEquals(0, s.rxqBusy(0, 0), "port 0's cycles were before the clear");
        assertEquals(100.0, s.busySharePct(1, 0), 1e-9);
    }

    @Test
    void nothingYetIsZeroNotNaN() {
        LcoreCycles.Snapshot s = new LcoreCycles(1).snapshot();
        assertEquals(0.0, s.busyPct());
        assertEquals(0.0, s.cyclesPerFrame());
        assertEquals(0.0, s.framesPerBurst());
        assertEquals(0.0, s.busySharePct(0, 0));
        assertEquals(s.busy(), LcoreCycles.Snapshot.zero(1).busy());
    }

    @Test
    void queuesBeyondTheLastSlotShareIt() {
        LcoreCycles c = new LcoreCycles(2);
        c.busy(0, LcoreCycles.MAX_QUEUES - 1, 10, 1);
        c.busy(0, LcoreCycles.MAX_QUEUES + 5, 20, 1);
        assertEquals(30, c.snapshot().rxqBusy(0, LcoreCycles.MAX_QUEUES - 1));
        assertEquals(0, c.snapshot().rxqBusy(1, 0), "port 1 untouched");
    }
}
