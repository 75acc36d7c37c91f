package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import io.vswitch.testutil.FakeMbufs;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TxStream#fill} against a reference: a straightforward frame builder written here from
 * {@link Frame}'s documented layout, field by field, with the IPv4 checksum summed over the
 * header (no template, no precomputed sums). Frame {@code k} of a stream carries sequence
 * number {@code k}, the size at position {@code k % cycle} of the mix and flow
 * {@code k % flows}; {@code unsend} rewinds all three. Each case runs bursts of 1..32 frames,
 * some of them partly taken back, over several turns of the flows and of the size cycle, and
 * checks every byte, data_len, pkt_len and the byte count; each case twice, with the per
 * (size, flow) header rows precomputed and without them (the loop that folds the checksum).
 */
class TxStreamReferenceTest {
    static final long SRC_MAC = 0x020000000001L, DST_MAC = 0x0A0B0C0D0E0FL;

    /** Flows as {@link FlowTable} defines them, computed again here. */
    record Flows(int count, int srcIp, int dstIp, int srcPort, int dstPort) {
        FlowTable table() {
            return new FlowTable(count, srcIp, dstIp, srcPort, dstPort);
        }
    }

    /** The frame with sequence number {@code seq}, built byte by byte. */
    static byte[] reference(SizeMix mix, Flows fl, int stream, long seq, long tsc) {
        int size = mix.cycle().get((int) (seq % mix.cycleLength()));
        int f = (int) (seq % fl.count());
        int span = 65536 - Math.max(fl.srcPort(), fl.dstPort());
        int srcIp = fl.srcIp() + f, dstIp = fl.dstIp() + f;
        int sport = fl.srcPort() + f % span, dport = fl.dstPort() + f % span;
        byte[] b = new byte[size - 4];
        for (int i = 60; i < b.length; i++) b[i] = (byte) i;       // payload pattern
        put(b, 0, DST_MAC, 6);
        put(b, 6, SRC_MAC, 6);
        put(b, 12, 0x0800, 2);
        b[14] = 0x45;
        put(b, 16, b.length - 14, 2);                                // IPv4 total length
        put(b, 18, stream, 2);                                       // identification: the stream
        put(b, 20, 0x4000, 2);                                       // DF
        b[22] = 64;                                                  // TTL
        b[23] = 17;                                                  // UDP
        put(b, 26, srcIp, 4);
        put(b, 30, dstIp, 4);
        put(b, 24, FrameTemplateTest.refChecksum(b, 14, 20), 2);
        put(b, 34, sport, 2);
        put(b, 36, dport, 2);
        put(b, 38, b.length - 34, 2);                                // UDP length; checksum 0
        put(b, 42, 0x5647, 2);
        put(b, 44, seq, 8);
        put(b, 52, tsc, 8);
        return b;
    }

    static void put(byte[] b, int off, long v, int n) {
        for (int i = 0; i < n; i++) b[off + i] = (byte) (v >>> (8 * (n - 1 - i)));
    }

    @Test
    void fillWritesTheReferenceFrames() {
        Flows one = new Flows(1, FlowTable.DEFAULT_SRC_IP, FlowTable.DEFAULT_DST_IP, 1024, 5001);
        Flows seven = new Flows(7, FlowTable.DEFAULT_SRC_IP, FlowTable.DEFAULT_DST_IP, 1024, 5001);
        Flows flowgen = new Flows(1024, FlowTable.DEFAULT_SRC_IP, FlowTable.DEFAULT_DST_IP, 1024, 5001);
        // Addresses that wrap past 255.255.255.255 and all-ones words (the checksum's carries),
        // ports near 65535 (a short span, so ports wrap before the addresses do).
        Flows edges = new Flows(300, 0xFFFFFF80, 0xFFFEFFF0, 65500, 65470);
        // At 99 B, flows 204 and 205 have header sums whose first fold carries again.
        Flows twoCarries = new Flows(512, 0xFFFFFF00, 0xFFFF3A00, 1024, 5001);
        SizeMix odd = SizeMix.weighted("odd", new int[] {64, 65, 67, 131, 1518}, new int[] {3, 1, 1, 2, 1});
        SizeMix two = SizeMix.weighted("two", new int[] {1518, 64}, new int[] {1, 2});
        List<Object[]> cases = List.of(
                new Object[] {SizeMix.fixed(64), one}, new Object[] {SizeMix.fixed(64), seven},
                new Object[] {SizeMix.fixed(64), flowgen}, new Object[] {SizeMix.fixed(1518), flowgen},
                new Object[] {SizeMix.fixed(99), edges},
                new Object[] {SizeMix.fixed(99), twoCarries}, new Object[] {SizeMix.IMIX, one},
                new Object[] {SizeMix.IMIX, seven}, new Object[] {SizeMix.IMIX, flowgen},
                new Object[] {odd, one}, new Object[] {odd, edges}, new Object[] {two, seven});
        int secondCarries = 0;
        try (FakeMbufs m = new FakeMbufs(32)) {
            for (int maxRows : new int[] {TxStream.DEFAULT_HEADER_ROWS, 0})
            for (Object[] c : cases) {
                SizeMix mix = (SizeMix) c[0];
                Flows fl = (Flows) c[1];
                TxStream tx = new TxStream(5, mix, fl.table(), SRC_MAC, DST_MAC, maxRows);
                long seq = 0, bytes = 0;
                for (int b = 0; b < 200; b++) {
                    int n = 1 + (b * 7) % 32;
                    long tsc = 0x1234_5678_9000L + b;
                    tx.fill(m.burst(), n, tsc);
                    int kept = b % 5 == 4 ? n - Math.min(n, 3) : n; // now and then the port takes all but 3
                    for (int i = 0; i < n; i++) {
                        byte[] want = reference(mix, fl, 5, seq + i, tsc);
                        String what = mix.name() + ", " + fl.count() + " flows, " + (maxRows == 0 ? "folding" : "header rows")
                                + ", burst " + b + ", frame " + i;
                        assertEquals(want.length, m.dataLen(i), what);
                        assertEquals(want.length, m.pktLen(i), what);
                        byte[] got = m.dataSegment(i, want.length).toArray(ValueLayout.JAVA_BYTE);
                        if (!Arrays.equals(want, got))
                            fail(what + ": first difference at byte " + Arrays.mismatch(want, got));
                        assertEquals(0, FrameTemplateTest.refChecksum(got, 14, 20), what);
                        if (i < kept) bytes += want.length + 4;
                        if (foldsTwice(want)) secondCarries++;
                    }
                    if (kept < n) tx.unsend(n - kept);
                    seq += kept;
                    assertEquals(seq, tx.packets());
                    assertEquals(bytes, tx.bytes());
                }
            }
        }
        assertTrue(secondCarries > 0, "some frame's checksum needs the fold's second carry");
    }

    /** Whether the IPv4 header sum (checksum field as zero) still carries after one fold. */
    static boolean foldsTwice(byte[] b) {
        int sum = 0;
        for (int i = 14; i < 34; i += 2) if (i != 24) sum += FrameTemplateTest.u16(b, i);
        return (sum & 0xFFFF) + (sum >>> 16) > 0xFFFF;
    }
}
