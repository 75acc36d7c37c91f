package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import io.vswitch.testutil.FakeMbufs;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** RX accounting: in-order, loss, duplicates, reordering, foreign and other-stream frames, window sliding, warm-up reset, latency. */
class RxAccountingTest {
    static final long HZ = 2_000_000_000L; // 2 GHz: 1 tick = 0.5 ns

    final FlowTable flows = FlowTable.of(4);
    final FrameTemplate q0 = new FrameTemplate(64, 0, 1, 2, flows);
    final FrameTemplate q1 = new FrameTemplate(64, 1, 1, 2, flows);
    final byte[] buf = new byte[60];
    final MemorySegment mem = MemorySegment.ofArray(buf);

    void rx(RxAccounting a, FrameTemplate t, long seq, long txTsc, long rxTsc) {
        t.write(mem, 0, (int) (seq & 3), seq, txTsc);
        a.onFrame(mem, 0, t.dataLen(), rxTsc);
    }

    void rx(RxAccounting a, long seq) {
        rx(a, q0, seq, 1000, 3000);
    }

    @Test
    void inOrderStreamHasNoLossDuplicatesOrReordering() {
        RxAccounting a = new RxAccounting(0, HZ);
        for (long s = 0; s < 100_000; s++) rx(a, s);
        assertEquals(100_000, a.frames());
        assertEquals(100_000, a.received());
        assertEquals(100_000L * 64, a.receivedBytes());
        assertEquals(0, a.duplicates());
        assertEquals(0, a.reordered());
        assertEquals(0, a.foreign());
        assertEquals(100_000, a.nextExpectedSeq());
        QueueStats q = QueueStats.of(0, 1.0, 100_000, 100_000L * 64, a);
        assertEquals(0, q.lostPackets());
        assertEquals(0.0, q.lossRatio());
    }

    @Test
    void gapsAreLossOnlyAtTheEnd() {
        RxAccounting a = new RxAccounting(0, HZ);
        for (long s = 0; s < 1000; s++) if (s % 10 != 3) rx(a, s);
        assertEquals(900, a.received());
        assertEquals(0, a.reordered());
        assertEquals(0, a.duplicates());
        QueueStats q = QueueStats.of(0, 1.0, 1000, 64_000, a);
        assertEquals(100, q.lostPackets());
        assertEquals(0.1, q.lossRatio(), 1e-12);
    }

    @Test
    void duplicatesAreCountedOnceAndNotReceived() {
        RxAccounting a = new RxAccounting(0, HZ);
        for (long s = 0; s < 100; s++) {
            rx(a, s);
            if (s % 25 == 0) rx(a, s);      // immediate duplicate
        }
        rx(a, 50);                           // duplicate well inside the window
        assertEquals(100, a.received());
        assertEquals(5, a.duplicates());
        assertEquals(0, a.reordered());
        assertEquals(100, a.latency().getTotalCount(), "duplicates are not timed");
    }

    @Test
    void reorderingIsCountedAndAReorderedFrameIsNotLost() {
        RxAccounting a = new RxAccounting(0, HZ);
        long[] order = {0, 1, 3, 2, 4, 7, 5, 6, 8, 9};
        for (long s : order) rx(a, s);
        assertEquals(10, a.received());
        assertEquals(3, a.reordered(), "2, 5 and 6 came after a higher number");
        assertEquals(0, a.duplicates());
        rx(a, 5);
        assertEquals(1, a.duplicates(), "a reordered frame seen twice is a duplicate");
    }

    @Test
    void foreignFramesAreCountedAndIgnored() {
        RxAccounting a = new RxAccounting(0, HZ);
        byte[] arp = new byte[60];
        arp[12] = 0x08; arp[13] = 0x06;
        a.onFrame(MemorySegment.ofArray(arp), 0, 60, 5);
        a.onFrame(MemorySegment.ofArray(new byte[14]), 0, 14, 5); // runt
        rx(a, 0);
        assertEquals(3, a.frames());
        assertEquals(2, a.foreign());
        assertEquals(1, a.received());
        assertEquals(1, a.latency().getTotalCount());
    }

    @Test
    void otherStreamsAreReceivedButNotSequenceChecked() {
        RxAccounting a = new RxAccounting(0, HZ);
        rx(a, 0);
        rx(a, q1, 0, 0, 10);
        rx(a, q1, 0, 0, 10);
        assertEquals(2, a.otherStream());
        assertEquals(3, a.received());
        assertEquals(0, a.duplicates());
        assertEquals(1, a.nextExpectedSeq());
    }

