package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tx queue remap: own queue if enabled, then a free enabled one, then share round robin. */
class TxQueueMapTest {
    static boolean[] on(int n, int... qs) {
        boolean[] e = new boolean[n];
        for (int q : qs) {
            e[q] = true;
        }
        return e;
    }

    @Test
    void everyQueueEnabledKeepsEachLcoreOnItsOwn() {
        assertArrayEquals(new int[] {0, 1}, TxQueueMap.remap(2, on(2, 0, 1)));
        assertArrayEquals(new int[] {0, 1}, TxQueueMap.remap(2, on(4, 0, 1, 2, 3)));
    }

    @Test
    void aGuestWithOneQueuePairMakesTheLcoresShareIt() {
        int[] m = TxQueueMap.remap(2, on(2, 0));
        assertArrayEquals(new int[] {0, 0}, m);
        assertTrue(TxQueueMap.shared(m, 0) && TxQueueMap.shared(m, 1));
    }

    @Test
    void anLcoreWhoseQueueIsDisabledTakesAFreeEnabledOneBeforeSharing() {
        int[] m = TxQueueMap.remap(2, on(4, 0, 3));
        assertArrayEquals(new int[] {0, 3}, m);
        assertFalse(TxQueueMap.shared(m, 0) || TxQueueMap.shared(m, 1));
        assertArrayEquals(new int[] {2, 3}, TxQueueMap.remap(2, on(4, 2, 3)));
    }

    @Test
    void moreLcoresThanEnabledQueuesShareRoundRobin() {
        int[] m = TxQueueMap.remap(4, on(4, 0, 2));
        assertArrayEquals(new int[] {0, 0, 2, 2}, m);
        assertTrue(TxQueueMap.shared(m, 1) && TxQueueMap.shared(m, 3));
    }

    @Test
    void nothingEnabledIsNone() {
        int[] m = TxQueueMap.remap(2, on(2));
        assertArrayEquals(new int[] {TxQueueMap.NONE, TxQueueMap.NONE}, m);
        assertFalse(TxQueueMap.shared(m, 0));
    }

    @Test
    void theLockExcludes() throws Exception {
        TxLock lock = new TxLock();
        long[] count = new long[1];
        Runnable r = () -> {
            for (int i = 0; i < 200_000; i++) {
                lock.lock();
                try {
                    count[0]++;
                } finally {
                    lock.unlock();
                }
            }
        };
        Thread a = new Thread(r);
        Thread b = new Thread(r);
        a.start();
        b.start();
        a.join();
        b.join();
        assertTrue(count[0] == 400_000, "count " + count[0]);
        assertFalse(lock.held());
    }
}
