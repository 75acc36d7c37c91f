package io.vswitch.datapath;

import static io.vswitch.datapath.Wire.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What the reflector does to a frame before sending it back: the forwarding
 * modes of testpmd that make sense for a reflector.
 *
 * <pre>
 *   io       send back untouched
 *   macswap  [dst|src|type|...]              -> [src|dst|type|...]
 *   5tswap   macswap, then (behind up to two 802.1Q/802.1ad tags)
 *            IPv4/IPv6 [..|saddr|daddr|..]   -> [..|daddr|saddr|..]
 *            TCP/UDP   [sport|dport|..]      -> [dport|sport|..]
 * </pre>
 *
 * <p>Every operation works on the frame {@code mem[off, off+len)}: in the
 * poll loop {@code mem} is one everything-segment and {@code off} the absolute
 * address of the packet data; in tests {@code mem} wraps a byte array. The
 * operations never read or write outside that range, never throw on any
 * frame content, allocate nothing and keep no state, so any number of lcores
 * may call them at once.
 *
 * <p>5tswap stops at the first header it cannot parse or that does not fit
 * in {@code len} (the headers before it stay swapped): a frame shorter than
 * an Ethernet header is left alone, an IPv4 header with version != 4, IHL &lt; 5
 * or IHL beyond {@code len} stops after the MACs, an L4 header shorter than
 * its minimum (TCP 20 B, UDP 8 B) stops after the addresses. IPv6 extension
 * headers are not walked (as in testpmd): only a TCP/UDP next header has its
 * ports swapped. One deviation from testpmd: a non-first IPv4 fragment
 * (fragment offset != 0) carries no L4 header, so its payload is not touched.
 * Swapping never changes IPv4, TCP or UDP checksums: the one's-complement sum
 * does not depend on the order of the 16-bit words, including the
 * pseudo-header's addresses.
 */
public enum ReflectMode {
    /** Send every frame back as it came. */
    IO("io"),
    /** Swap the Ethernet destination and source addresses. */
    MACSWAP("macswap"),
    /** Swap MAC addresses, IP addresses and TCP/UDP ports (testpmd's 5tswap). */
    FIVE_TUPLE_SWAP("5tswap");

    private final String cliName;