    @Test
    void windowSlidesAndForgetsOldNumbers() {
        RxAccounting a = new RxAccounting(0, HZ, 64, 1);
        for (long s = 0; s < 200; s++) rx(a, s);
        rx(a, 150);                          // inside the window [136, 200): duplicate
        assertEquals(1, a.duplicates());
        rx(a, 100);                          // older than the window: late, cannot tell
        assertEquals(1, a.late());
        assertEquals(1, a.reordered());
        assertEquals(1, a.duplicates());
        rx(a, 1000);                         // jump far ahead: whole window cleared
        rx(a, 999);                          // in window, never seen: reordered
        assertEquals(2, a.reordered());
        rx(a, 999);
        assertEquals(2, a.duplicates());
        rx(a, 990);
        assertEquals(3, a.reordered(), "gap bits were cleared when the window advanced");
        rx(a, 1030);                         // partial advance over a word boundary
        for (long s = 1001; s < 1030; s++) rx(a, s);
        assertEquals(3 + 29, a.reordered());
        assertEquals(2, a.duplicates());
        for (long s = 1001; s < 1031; s++) rx(a, s);
        assertEquals(2 + 30, a.duplicates(), "every number in [1001, 1031) was seen");
    }

    @Test
    void gapAdvanceClearsExactlyTheSkippedNumbers() {
        // Against a model that remembers everything, over pseudo-random arrivals within the window.
        RxAccounting a = new RxAccounting(0, HZ, 256, 1);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        java.util.Random r = new java.util.Random(42);
        long high = 0, dups = 0, reo = 0;
        for (int i = 0; i < 200_000; i++) {
            long s = Math.max(0, high + r.nextInt(300) - 200);
            rx(a, s);
            if (!seen.add(s)) dups++;
            else if (s < high) reo++;
            high = Math.max(high, s + 1);
        }
        assertEquals(0, a.late(), "arrivals stayed within the window");
        assertEquals(dups, a.duplicates());
        assertEquals(reo, a.reordered());
        assertEquals(seen.size(), a.received());
    }

    @Test
    void resetStartsTheMeasurementAtASequenceNumber() {
        RxAccounting a = new RxAccounting(0, HZ);
        for (long s = 0; s < 50; s++) rx(a, s);
        a.reset(40);
        for (long s = 30; s < 60; s++) rx(a, s); // 30..39 were sent during warm-up
        assertEquals(10, a.stale());
        assertEquals(20, a.received());
        assertEquals(0, a.reordered());
        assertEquals(20, a.latency().getTotalCount());
        assertEquals(40, a.firstSeq());
    }

    @Test
    void latencyIsConvertedFromTicksToNanoseconds() {
        RxAccounting a = new RxAccounting(0, HZ);
        rx(a, q0, 0, 1_000_000, 1_002_000);       // 2000 ticks = 1000 ns
        rx(a, q0, 1, 5_000_000, 5_020_000);       // 20000 ticks = 10000 ns
        rx(a, q0, 2, 5_000_000, 4_000_000);       // RX before TX: dropped
        rx(a, q0, 3, 0, 100 * HZ);                // 100 s: clamped to 10 s
        assertEquals(3, a.latency().getTotalCount());
        assertEquals(1, a.latencyNegative());
        assertEquals(1, a.latencyClamped());
        LatencySummary l = LatencySummary.of(a.latency());
        assertEquals(1000, l.min(), 1);
        assertEquals(10_000, l.p50(), 10);
        assertTrue(Math.abs(l.max() - RxAccounting.MAX_LATENCY_NS) <= RxAccounting.MAX_LATENCY_NS / 1000);
    }

    @Test
    void samplingTimesOneFrameInK() {
        RxAccounting a = new RxAccounting(0, HZ, 1024, 16);
        for (long s = 0; s < 1600; s++) rx(a, s);
        assertEquals(100, a.latency().getTotalCount());
        assertEquals(1600, a.received());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RxAccounting(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RxAccounting(0, HZ, 100, 1));
        assertThrows(IllegalArgumentException.class, () -> new RxAccounting(0, HZ, 32, 1));
        assertThrows(IllegalArgumentException.class, () -> new RxAccounting(0, HZ, 64, 0));
    }

