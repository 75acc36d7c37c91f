package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The cycle accounting's arithmetic: what pmd-stats prints from the counters. */
class LcoreCyclesTest {
    /** 1 GHz: a cycle is a nanosecond, 1000 cycles a microsecond. */
    static final long HZ = 1_000_000_000L;

    @Test
    void pollsLandInPowerOfTwoMicrosecondBuckets() {
        LcoreCycles c = new LcoreCycles(2, HZ);
        assertEquals(0, c.bucket(0));
        assertEquals(0, c.bucket(999), "under 1 us");
        assertEquals(1, c.bucket(1000), "[1, 2) us");
        assertEquals(1, c.bucket(1999));
        assertEquals(2, c.bucket(2000), "[2, 4) us");
        assertEquals(6, c.bucket(50_000), "50 us: [32, 64)");
        assertEquals(13, c.bucket(5_000_000), "5 ms: [4096, 8192) us");
        assertEquals(LcoreCycles.POLL_BUCKETS - 1, c.bucket(60L * HZ), "a minute: the last bucket");
        assertEquals(LcoreCycles.POLL_BUCKETS - 1, c.bucket(Long.MAX_VALUE), "no overflow");
        assertEquals(0, c.bucket(-5), "a TSC that went back counts as nothing");
        assertEquals(2.0, LcoreCycles.bucketUpperUs(1));
        assertEquals(Double.POSITIVE_INFINITY, LcoreCycles.bucketUpperUs(LcoreCycles.POLL_BUCKETS - 1));
        // another TSC rate: 2.6 GHz, 2600 cycles a microsecond
        LcoreCycles d = new LcoreCycles(1, 2_600_000_000L);
        assertEquals(0, d.bucket(2599));
        assertEquals(1, d.bucket(2601));
        assertEquals(11, d.bucket(2600L * 1024 + 1000), "1024 us and a bit: [1024, 2048)");

        c.idle(300);
        c.idle(400);
        c.busy(0, 0, 1500, 4);
        c.busy(1, 0, 5_000_000, 32);                 // one 5 ms poll
        LcoreCycles.Snapshot s = c.snapshot();
        assertEquals(4, s.pollCount());
        assertEquals(2, s.polls()[0]);
        assertEquals(1, s.polls()[1]);
        assertEquals(1, s.polls()[13]);
        assertEquals(13, s.longestBucket());
        c.idle(100);
        LcoreCycles.Snapshot after = c.snapshot().minus(s);
        assertEquals(1, after.pollCount(), "a clear starts the histogram afresh too");
        assertEquals(0, after.longestBucket());
        assertEquals(-1, LcoreCycles.Snapshot.zero(2).longestBucket());
    }
    @Test
    void busyIdleFramesBurstsAndPerQueueShares() {
        LcoreCycles c = new LcoreCycles(4, HZ);
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
        LcoreCycles c = new LcoreCycles(2, HZ);
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
        LcoreCycles.Snapshot s = new LcoreCycles(1, HZ).snapshot();
        assertEquals(0.0, s.busyPct());
        assertEquals(0.0, s.cyclesPerFrame());
        assertEquals(0.0, s.framesPerBurst());
        assertEquals(0.0, s.busySharePct(0, 0));
        assertEquals(s.busy(), LcoreCycles.Snapshot.zero(1).busy());
    }

    @Test
    void queuesBeyondTheLastSlotShareIt() {
        LcoreCycles c = new LcoreCycles(2, HZ);
        c.busy(0, LcoreCycles.MAX_QUEUES - 1, 10, 1);
        c.busy(0, LcoreCycles.MAX_QUEUES + 5, 20, 1);
        assertEquals(30, c.snapshot().rxqBusy(0, LcoreCycles.MAX_QUEUES - 1));
        assertEquals(0, c.snapshot().rxqBusy(1, 0), "port 1 untouched");
    }
}
