package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import io.vswitch.testutil.FakeMbufs;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** TxStream: size/flow/sequence cycling and rewinding over frames a partial tx_burst did not take. */
class TxStreamTest {

    @Test
    void cyclesSizesFlowsAndSequence() {
        FlowTable flows = FlowTable.of(5);
        TxStream tx = new TxStream(2, SizeMix.IMIX, flows, 1, 2);
        assertEquals(1496, tx.maxDataLen());
        byte[] b = new byte[1600];
        MemorySegment mem = MemorySegment.ofArray(b);
        long bytes = 0;
        for (int i = 0; i < 60; i++) {
            int len = tx.next(mem, 0, 77);
            int expectSize = SizeMix.IMIX.cycle().get(i % 12);
            assertEquals(expectSize - 4, len);
            bytes += expectSize;
            assertEquals(2, Frame.parse(mem, 0, len));
            assertEquals(i, Frame.seq(mem, 0));
            assertEquals(77, Frame.txTsc(mem, 0));
            assertEquals(flows.srcIp(i % 5), FrameTemplateTest.u32(b, Frame.OFF_IP_SRC));
            assertEquals(0, FrameTemplateTest.refChecksum(b, 14, 20));
        }
        assertEquals(60, tx.packets());
        assertEquals(bytes, tx.bytes());
    }

    @Test
    void unsendRewindsEverything() {
        FlowTable flows = FlowTable.of(7);
        TxStream a = new TxStream(0, SizeMix.IMIX, flows, 1, 2), b = new TxStream(0, SizeMix.IMIX, flows, 1, 2);
        byte[] x = new byte[1600], y = new byte[1600];
        MemorySegment mx = MemorySegment.ofArray(x), my = MemorySegment.ofArray(y);
        for (int i = 0; i < 30; i++) a.next(mx, 0, 1);
        a.unsend(17);                                  // only 13 left the port
        for (int i = 0; i < 13; i++) b.next(my, 0, 1);
        assertEquals(b.packets(), a.packets());
        assertEquals(b.bytes(), a.bytes());
        for (int i = 0; i < 40; i++) {                  // and both continue identically
            int la = a.next(mx, 0, 5), lb = b.next(my, 0, 5);
            assertEquals(lb, la);
            assertArrayEquals(java.util.Arrays.copyOf(y, lb), java.util.Arrays.copyOf(x, la));
        }
        assertThrows(IllegalArgumentException.class, () -> a.unsend(1000));
        assertThrows(IllegalArgumentException.class, () -> a.unsend(-1));
    }

    /**
     * fill writes, burst by burst into mbufs, exactly the frames (and data_len/pkt_len) next
     * writes one by one: one size and one flow (the word-copy fast loop), sizes on each side of
     * the word copy's limit and odd tails, and IMIX with many flows.
     */
    @Test
    void fillWritesTheFramesNextWrites() {
        SizeMix odd = SizeMix.weighted("odd", new int[] {64, 65, 66, 67, 131, 132, 133, 1518}, new int[] {1, 1, 1, 1, 1, 1, 1, 1});
        Object[][] cases = {{SizeMix.fixed(64), 1}, {SizeMix.fixed(67), 1}, {SizeMix.fixed(1518), 1}, {odd, 1}, {odd, 3},
                {SizeMix.IMIX, 1000}};
        try (FakeMbufs m = new FakeMbufs(32)) {
            for (Object[] c : cases) {
                SizeMix mix = (SizeMix) c[0];
                FlowTable flows = FlowTable.of((Integer) c[1]);
                TxStream byBurst = new TxStream(3, mix, flows, 1, 2), byFrame = new TxStream(3, mix, flows, 1, 2);
                byte[] want = new byte[1600];
                MemorySegment w = MemorySegment.ofArray(want);
                for (int b = 0; b < 20; b++) {
                    int n = 1 + b % 32;
                    byBurst.fill(m.burst(), n, 1000 + b);
                    for (int i = 0; i < n; i++) {
                        int len = byFrame.next(w, 0, 1000 + b);
                        String what = mix.name() + "/" + flows.size() + " flows, burst " + b + " frame " + i;
                        assertEquals(len, m.dataLen(i), what);
                        assertEquals(len, m.pktLen(i), what);
                        assertArrayEquals(java.util.Arrays.copyOf(want, len), m.dataSegment(i, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), what);
                    }
                    if (b % 5 == 4) {                    // the port took all but 2: both rewind
                        byBurst.unsend(2);
                        byFrame.unsend(2);
                    }
                    assertEquals(byFrame.packets(), byBurst.packets());
                    assertEquals(byFrame.bytes(), byBurst.bytes());
                }
            }
        }
    }
}
