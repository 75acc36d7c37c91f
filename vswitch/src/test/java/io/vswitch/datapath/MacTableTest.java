package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MacTableTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_000 * S;
    static final long A = 0x020000AABB01L, B = 0x525400123456L, C = 0x000000000001L;

    static MacTable table(int capacity) {
        return new MacTable(capacity, MacTable.DEFAULT_MAX_AGE_NANOS, 42);
    }

    @Test
    void learnThenLookup() {
        MacTable t = table(16);
        assertEquals(-1, t.lookup(A, 0, T0));
        assertEquals(MacTable.LEARN_NEW, t.learn(A, 0, 3, T0));
        assertEquals(3, t.lookup(A, 0, T0));
        assertEquals(MacTable.LEARN_KNOWN, t.learn(A, 0, 3, T0 + 1));
        assertEquals(MacTable.LEARN_NEW, t.learn(C, 0, 0, T0));
        assertEquals(0, t.lookup(C, 0, T0), "port 0 and MAC 00:00:00:00:00:01 are ordinary values");
        assertEquals(MacTable.LEARN_NEW, t.learn(0, 0, MacTable.MAX_PORT, T0));
        assertEquals(MacTable.MAX_PORT, t.lookup(0, 0, T0), "the all-zero MAC and the largest port fit");
        assertEquals(-1, t.lookup(B, 0, T0));
        assertEquals(3, t.entries());
        assertEquals(0, t.learnFailures());
    }

    @Test
    void vlansAreSeparateKeys() {
        MacTable t = table(16);
        t.learn(A, 10, 1, T0);
        t.learn(A, 20, 2, T0);
        assertEquals(1, t.lookup(A, 10, T0));
        assertEquals(2, t.lookup(A, 20, T0));
        assertEquals(-1, t.lookup(A, 0, T0));
        assertEquals(-1, t.lookup(A, 30, T0));
        assertEquals(2, t.entries());
        assertNotEquals(MacTable.key(A, 10), MacTable.key(A, 20));
        assertEquals(MacTable.key(A, 4095), MacTable.key(A, 0xFFFF), "VLAN is 12 bits");
    }

    @Test
    void aMacSeenOnAnotherPortMovesAtOnce() {
        MacTable t = table(16);
        t.learn(B, 0, 1, T0);
        assertEquals(MacTable.LEARN_MOVED, t.learn(B, 0, 2, T0), "same instant, no refresh interval");
        assertEquals(2, t.lookup(B, 0, T0));
        assertEquals(MacTable.LEARN_MOVED, t.learn(B, 0, 1, T0 + 1));
        assertEquals(1, t.lookup(B, 0, T0 + 1));
        assertEquals(1, t.entries(), "a move reuses the entry");
    }

    @Test
    void entriesAgeOutAfterTheMaximumAge() {
        MacTable t = new MacTable(16, 300 * S, 7);
        t.learn(A, 0, 1, T0);
        t.learn(B, 0, 2, T0 + 100 * S);
        assertEquals(1, t.lookup(A, 0, T0 + 299 * S));
        assertEquals(-1, t.lookup(A, 0, T0 + 301 * S), "aged out");
        assertEquals(2, t.lookup(B, 0, T0 + 301 * S), "younger entry still there");
        assertEquals(1, t.liveEntries(T0 + 301 * S));
        assertEquals(2, t.entries(), "not yet expired");
        assertEquals(1, t.expire(T0 + 301 * S));
        assertEquals(1, t.entries());
        assertEquals(0, t.expire(T0 + 301 * S));
        assertEquals(MacTable.LEARN_NEW, t.learn(A, 0, 3, T0 + 302 * S));
        assertEquals(3, t.lookup(A, 0, T0 + 302 * S));
    }

    @Test
    void anIncrementalSweepExpiresWhatAWholeOneDoes() {
        MacTable whole = new MacTable(4096, 300 * S, 11);
        MacTable sliced = new MacTable(4096, 300 * S, 11);
        for (int i = 0; i < 1000; i++) {                         // half of them old enough to go
            long t = i % 2 == 0 ? T0 : T0 + 200 * S;
            assertEquals(MacTable.LEARN_NEW, whole.learn(0x020000000000L + i, 0, i % 7, t));
            assertEquals(MacTable.LEARN_NEW, sliced.learn(0x020000000000L + i, 0, i % 7, t));
        }
        long now = T0 + 301 * S;
        int slots = sliced.sweepSlots(1 * S);
        assertTrue(slots > 0 && slots < 4096, "a slice, not the whole table: " + slots);
        int removed = 0, calls = 0;
        while (sliced.entries() > 500 && calls < 10_000) {
            removed += sliced.expireSome(now, slots);
            calls++;
        }
        assertEquals(whole.expire(now), removed);
        assertEquals(500, removed);
        assertEquals(whole.entries(), sliced.entries());
        assertTrue(calls > 1, "spread over several calls: " + calls);
        assertEquals(0, sliced.expireSome(now, Integer.MAX_VALUE), "a full lap finds nothing more");
        for (int i = 0; i < 1000; i++) {
            assertEquals(whole.lookup(0x020000000000L + i, 0, now), sliced.lookup(0x020000000000L + i, 0, now));
        }
    }

    @Test
    void aSweepTakesAnEighthOfTheMaximumAge() {
        MacTable t = new MacTable(8192, 300 * S, 1);
        int slots = t.sweepSlots(1 * S);
        // 16,384 slots in 37 one-second steps (300 s / 8, rounded down): every slot within 37.5 s
        assertEquals((16384 + 36) / 37, slots);
        assertEquals(16384, new MacTable(8192, 1 * S, 1).sweepSlots(1 * S), "age of one period: all each time");
        assertEquals(16384, new MacTable(8192, 4 * S, 1).sweepSlots(1 * S), "under eight periods: all each time");
    }

    @Test
    void trafficKeepsAnEntryAlive() {
        MacTable t = new MacTable(16, 300 * S, 7);
        t.learn(A, 0, 1, T0);
        t.learn(A, 0, 1, T0 + 200 * S);
        assertEquals(1, t.lookup(A, 0, T0 + 450 * S));
        assertEquals(-1, t.lookup(A, 0, T0 + 501 * S));
    }

    @Test
    void anExpiredEntryComesBackAsNew() {
        MacTable t = new MacTable(16, 10 * S, 7);
        t.learn(A, 0, 1, T0);
        assertEquals(MacTable.LEARN_NEW, t.learn(A, 0, 1, T0 + 11 * S), "re-learned in place");
        assertEquals(1, t.entries());
        assertEquals(1, t.lookup(A, 0, T0 + 11 * S));
    }

    @Test
    void clockMayBeNegativeOrSlightlyBehind() {
        MacTable t = new MacTable(16, 300 * S, 7);
        long now = -5 * S;                                        // System.nanoTime() may be negative
        t.learn(A, 0, 1, now);
        assertEquals(1, t.lookup(A, 0, now + 10 * S));
        assertEquals(-1, t.lookup(A, 0, now + 301 * S));
        t.learn(B, 0, 2, T0 + S / 1000);                         // another lcore's clock, a little ahead
        assertEquals(2, t.lookup(B, 0, T0), "a stamp in the near future is young, not ancient");
        t.learn(C, 0, 3, Long.MAX_VALUE - S);                     // across the wrap of the 64-bit clock
        assertEquals(3, t.lookup(C, 0, Long.MAX_VALUE + 100 * S));
    }

    @Test
    void aFullTableLearnsNothingMoreAndCountsFailures() {
        int capacity = 64;
        MacTable t = table(capacity);
        SplittableRandom r = new SplittableRandom(1);
        List<Long> learned = new ArrayList<>();
        int failures = 0;
        for (int i = 0; i < 10_000; i++) {
            long mac = r.nextLong() & 0xFEFFFFFFFFFFL;
            int res = t.learn(mac, 0, 1, T0);
            if (res == MacTable.LEARN_NEW) {
                learned.add(mac);
            } else {
                assertEquals(MacTable.LEARN_FULL, res);
                failures++;
            }
        }
        assertEquals(capacity, learned.size(), "random sources fill the table to capacity");
        assertEquals(capacity, t.entries());
        assertEquals(capacity, t.liveEntries(T0));
        assertEquals(failures, t.learnFailures());
        for (long mac : learned) {
            assertEquals(1, t.lookup(mac, 0, T0), "learned entries stay");
            assertEquals(MacTable.LEARN_MOVED, t.learn(mac, 0, 2, T0), "known sources still move when full");
        }
        // once they age, new sources take their slots without an expire() sweep
        long later = T0 + 301 * S;
        int relearned = 0;
        for (int i = 0; i < 10_000 && relearned < capacity; i++) {
            if (t.learn(r.nextLong() & 0xFEFFFFFFFFFFL, 0, 3, later) == MacTable.LEARN_NEW) {
                relearned++;
            }
        }
        assertEquals(capacity, relearned);
        assertEquals(capacity, t.entries());
    }

    @Test
    void capacityIsExactForSmallTables() {
        MacTable t = table(1);
        assertEquals(MacTable.LEARN_NEW, t.learn(A, 0, 1, T0));
        assertEquals(MacTable.LEARN_FULL, t.learn(B, 0, 1, T0));
        assertEquals(1, t.lookup(A, 0, T0));
        assertEquals(-1, t.lookup(B, 0, T0));
        assertEquals(1, t.learnFailures());
    }

    @Test
    void badParameters() {
        assertThrows(IllegalArgumentException.class, () -> new MacTable(0));
        assertThrows(IllegalArgumentException.class, () -> new MacTable(16, 1000));
    }

    @Test
    void entriesAreTheLiveOnesSortedLikeFdbShow() {
        MacTable t = table(16);
        t.learn(B, 10, 1, T0);
        t.learn(A, 0, 1, T0 + 2 * S);
        t.learn(C, 0, 0, T0 + 5 * S);
        t.learn(0x0A0B0C0D0E0FL, 0, 2, T0 - 400 * S);             // aged: not listed
        t.learn(0x0000000000FFL, 0, 1, T0 + 10 * S - 6 * S / 10);  // 0.6 s: rounds to 1
        assertEquals(List.of(
                new MacTable.Entry(0, 0, C, 5),
                new MacTable.Entry(1, 0, 0x0000000000FFL, 1),
                new MacTable.Entry(1, 0, A, 8),
                new MacTable.Entry(1, 10, B, 10)), t.entries(T0 + 10 * S));
        assertEquals(List.of(), table(4).entries(T0));
        assertEquals("ff:ff:ff:ff:ff:ff", MacTable.formatMac(0xFFFFFFFFFFFFL));
        assertEquals("02:00:00:aa:bb:01", MacTable.formatMac(A));
    }

    /**
     * Lcores learn their own MACs, fight over shared ones (moves) and look up
     * all of them at once. A lookup must never return a port the MAC was not
     * learned on, and everything learned must be found afterwards.
     */
    @Test
    void concurrentLearnersAndReadersKeepTheInvariants() throws Exception {
        int threads = 4, own = 500, shared = 32, rounds = 200;
        MacTable t = table(4096);
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<Thread> ts = new ArrayList<>();
        for (int n = 0; n < threads; n++) {
            int me = n;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                        long now = T0 + round * 1_000_000L;
                        for (int i = 0; i < own; i++) {
                            long mac = ((long) me << 32) | i;
                            int res = t.learn(mac, me, me, now);
                            if (res == MacTable.LEARN_FULL || res == MacTable.LEARN_MOVED) {
                                throw new AssertionError("own MAC " + res);
                            }
                            for (int other = 0; other < threads; other++) {
                                int p = t.lookup(((long) other << 32) | i, other, now);
                                if (p != -1 && p != other) {
                                    throw new AssertionError("MAC of thread " + other + " found on port " + p);
                                }
                            }
                        }
                        for (int i = 0; i < shared; i++) {
                            long mac = 0xFF0000000000L | i;
                            t.learn(mac, 0, me, now);
                            int p = t.lookup(mac, 0, now);
                            if (p < -1 || p >= threads) {
                                throw new AssertionError("shared MAC on port " + p);
                            }
                        }
                    }
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        if (error.get() != null) {
            throw new AssertionError(error.get());
        }
        long now = T0 + rounds * 1_000_000L;
        for (int me = 0; me < threads; me++) {
            for (int i = 0; i < own; i++) {
                assertEquals(me, t.lookup(((long) me << 32) | i, me, now));
            }
        }
        for (int i = 0; i < shared; i++) {
            int p = t.lookup(0xFF0000000000L | i, 0, now);
            assertTrue(p >= 0 && p < threads, "shared MAC " + i + " on " + p);
        }
        int distinct = threads * own + shared;
        assertTrue(t.entries() >= distinct && t.entries() <= t.capacity(), "entries " + t.entries());
        assertEquals(t.entries(), t.liveEntries(now), "no slot left in transition");
        assertEquals(0, t.learnFailures());
    }
}
