package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Frame building and parsing: lengths and a valid IPv4 header checksum at every size 64..1518, flow variation, foreign frames, IMIX. */
class FrameTemplateTest {

    /** Independent reference: RFC 1071 checksum over a byte array, computed the slow way. */
    static int refChecksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = 0; i < len; i += 2) sum += ((b[off + i] & 0xFF) << 8) | (b[off + i + 1] & 0xFF);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >>> 16);
        return ~sum & 0xFFFF;
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    static int u32(byte[] b, int off) {
        return (u16(b, off) << 16) | u16(b, off + 2);
    }

    @Test
    void everySizeBuildsAValidFrame() {
        FlowTable flows = FlowTable.of(1);
        for (int size = Frame.MIN_SIZE; size <= Frame.MAX_SIZE; size++) {
            FrameTemplate t = new FrameTemplate(size, 3, FrameTemplate.DEFAULT_SRC_MAC, FrameTemplate.DEFAULT_DST_MAC, flows);
            assertEquals(size - 4, t.dataLen());
            byte[] buf = new byte[t.dataLen() + 16];
            MemorySegment mem = MemorySegment.ofArray(buf);
            t.write(mem, 8, 0, 0x0102030405060708L, 0x1122334455667788L);
            int ip = 8 + 14;
            assertEquals(0x0800, u16(buf, 8 + 12));
            assertEquals(0x45, buf[ip] & 0xFF);
            assertEquals(size - 4 - 14, u16(buf, ip + 2), "IPv4 total length at size " + size);
            assertEquals(3, u16(buf, ip + 4), "stream id in IPv4 id");
            assertEquals(0x4000, u16(buf, ip + 6), "DF");
            assertEquals(64, buf[ip + 8] & 0xFF);
            assertEquals(17, buf[ip + 9] & 0xFF);
            assertEquals(0, refChecksum(buf, ip, 20), "IPv4 header checksum at size " + size);
            assertEquals(size - 4 - 34, u16(buf, 8 + 38), "UDP length at size " + size);
            assertEquals(0, u16(buf, 8 + 40), "UDP checksum 0 (none)");
            assertEquals(0x5647, u16(buf, 8 + 42));
            assertEquals(0x0102030405060708L, u64(buf, 8 + 44));
            assertEquals(0x1122334455667788L, u64(buf, 8 + 52));
            assertEquals(0, buf[7], "nothing written before the frame");
            for (int i = 8 + t.dataLen(); i < buf.length; i++) assertEquals(0, buf[i], "nothing written past data_len");
            assertEquals(3, Frame.parse(mem, 8, t.dataLen()));
            assertEquals(0x0102030405060708L, Frame.seq(mem, 8));
            assertEquals(0x1122334455667788L, Frame.txTsc(mem, 8));
            assertEquals(3, Frame.stream(mem, 8));
        }
    }

    @Test
    void macsAndDefaultAddressesAreWritten() {
        FrameTemplate t = new FrameTemplate(64, 0, 0x0A0B0C0D0E0FL, 0x112233445566L, FlowTable.of(4));
        byte[] b = new byte[60];
        t.write(MemorySegment.ofArray(b), 0, 2, 1, 2);
        assertArrayEquals(new byte[] {0x11, 0x22, 0x33, 0x44, 0x55, 0x66}, java.util.Arrays.copyOfRange(b, 0, 6));
        assertArrayEquals(new byte[] {0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F}, java.util.Arrays.copyOfRange(b, 6, 12));
        assertEquals("10.0.0.3", FlowTable.ipToString(u32(b, 26)));
        assertEquals("10.1.0.3", FlowTable.ipToString(u32(b, 30)));
        assertEquals(1026, u16(b, 34));
        assertEquals(5003, u16(b, 36));
    }

    @Test
    void flowsVaryAllFourFieldsAndChecksumsStayValid() {
        int n = 5000;
        FlowTable flows = FlowTable.of(n);
        for (int size : new int[] {64, 65, 576, 1518}) {
            FrameTemplate t = new FrameTemplate(size, 1, 1, 2, flows);
            byte[] b = new byte[t.dataLen()];
            MemorySegment mem = MemorySegment.ofArray(b);
            Set<Long> tuples = new HashSet<>();
            Set<Integer> src = new HashSet<>(), dst = new HashSet<>(), sp = new HashSet<>(), dp = new HashSet<>();
            int f = 0;
            for (int i = 0; i < 2 * n; i++) {
                t.write(mem, 0, f, i, i * 7L);
                assertEquals(0, refChecksum(b, 14, 20), "flow " + f);
                assertEquals(1, Frame.parse(mem, 0, b.length));
                assertEquals(i, Frame.seq(mem, 0));
                tuples.add(((long) u32(b, 26) << 32) ^ ((long) u32(b, 30) << 8) ^ ((long) u16(b, 34) << 16) ^ u16(b, 36));
                src.add(u32(b, 26)); dst.add(u32(b, 30)); sp.add(u16(b, 34)); dp.add(u16(b, 36));
                f = flows.next(f);
            }
            assertEquals(0, f, "cycled twice");
            assertEquals(n, tuples.size());
            assertEquals(n, src.size());
            assertEquals(n, dst.size());
            assertEquals(n, sp.size());
            assertEquals(n, dp.size());
        }
    }

    @Test
    void portsStayInRangeAtTheLargestFlowCount() {
        FlowTable flows = FlowTable.of(FlowTable.MAX_FLOWS);
        for (int f = 0; f < flows.size(); f += 997) {
            assertTrue(flows.srcPort(f) >= 1024 && flows.srcPort(f) <= 65535);
            assertTrue(flows.dstPort(f) >= 5001 && flows.dstPort(f) <= 65535);
        }
        // Worst case for the checksum fold: addresses with all-ones words.
        FlowTable ones = new FlowTable(2, 0xFFFFFFFE, 0xFFFFFFFE, 65535, 65535);
        FrameTemplate t = new FrameTemplate(1518, 0xFFFF, -1L, -1L, ones);
        byte[] b = new byte[t.dataLen()];
        for (int f = 0; f < 2; f++) {
            t.write(MemorySegment.ofArray(b), 0, f, -1, -1);
            assertEquals(0, refChecksum(b, 14, 20));
            assertEquals(0xFFFF, Frame.parse(MemorySegment.ofArray(b), 0, b.length));
        }
    }

    @Test
    void stampAloneMatchesAFullWrite() {
        FlowTable flows = FlowTable.of(10);
        FrameTemplate t = new FrameTemplate(128, 2, 5, 6, flows);
        byte[] a = new byte[124], b = new byte[124];
        t.write(MemorySegment.ofArray(a), 0, 0, 1, 1);
        t.stamp(MemorySegment.ofArray(a), 0, 7, 99, 1234);
        t.write(MemorySegment.ofArray(b), 0, 7, 99, 1234);
        assertArrayEquals(b, a);
    }

    @Test
    void withOneFlowAWriteIsStillAFullyStampedFrame() {
        for (int size : new int[] {64, 333, 1518}) {
            FrameTemplate t = new FrameTemplate(size, 4, 5, 6, FlowTable.of(1));
            byte[] a = new byte[t.dataLen()], b = new byte[t.dataLen()];
            java.util.Arrays.fill(a, (byte) 0x5A);
            t.write(MemorySegment.ofArray(a), 0, 0, 0x1122334455667788L, 0x0102030405060708L);
            t.write(MemorySegment.ofArray(b), 0, 0, 1, 2);
            t.stamp(MemorySegment.ofArray(b), 0, 0, 0x1122334455667788L, 0x0102030405060708L);
            assertArrayEquals(b, a, size + " B");
            assertEquals(0x1122334455667788L, u64(a, Frame.OFF_SEQ));
            assertEquals(0x0102030405060708L, u64(a, Frame.OFF_TSC));
            assertEquals(0, refChecksum(a, Frame.OFF_IP, 20), "IPv4 header checksum valid");
        }
    }

    @Test
    void foreignAndDamagedFramesAreRejected() {
        FrameTemplate t = new FrameTemplate(64, 0, 1, 2, FlowTable.of(1));
        byte[] ok = new byte[60];
        t.write(MemorySegment.ofArray(ok), 0, 0, 5, 6);
        assertEquals(0, Frame.parse(MemorySegment.ofArray(ok), 0, 60));
        assertEquals(Frame.NOT_OURS, Frame.parse(MemorySegment.ofArray(ok), 0, 59), "shorter than the stamp");

        byte[] arp = new byte[60];
        arp[12] = 0x08; arp[13] = 0x06;
        assertEquals(Frame.NOT_OURS, Frame.parse(MemorySegment.ofArray(arp), 0, 60));
        assertEquals(Frame.NOT_OURS, Frame.parse(MemorySegment.ofArray(new byte[60]), 0, 60), "all zeros");

        for (int[] damage : List.of(new int[] {14, 0x46}, new int[] {23, 6}, new int[] {42, 0x00}, new int[] {43, 0x48},
                new int[] {16, 0x7F})) {
            byte[] b = ok.clone();
            b[damage[0]] = (byte) damage[1];
            assertEquals(Frame.NOT_OURS, Frame.parse(MemorySegment.ofArray(b), 0, 60), "byte " + damage[0]);
        }
        byte[] shortIp = ok.clone();
        shortIp[16] = 0; shortIp[17] = 40; // IPv4 total length too short to hold the stamp
        assertEquals(Frame.NOT_OURS, Frame.parse(MemorySegment.ofArray(shortIp), 0, 60));
        // A padded frame (data longer than the IPv4 length says) is still ours.
        byte[] padded = java.util.Arrays.copyOf(ok, 80);
        assertEquals(0, Frame.parse(MemorySegment.ofArray(padded), 0, 80));
    }

    @Test
    void badArgumentsAreRejected() {
        FlowTable f = FlowTable.of(1);
        assertThrows(IllegalArgumentException.class, () -> new FrameTemplate(63, 0, 1, 2, f));
        assertThrows(IllegalArgumentException.class, () -> new FrameTemplate(1519, 0, 1, 2, f));
        assertThrows(IllegalArgumentException.class, () -> new FrameTemplate(64, 65536, 1, 2, f));
        assertThrows(IllegalArgumentException.class, () -> FlowTable.of(0));
        assertThrows(IllegalArgumentException.class, () -> FlowTable.of(FlowTable.MAX_FLOWS + 1));
    }

    @Test
    void imixIsSevenFourOneSpreadOverTwelve() {
        SizeMix m = SizeMix.IMIX;
        assertArrayEquals(new int[] {64, 576, 1500}, m.sizes());
        assertEquals(12, m.cycleLength());
        List<Integer> c = m.cycle();
        assertEquals(7, c.stream().filter(x -> x == 64).count());
        assertEquals(4, c.stream().filter(x -> x == 576).count());
        assertEquals(1, c.stream().filter(x -> x == 1500).count());
        assertEquals((7 * 64 + 4 * 576 + 1500) / 12.0, m.averageSize(), 1e-9);
        int run = 0, longest = 0;
        for (int i = 0; i < 24; i++) {
            run = c.get(i % 12) == 64 ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        assertTrue(longest <= 3, "small frames interleaved, longest run " + longest);
        assertEquals(64, SizeMix.fixed(64).averageSize());
        assertEquals(0, SizeMix.fixed(64).sizeIndexAt(0));
    }
}
