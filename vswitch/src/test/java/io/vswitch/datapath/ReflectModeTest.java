package io.vswitch.datapath;

import static io.vswitch.datapath.TestFrames.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReflectModeTest {
    static final byte GUARD = (byte) 0xA5;

    /** Places {@code frame} at {@code off} in a buffer with guard bytes on both sides. */
    static byte[] placed(byte[] frame, int off, int guard) {
        byte[] buf = new byte[off + frame.length + guard];
        Arrays.fill(buf, GUARD);
        System.arraycopy(frame, 0, buf, off, frame.length);
        return buf;
    }

    static Stream<Arguments> frames() {
        return Stream.of(
                Arguments.of("IPv4/TCP", ipv4(TCP, 0, 0x4000, 6)),
                Arguments.of("IPv4/UDP", ipv4(UDP, 0, 0, 18)),
                Arguments.of("IPv6/TCP", ipv6(TCP, 10)),
                Arguments.of("IPv6/UDP", ipv6(UDP, 3)),
                Arguments.of("802.1Q IPv4/TCP", ipv4(TCP, 0, 0, 4, 0x8100, 100)),
                Arguments.of("802.1Q IPv6/UDP", ipv6(UDP, 5, 0x8100, 0x2005)),
                Arguments.of("QinQ IPv4/UDP", ipv4(UDP, 0, 0, 9, 0x88A8, 10, 0x8100, 20)),
                Arguments.of("QinQ IPv6/TCP", ipv6(TCP, 0, 0x88A8, 10, 0x8100, 20)),
                Arguments.of("IPv4/ICMP", ipv4(ICMP, 0, 0, 32)),
                Arguments.of("IPv6/ICMPv6", ipv6(ICMPV6, 8)),
                Arguments.of("IPv4 options/TCP", ipv4(TCP, 3, 0, 7)),
                Arguments.of("IPv4 options/UDP", ipv4(UDP, 10, 0, 0)),
                Arguments.of("IPv4 first fragment/UDP", ipv4(UDP, 0, 0x2000, 20)),
                Arguments.of("IPv4 later fragment/UDP", ipv4(UDP, 0, 0x2003, 20)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void fiveTupleSwapSwapsEachHeaderAndKeepsChecksums(String name, Frame f) {
        for (int off : new int[] {0, 7}) {
            byte[] buf = placed(f.bytes(), off, 16);
            MemorySegment mem = MemorySegment.ofArray(buf);
            ReflectMode.fiveTupleSwap(mem, off, f.len());

            byte[] got = Arrays.copyOfRange(buf, off, off + f.len());
            assertArrayEquals(expected5t(f, f.len()), got, name + " at offset " + off);
            assertArrayEquals(MAC_A, Arrays.copyOfRange(got, 0, 6), "dst is the old src");
            assertArrayEquals(MAC_B, Arrays.copyOfRange(got, 6, 12), "src is the old dst");
            if (f.v6()) {
                assertArrayEquals(IP6_B, Arrays.copyOfRange(got, f.l3() + 8, f.l3() + 24));
                assertArrayEquals(IP6_A, Arrays.copyOfRange(got, f.l3() + 24, f.l3() + 40));
            } else {
                assertArrayEquals(IP4_B, Arrays.copyOfRange(got, f.l3() + 12, f.l3() + 16));
                assertArrayEquals(IP4_A, Arrays.copyOfRange(got, f.l3() + 16, f.l3() + 20));
            }
            int l4 = f.l3End();
            if (f.l4() >= 0) {
                assertEquals(get16(f.bytes(), l4 + 2), get16(got, 0 + l4), "sport is the old dport");
                assertEquals(get16(f.bytes(), l4), get16(got, l4 + 2), "dport is the old sport");
            } else {
                assertArrayEquals(Arrays.copyOfRange(f.bytes(), l4, f.len()), Arrays.copyOfRange(got, l4, f.len()),
                        "no ports: L4 untouched");
            }
            assertTrue(checksumsValid(f.bytes(), 0, f), "built checksums valid");
            assertTrue(checksumsValid(buf, off, f), "checksums still valid after swap");
            for (int i = 0; i < off; i++) {
                assertEquals(GUARD, buf[i], "guard before frame");
            }
            for (int i = off + f.len(); i < buf.length; i++) {
                assertEquals(GUARD, buf[i], "guard after frame");
            }

            ReflectMode.fiveTupleSwap(mem, off, f.len());
            assertArrayEquals(f.bytes(), Arrays.copyOfRange(buf, off, off + f.len()), "swapping twice restores");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void truncatedFramesAreSwappedOnlyAsFarAsTheyParse(String name, Frame f) {
        for (int off : new int[] {0, 5}) {
            for (int len = 0; len <= f.len(); len++) {
                // the whole original frame sits in memory; bytes from len on act as the guard
                byte[] buf = placed(f.bytes(), off, 8);
                byte[] before = buf.clone();
                ReflectMode.fiveTupleSwap(MemorySegment.ofArray(buf), off, len);
                byte[] want = expected5t(f, len);
                assertArrayEquals(Arrays.copyOfRange(want, 0, len), Arrays.copyOfRange(buf, off, off + len),
                        name + " len " + len + " off " + off);
                assertArrayEquals(Arrays.copyOfRange(before, off + len, buf.length),
                        Arrays.copyOfRange(buf, off + len, buf.length), name + ": wrote beyond len " + len);
                assertArrayEquals(Arrays.copyOfRange(before, 0, off), Arrays.copyOfRange(buf, 0, off));
            }
        }
    }

    @Test
    void truncationMustNotBeReadBeyondLen() {
        // A segment exactly len bytes long: any access beyond len would throw IndexOutOfBoundsException.
        for (var a : frames().toList()) {
            Frame f = (Frame) a.get()[1];
            for (int len = 0; len <= f.len(); len++) {
                byte[] exact = Arrays.copyOf(f.bytes(), len);
                ReflectMode.fiveTupleSwap(MemorySegment.ofArray(exact), 0, len);
                ReflectMode.macswap(MemorySegment.ofArray(exact), 0, len);
            }
        }
    }

    @Test
    void macswapSwapsOnlyTheAddresses() {
        Frame f = ipv4(TCP, 0, 0, 10);
        for (int off : new int[] {0, 1, 3, 7, 64}) {
            byte[] buf = placed(f.bytes(), off, 16);
            ReflectMode.macswap(MemorySegment.ofArray(buf), off, f.len());
            assertArrayEquals(MAC_A, Arrays.copyOfRange(buf, off, off + 6));
            assertArrayEquals(MAC_B, Arrays.copyOfRange(buf, off + 6, off + 12));
            assertArrayEquals(Arrays.copyOfRange(f.bytes(), 12, f.len()), Arrays.copyOfRange(buf, off + 12, off + f.len()));
            for (int i = 0; i < off; i++) {
                assertEquals(GUARD, buf[i]);
            }
            for (int i = off + f.len(); i < buf.length; i++) {
                assertEquals(GUARD, buf[i]);
            }
        }
    }

    @Test
    void macswapWithDistinctBytesEverywhere() {
        byte[] b = new byte[14];
        for (int i = 0; i < 14; i++) {
            b[i] = (byte) (0x81 + i);                                   // high bits set: no sign surprises
        }
        ReflectMode.macswap(MemorySegment.ofArray(b), 0, 14);
        assertArrayEquals(new byte[] {(byte) 0x87, (byte) 0x88, (byte) 0x89, (byte) 0x8a, (byte) 0x8b, (byte) 0x8c,
            (byte) 0x81, (byte) 0x82, (byte) 0x83, (byte) 0x84, (byte) 0x85, (byte) 0x86, (byte) 0x8d, (byte) 0x8e}, b);
    }

    @Test
    void framesShorterThanAnEthernetHeaderAreLeftAlone() {
        for (int len = 0; len < 14; len++) {
            byte[] b = new byte[20];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) i;
            }
            byte[] before = b.clone();
            ReflectMode.macswap(MemorySegment.ofArray(b), 0, len);
            ReflectMode.fiveTupleSwap(MemorySegment.ofArray(b), 0, len);
            assertArrayEquals(before, b, "len " + len);
        }
    }

    @Test
    void unparsableHeadersStopTheSwap() {
        // IHL 4 (< 5): only the MACs
        Frame f = ipv4(TCP, 0, 0, 10);
        byte[] b = f.bytes().clone();
        b[f.l3()] = 0x44;
        byte[] want = b.clone();
        swapRange(want, 0, 6, 6);
        ReflectMode.fiveTupleSwap(MemorySegment.ofArray(b), 0, b.length);
        assertArrayEquals(want, b, "IHL < 5");

        // IHL 15 reaching beyond len: only the MACs
        b = f.bytes().clone();
        b[f.l3()] = 0x4F;
        b = Arrays.copyOf(b, f.l3() + 40);
        want = b.clone();
        swapRange(want, 0, 6, 6);
        ReflectMode.fiveTupleSwap(MemorySegment.ofArray(b), 0, b.length);
        assertArrayEquals(want, b, "IHL beyond len");

        // version 6 in an IPv4 ethertype: only the MACs
        b = f.bytes().clone();
        b[f.l3()] = 0x65;
        want = b.clone();
        swapRange(want, 0, 6, 6);
        ReflectMode.fiveTupleSwap(MemorySegment.ofArray(b), 0, b.length);
        assertArrayEquals(want, b, "bad version");

        // ARP: only the MACs
        byte[] arp = Arrays.copyOf(eth(MAC_B, MAC_A, 0x0806), 42);
        want = arp.clone();
        swapRange(want, 0, 6, 6);
        ReflectMode.fiveTupleSwap(MemorySegment.ofArray(arp), 0, arp.length);
        assertArrayEquals(want, arp, "ARP");

        // three VLAN tags: only two are walked, so the third "ethertype" is a TPID: only the MACs
        Frame t3 = ipv4(UDP, 0, 0, 8, 0x88A8, 1, 0x8100, 2, 0x8100, 3);
        b = t3.bytes().clone();
        want = b.clone();
        swapRange(want, 0, 6, 6);
        ReflectMode.fiveTupleSwap(MemorySegment.ofArray(b), 0, b.length);
        assertArrayEquals(want, b, "three tags");

        // IPv6 with a hop-by-hop extension header: addresses, not ports
        Frame v6 = ipv6(UDP, 16);
        b = v6.bytes().clone();
        b[v6.l3() + 6] = 0;
        want = b.clone();
        swapRange(want, 0, 6, 6);
        swapRange(want, v6.l3() + 8, v6.l3() + 24, 16);
        ReflectMode.fiveTupleSwap(MemorySegment.ofArray(b), 0, b.length);
        assertArrayEquals(want, b, "IPv6 extension header");
    }

    @Test
    void ioLeavesFramesAlone() {
        Frame f = ipv6(TCP, 4);
        byte[] b = f.bytes().clone();
        ReflectMode.IO.apply(MemorySegment.ofArray(b), 0, b.length);
        assertArrayEquals(f.bytes(), b);
    }

    @Test
    void applyBurstAppliesTheModeToEveryFrame() {
        List<Frame> fs = List.of(ipv4(TCP, 0, 0, 3), ipv6(UDP, 9), ipv4(UDP, 2, 0, 1, 0x8100, 7), ipv4(ICMP, 0, 0, 0));
        for (ReflectMode mode : ReflectMode.values()) {
            byte[] buf = new byte[4096];
            long[] addrs = new long[fs.size()];
            int[] lens = new int[fs.size()];
            int at = 3;
            for (int i = 0; i < fs.size(); i++) {
                addrs[i] = at;
                lens[i] = fs.get(i).len();
                System.arraycopy(fs.get(i).bytes(), 0, buf, at, lens[i]);
                at += lens[i] + 5;
            }
            mode.applyBurst(MemorySegment.ofArray(buf), addrs, lens, fs.size());
            for (int i = 0; i < fs.size(); i++) {
                Frame f = fs.get(i);
                byte[] want = switch (mode) {
                    case IO -> f.bytes();
                    case MACSWAP -> { byte[] w = f.bytes().clone(); swapRange(w, 0, 6, 6); yield w; }
                    case FIVE_TUPLE_SWAP -> expected5t(f, f.len());
                };
                assertArrayEquals(want, Arrays.copyOfRange(buf, (int) addrs[i], (int) addrs[i] + lens[i]), mode + " frame " + i);
            }
        }
    }

    @Test
    void applyMbufsFindsFramesThroughMbufFields() {
        // Fake mbufs in one segment, laid out as DPDK 22.11's: buf_addr @0, data_off @16, data_len @40.
        List<Frame> fs = List.of(ipv4(UDP, 0, 0, 10), ipv6(TCP, 2), ipv4(TCP, 0, 0, 0));
        MbufFields mf = MbufFields.DPDK_22_11;
        for (ReflectMode mode : ReflectMode.values()) {
            byte[] buf = new byte[8192];
            MemorySegment mem = MemorySegment.ofArray(buf);
            long ptrArray = 8;                                   // the rx_pkts[] array
            for (int i = 0; i < fs.size(); i++) {
                long mbuf = 256 + 1024L * i;
                long bufAddr = mbuf + 128;
                int dataOff = 128 + i;                           // odd headroom: unaligned data
                mem.set(ValueLayout.JAVA_LONG_UNALIGNED, ptrArray + 8L * i, mbuf);
                mem.set(ValueLayout.JAVA_LONG_UNALIGNED, mbuf + mf.bufAddr(), bufAddr);
                mem.set(ValueLayout.JAVA_SHORT_UNALIGNED, mbuf + mf.dataOff(), (short) dataOff);
                mem.set(ValueLayout.JAVA_SHORT_UNALIGNED, mbuf + mf.dataLen(), (short) fs.get(i).len());
                System.arraycopy(fs.get(i).bytes(), 0, buf, (int) bufAddr + dataOff, fs.get(i).len());
            }
            mode.applyMbufs(mem, ptrArray, fs.size(), mf);
            for (int i = 0; i < fs.size(); i++) {
                Frame f = fs.get(i);
                int at = 256 + 1024 * i + 128 + 128 + i;
                byte[] want = switch (mode) {
                    case IO -> f.bytes();
                    case MACSWAP -> { byte[] w = f.bytes().clone(); swapRange(w, 0, 6, 6); yield w; }
                    case FIVE_TUPLE_SWAP -> expected5t(f, f.len());
                };
                assertArrayEquals(want, Arrays.copyOfRange(buf, at, at + f.len()), mode + " mbuf " + i);
            }
        }
    }

    @Test
    void modeNamesParseAndBadNamesSayWhatIsValid() {
        assertEquals(ReflectMode.IO, ReflectMode.parse("io"));
        assertEquals(ReflectMode.MACSWAP, ReflectMode.parse("macswap"));
        assertEquals(ReflectMode.FIVE_TUPLE_SWAP, ReflectMode.parse("5tswap"));
        assertEquals("5tswap", ReflectMode.FIVE_TUPLE_SWAP.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> ReflectMode.parse("mac"));
        assertEquals("--mode: 'mac' is not a reflector mode (io, macswap or 5tswap)", e.getMessage());
    }
}