    ReflectMode(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line ({@code io}, {@code macswap}, {@code 5tswap}). */
    public String cliName() {
        return cliName;
    }

    @Override
    public String toString() {
        return cliName;
    }

    /**
     * The mode named {@code name} on the command line.
     *
     * @throws IllegalArgumentException with a message fit to show users
     */
    public static ReflectMode parse(String name) {
        for (ReflectMode m : values()) {
            if (m.cliName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("--mode: '" + name + "' is not a reflector mode (io, macswap or 5tswap)");
    }

    /** Applies this mode to one frame. */
    public void apply(MemorySegment mem, long off, int len) {
        switch (this) {
            case IO -> { }
            case MACSWAP -> macswap(mem, off, len);
            case FIVE_TUPLE_SWAP -> fiveTupleSwap(mem, off, len);
        }
    }

    /**
     * Applies this mode to a burst of frames given by address and length:
     * frame {@code i} is {@code mem[addrs[i], addrs[i]+lens[i])}. The mode is
     * chosen once per burst, not per frame.
     */
    public void applyBurst(MemorySegment mem, long[] addrs, int[] lens, int n) {
        switch (this) {
            case IO -> { }
            case MACSWAP -> {
                for (int i = 0; i < n; i++) {
                    macswap(mem, addrs[i], lens[i]);
                }
            }
            case FIVE_TUPLE_SWAP -> {
                for (int i = 0; i < n; i++) {
                    fiveTupleSwap(mem, addrs[i], lens[i]);
                }
            }
        }
    }

    /**
     * Applies this mode to a burst straight from the mbuf pointer array that
     * {@code rte_eth_rx_burst} filled: {@code n} pointers of 8 bytes at
     * {@code mem[mbufArray]}. For each mbuf the frame is its first segment:
     * address {@code buf_addr + data_off}, length {@code data_len} (a chained
     * mbuf's later segments are not touched; headers are in the first one).
     */
    public void applyMbufs(MemorySegment mem, long mbufArray, int n, MbufFields f) {
        switch (this) {
            case IO -> { }
            case MACSWAP -> {
                for (int i = 0; i < n; i++) {
                    long m = mem.get(ValueLayout.JAVA_LONG_UNALIGNED, mbufArray + 8L * i);
                    long data = mem.get(ValueLayout.JAVA_LONG_UNALIGNED, m + f.bufAddr())
                            + Short.toUnsignedInt(mem.get(ValueLayout.JAVA_SHORT_UNALIGNED, m + f.dataOff()));
                    macswap(mem, data, Short.toUnsignedInt(mem.get(ValueLayout.JAVA_SHORT_UNALIGNED, m + f.dataLen())));
                }
            }
            case FIVE_TUPLE_SWAP -> {
                for (int i = 0; i < n; i++) {
                    long m = mem.get(ValueLayout.JAVA_LONG_UNALIGNED, mbufArray + 8L * i);
                    long data = mem.get(ValueLayout.JAVA_LONG_UNALIGNED, m + f.bufAddr())
                            + Short.toUnsignedInt(mem.get(ValueLayout.JAVA_SHORT_UNALIGNED, m + f.dataOff()));
                    fiveTupleSwap(mem, data, Short.toUnsignedInt(mem.get(ValueLayout.JAVA_SHORT_UNALIGNED, m + f.dataLen())));
                }
            }
        }
    }

    /**
     * Swaps the Ethernet destination and source addresses with one 8-byte and
     * one 4-byte load and store: bytes 0..7 hold dst and the first two bytes
     * of src, bytes 8..11 the rest of src. Frames shorter than 14 bytes are
     * left alone.
     */
    public static void macswap(MemorySegment mem, long off, int len) {
        if (len < ETH_HLEN) {
            return;
        }
        long a = mem.get(BE_LONG, off);                       // d0..d5 s0 s1
        long b = mem.get(BE_INT, off + 8) & 0xFFFF_FFFFL;     // s2..s5
        long dst = a >>> 16;
        long src = ((a & 0xFFFF) << 32) | b;
        mem.set(BE_LONG, off, (src << 16) | (dst >>> 32));
        mem.set(BE_INT, off + 8, (int) dst);
    }

    /**
     * testpmd's 5tswap: swaps MACs, then IPv4/IPv6 addresses, then TCP/UDP
     * ports, stopping at the first header it cannot parse or that does not
     * fit in {@code len}.
     */
    public static void fiveTupleSwap(MemorySegment mem, long off, int len) {
        if (len < ETH_HLEN) {
            return;
        }
        macswap(mem, off, len);
        int l3 = ETH_HLEN;
        int type = Short.toUnsignedInt(mem.get(BE_SHORT, off + ETH_TYPE_OFF));
        for (int tags = 0; tags < 2 && isVlanTpid(type); tags++) {
            if (l3 + VLAN_HLEN > len) {
                return;
            }
            type = Short.toUnsignedInt(mem.get(BE_SHORT, off + l3 + 2));
            l3 += VLAN_HLEN;
        }
        int proto;
        int l4;
        if (type == ETHERTYPE_IPV4) {
            if (l3 + IPV4_MIN_HLEN > len) {
                return;
            }
            int vihl = mem.get(BYTE, off + l3);
            int ihl = (vihl & 0x0F) << 2;
            if ((vihl & 0xF0) != 0x40 || ihl < IPV4_MIN_HLEN || l3 + ihl > len) {
                return;
            }
            long a = off + l3 + 12;                           // saddr; daddr at +16
            long s = mem.get(NATIVE_LONG, a);
            mem.set(NATIVE_LONG, a, Long.rotateLeft(s, 32));
            if ((mem.get(BE_SHORT, off + l3 + 6) & 0x1FFF) != 0) {
                return;                                        // non-first fragment: no L4 header
            }
            proto = Byte.toUnsignedInt(mem.get(BYTE, off + l3 + 9));
            l4 = l3 + ihl;
        } else if (type == ETHERTYPE_IPV6) {
            if (l3 + IPV6_HLEN > len) {
                return;
            }
            long a = off + l3 + 8;                             // saddr 16 B; daddr at +24
            long s0 = mem.get(NATIVE_LONG, a);
            long s1 = mem.get(NATIVE_LONG, a + 8);
            mem.set(NATIVE_LONG, a, mem.get(NATIVE_LONG, a + 16));
            mem.set(NATIVE_LONG, a + 8, mem.get(NATIVE_LONG, a + 24));
            mem.set(NATIVE_LONG, a + 16, s0);
            mem.set(NATIVE_LONG, a + 24, s1);
            proto = Byte.toUnsignedInt(mem.get(BYTE, off + l3 + 6));
            l4 = l3 + IPV6_HLEN;
        } else {
            return;
        }
        int minL4 = proto == IPPROTO_TCP ? TCP_MIN_HLEN : proto == IPPROTO_UDP ? UDP_HLEN : Integer.MAX_VALUE;
        if (minL4 > len - l4) {
            return;
        }
        long p = off + l4;                                     // sport, dport: one int, halves swapped
        mem.set(NATIVE_INT, p, Integer.rotateLeft(mem.get(NATIVE_INT, p), 16));
    }
}