    /** onBurst's fast path (our next frame, one compare per header word) must reject exactly what Frame.parse rejects. */
    @Test
    void theFastPathRejectsEveryDamagedFrameTheFullParseRejects() {
        int[][] damage = {{12, 0x86}, {13, 0x06}, {14, 0x46}, {14, 0x55}, {23, 6}, {42, 0x00}, {43, 0x48}, {16, 0x7F}, {17, 40},
                {18, 0x01}, {19, 0x01}};
        try (FakeMbufs m = new FakeMbufs(1)) {
            MemorySegment d = m.dataSegment(0, 60);
            for (int[] dmg : damage) {
                RxAccounting a = new RxAccounting(0, HZ);
                q0.write(d, 0, 0, 0, 1000);
                d.set(java.lang.foreign.ValueLayout.JAVA_BYTE, dmg[0], (byte) dmg[1]);
                m.setLen(0, 60);
                boolean ours = Frame.parse(d, 0, 60) == 0;
                a.onBurst(m.burst(), 1, 3000);
                if (dmg[0] == 18 || dmg[0] == 19) {
                    assertEquals(1, a.otherStream(), "byte " + dmg[0] + ": another stream's id");
                    assertEquals(0, a.nextExpectedSeq(), "not sequence-checked");
                } else {
                    assertFalse(ours, "byte " + dmg[0]);
                    assertEquals(1, a.foreign(), "byte " + dmg[0]);
                    assertEquals(0, a.received(), "byte " + dmg[0]);
                }
            }
            RxAccounting a = new RxAccounting(0, HZ);
            q0.write(d, 0, 0, 0, 1000);
            m.setLen(0, 59);
            a.onBurst(m.burst(), 1, 3000);
            assertEquals(1, a.foreign(), "shorter than a frame of ours");
            q0.write(d, 0, 0, 0, 1000);
            m.setLen(0, 60);
            d.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 15, (byte) 0xB8); // TOS (DSCP EF) is not checked: a peer may remark it
            a.onBurst(m.burst(), 1, 3000);
            assertEquals(1, a.received());
            assertEquals(1, a.nextExpectedSeq());
        }
    }

    /**
     * Differential: random traffic in random bursts through onBurst (fast path, falling back to
     * the general path mid-burst) and frame by frame through onFrame (the general path) gives
     * the same books.
     */
    @Test
    void theFastPathKeepsTheSameBooksAsTheGeneralPath() {
        java.util.Random r = new java.util.Random(42);
        RxAccounting fast = new RxAccounting(0, HZ, 256, 3), slow = new RxAccounting(0, HZ, 256, 3);
        fast.reset(50);
        slow.reset(50);
        long seq = 0;
        try (FakeMbufs m = new FakeMbufs(32)) {
            for (int b = 0; b < 12_000; b++) {
                int n = 1 + r.nextInt(32);
                long now = 5000 + 64L * b;
                for (int i = 0; i < n; i++) {
                    int what = r.nextInt(100);
                    long s;
                    FrameTemplate t = q0;
                    int len = 60;
                    if (what < 80) s = seq++;                           // in order (the fast path)
                    else if (what < 85) s = seq += 1 + r.nextInt(300);  // a gap, sometimes beyond the window
                    else if (what < 92) s = Math.max(0, seq - 1 - r.nextInt(400)); // reordered, duplicate, late or stale
                    else if (what < 96) { s = seq; t = q1; }            // another stream
                    else { s = seq; len = 59; }                         // a runt: foreign
                    t.write(m.dataSegment(i, 60), 0, 0, s, 1000 + 64L * b + i);
                    m.setLen(i, len);
                    slow.onFrame(m.dataSegment(i, 60), 0, len, now);
                }
                fast.onBurst(m.burst(), n, now);
            }
        }
        assertTrue(fast.received() > 150_000 && fast.duplicates() > 0 && fast.late() > 0 && fast.stale() > 0);
        assertEquals(slow.frames(), fast.frames());
        assertEquals(slow.received(), fast.received());
        assertEquals(slow.receivedBytes(), fast.receivedBytes());
        assertEquals(slow.foreign(), fast.foreign());
        assertEquals(slow.otherStream(), fast.otherStream());
        assertEquals(slow.stale(), fast.stale());
        assertEquals(slow.duplicates(), fast.duplicates());
        assertEquals(slow.reordered(), fast.reordered());
        assertEquals(slow.late(), fast.late());
        assertEquals(slow.nextExpectedSeq(), fast.nextExpectedSeq());
        assertEquals(slow.latency(), fast.latency());
    }
}
