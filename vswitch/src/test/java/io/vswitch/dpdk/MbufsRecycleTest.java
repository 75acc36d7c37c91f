package io.vswitch.dpdk;

import static org.junit.jupiter.api.Assertions.*;

import io.vswitch.testutil.FakeMbufs;
import org.junit.jupiter.api.Test;

/** Mbufs.recycle: received mbufs go out again only if every one is a plain, unshared, single-segment mbuf of our pool. */
class MbufsRecycleTest {
    static final long POOL = 0x7000_0000L;

    static void plain(FakeMbufs m, int i) {
        long a = m.mbuf(i);
        Mbufs.ALL.set(Mbufs.U16, a + Mbufs.NB_SEGS, (short) 1);
        Mbufs.ALL.set(Mbufs.U16, a + Mbufs.REFCNT, (short) 1);
        Mbufs.ALL.set(Mbufs.U64, a + Mbufs.POOL, POOL);
        Mbufs.ALL.set(Mbufs.U64, a + Mbufs.OL_FLAGS, 0x0180L);   // RX flags a driver may have set
        Mbufs.ALL.set(Mbufs.U16, a + Mbufs.DATA_OFF, (short) 130); // a driver's own data offset
    }

    @Test
    void plainMbufsAreReadiedForTx() {
        try (FakeMbufs m = new FakeMbufs(4)) {
            for (int i = 0; i < 4; i++) plain(m, i);
            assertTrue(Mbufs.recycle(m.burst(), 4, POOL));
            for (int i = 0; i < 4; i++) {
                assertEquals(0L, Mbufs.ALL.get(Mbufs.U64, m.mbuf(i) + Mbufs.OL_FLAGS), "offload flags cleared");
                assertEquals(128, Short.toUnsignedInt(Mbufs.ALL.get(Mbufs.U16, m.mbuf(i) + Mbufs.DATA_OFF)), "headroom as alloc leaves it");
            }
            assertTrue(Mbufs.recycle(m.burst(), 0, POOL), "an empty burst");
        }
    }

    @Test
    void anyOtherMbufLeavesTheWholeBurstUntouched() {
        long[][] odd = {{Mbufs.NB_SEGS, 2, 2}, {Mbufs.REFCNT, 2, 2}, {Mbufs.POOL, POOL + 64, 8}};
        for (long[] o : odd) {
            try (FakeMbufs m = new FakeMbufs(3)) {
                for (int i = 0; i < 3; i++) plain(m, i);
                long a = m.mbuf(2);
                if (o[2] == 2) Mbufs.ALL.set(Mbufs.U16, a + o[0], (short) o[1]);
                else Mbufs.ALL.set(Mbufs.U64, a + o[0], o[1]);
                assertFalse(Mbufs.recycle(m.burst(), 3, POOL), "field at " + o[0]);
                for (int i = 0; i < 3; i++) {
                    assertEquals(0x0180L, Mbufs.ALL.get(Mbufs.U64, m.mbuf(i) + Mbufs.OL_FLAGS), "nothing changed");
                    assertEquals(130, Short.toUnsignedInt(Mbufs.ALL.get(Mbufs.U16, m.mbuf(i) + Mbufs.DATA_OFF)));
                }
                assertTrue(Mbufs.recycle(m.burst(), 2, POOL), "the plain ones before it alone are fine");
            }
        }
    }
}
