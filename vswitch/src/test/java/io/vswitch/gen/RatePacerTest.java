package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Pacing math: schedule points, no drift over a simulated year, no overflow near 2^62 ticks, backlog, rate conversions. */
class RatePacerTest {
    static final long HZ = 2_200_000_000L;

    @Test
    void releasesPacketsOnSchedule() {
        long start = 1_000_000;
        RatePacer p = new RatePacer(1_000_000, HZ, start, 1_000_000); // one packet per 2200 ticks
        assertEquals(0, p.allowed(start - 1));
        assertEquals(1, p.allowed(start), "the first packet is due at the start");
        assertEquals(1, p.allowed(start + 2199));
        assertEquals(2, p.allowed(start + 2200));
        assertEquals(1_000_001, p.allowed(start + HZ), "one second");
        assertEquals(0, p.due(start - 5, 32));
        assertEquals(1, p.due(start, 32));
        p.sent(1);
        assertEquals(0, p.due(start + 100, 32));
        assertEquals(32, p.due(start + 2200 * 100, 32), "capped at the burst");
        p.sent(32);
        assertEquals(100 + 1 - 33, p.due(start + 2200 * 100, 1000));
    }

    @Test
    void noDriftOverLongRunsAndNoOverflow() {
        // Non-integral period: 7.3 Mpps at 2.2 GHz is 301.37 ticks per packet.
        double pps = 7_300_000;
        RatePacer p = new RatePacer(pps, HZ, 0, Long.MAX_VALUE);
        for (long seconds : new long[] {1, 60, 3600, 86_400, 86_400L * 365}) {
            long expect = (long) (pps * seconds) + 1;
            assertEquals(expect, p.allowed(HZ * seconds), "after " + seconds + " s");
        }
        // Decades of 5 GHz TSC still do not overflow: elapsed near 2^62 ticks.
        RatePacer fast = new RatePacer(100_000_000, 4_000_000_000L, 0, 10);
        long t = 1L << 62;
        long expect = t / 40 + 1;
        assertTrue(Math.abs(expect - fast.allowed(t)) <= 1, "exact to one packet at 2^62 ticks");
        assertTrue(fast.allowed(t) > 0);
    }

    @Test
    void stepwiseLoopSendsExactlyTheTargetCount() {
        // Simulate a loop polling at irregular times; the total sent matches the schedule exactly.
        RatePacer p = new RatePacer(14_880_952.38, HZ, 500, Long.MAX_VALUE);
        long now = 500, sent = 0;
        java.util.Random r = new java.util.Random(1);
        while (now < 500 + HZ) {
            int n = p.due(now, 32);
            p.sent(n);
            sent += n;
            now += 1 + r.nextInt(4000);
        }
        assertEquals(p.allowed(now - 1), sent, 32);
        assertEquals(14_880_952, sent, 64);
    }

    @Test
    void backlogBeyondTheLimitIsForgiven() {
        RatePacer p = new RatePacer(1_000_000, HZ, 0, 64);
        assertEquals(32, p.due(2200L * 1000, 32)); // 1001 owed, 64 kept
        assertEquals(1001 - 64, p.skipped());
        p.sent(32);
        assertEquals(32, p.due(2200L * 1000, 1000));
    }

    @Test
    void nextDueTscIsTheFirstTickThePacketIsDue() {
        RatePacer p = new RatePacer(3_000_000, HZ, 12345, 100);
        for (int i = 0; i < 1000; i++) {
            long t = p.nextDueTsc();
            assertEquals(0, p.due(t - 1, 1), "not due a tick earlier (packet " + i + ")");
            assertEquals(1, p.due(t, 1));
            p.sent(1);
        }
    }

    @Test
    void unlimitedNeverHoldsBack() {
        RatePacer p = RatePacer.unlimited();
        assertTrue(p.isUnlimited());
        assertEquals(32, p.due(0, 32));
        p.sent(32);
        assertEquals(32, p.due(0, 32));
        assertEquals(Long.MIN_VALUE, p.nextDueTsc());
    }

    @Test
    void rateConversions() {
        assertEquals(14_880_952.38, new Rate(Rate.Kind.LINE_BPS, 10e9).toPps(64), 0.01);
        assertEquals(19_531_250, new Rate(Rate.Kind.L2_BPS, 10e9).toPps(64), 1e-6);
        assertEquals(1.5e6, Rate.pps(1.5e6).toPps(1518));
        assertEquals(Double.POSITIVE_INFINITY, Rate.MAX.toPps(64));
        assertEquals(10e9, Rate.lineBps(14_880_952.380952, 64), 1);
        assertEquals(64 * 8 * 1e6, Rate.l2Bps(1e6, 64));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(0, HZ, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(HZ, HZ, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(1, HZ, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(Double.NaN, HZ, 0, 1));
    }
}
