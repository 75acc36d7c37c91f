package io.vswitch.gen;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Wire layout of the generator's Ethernet/IPv4/UDP test frames, and the allocation-free
 * parser the RX side uses to recognise them.
 *
 * <h2>Sizes</h2>
 * A frame <em>size</em> follows the testpmd/pktgen/RFC 2544 convention: it counts the whole
 * Ethernet frame <em>including</em> the 4-byte FCS that the NIC (or vhost) appends. The bytes we
 * write into the mbuf, DPDK's {@code data_len}, are therefore {@code size - 4}: a "64 B" frame is
 * 60 bytes of data. Sizes range over {@value #MIN_SIZE}..{@value #MAX_SIZE}.
 *
 * <h2>Layout (byte offsets from the start of packet data)</h2>
 * <pre>
 *  0  dst MAC (6)            6  src MAC (6)           12 ethertype 0x0800
 * 14  IPv4: 0x45, tos 0, total length = size-4-14, id = stream id, flags DF, ttl 64, proto 17,
 *     header checksum (24), src IP (26), dst IP (30)       -- always IHL 5, no options
 * 34  UDP: src port (34), dst port (36), length = size-4-34, checksum 0 (38..42)
 * 42  payload: magic 0x5647 "VG" (u16) | 44 sequence number (u64) | 52 TX TSC (u64) | 60.. fill
 * </pre>
 * All fields are big-endian (network order), including the sequence number and timestamp, so a
 * packet capture shows them readably. The 18 bytes of signature, sequence and timestamp exactly
 * fill the payload of a 64-byte frame. The stream id (the generator's TX queue) lives in the IPv4
 * identification field, which is free to use because every frame has DF set and is never
 * fragmented (RFC 6864). The UDP checksum is 0, "no checksum", which RFC 768 allows for IPv4; it
 * spares a per-packet sum over the payload, and reflectors that swap addresses and ports
 * (5tswap) keep the frames valid without fixing it up.
 *
 * <h2>Recognising our frames</h2>
 * {@link #parse} accepts a frame when it is IPv4 (ethertype 0x0800, IHL 5) carrying UDP, its IPv4
 * total length fits in the received data, it is long enough to hold the payload stamp, and the
 * payload starts with the magic. Anything else (ARP, IPv6 neighbour discovery, LLDP, another
 * tool's traffic) is "foreign". The checks only read memory; nothing allocates.
 */
public final class Frame {
    private Frame() {}

    /** Smallest frame size in bytes, FCS included. */
    public static final int MIN_SIZE = 64;
    /** Largest (untagged, non-jumbo) frame size in bytes, FCS included. */
    public static final int MAX_SIZE = 1518;
    /** Bytes of FCS counted in a frame size but not written into the mbuf. */
    public static final int FCS_LEN = 4;
    /** Preamble (7) + start-of-frame delimiter (1) + minimum inter-frame gap (12), per frame on the wire. */
    public static final int WIRE_OVERHEAD = 20;

    /** Offset of the Ethernet destination MAC. */
    public static final int OFF_DST_MAC = 0;
    /** Offset of the Ethernet source MAC. */
    public static final int OFF_SRC_MAC = 6;
    /** Offset of the ethertype. */
    public static final int OFF_ETHERTYPE = 12;
    /** Offset of the IPv4 header. */
    public static final int OFF_IP = 14;
    /** Offset of the IPv4 total length. */
    public static final int OFF_IP_TOTAL_LEN = 16;
    /** Offset of the IPv4 identification field, which carries the stream id. */
    public static final int OFF_IP_ID = 18;
    /** Offset of the IPv4 protocol byte. */
    public static final int OFF_IP_PROTO = 23;
    /** Offset of the IPv4 header checksum. */
    public static final int OFF_IP_CSUM = 24;
    /** Offset of the IPv4 source address. */
    public static final int OFF_IP_SRC = 26;
    /** Offset of the IPv4 destination address. */
    public static final int OFF_IP_DST = 30;
    /** Offset of the UDP header (and of its source port). */
    public static final int OFF_UDP = 34;
    /** Offset of the UDP destination port. */
    public static final int OFF_UDP_DPORT = 36;
    /** Offset of the UDP length. */
    public static final int OFF_UDP_LEN = 38;
    /** Offset of the UDP checksum (always 0). */
    public static final int OFF_UDP_CSUM = 40;
    /** Offset of the payload magic (u16). */
    public static final int OFF_MAGIC = 42;
    /** Offset of the 64-bit sequence number. */
    public static final int OFF_SEQ = 44;
    /** Offset of the 64-bit TX timestamp (TSC ticks). */
    public static final int OFF_TSC = 52;
    /** Bytes of data needed to carry the stamp: the data length of a 64-byte frame. */
    public static final int MIN_DATA_LEN = 60;

    /** Payload signature, "VG". */
    public static final short MAGIC = 0x5647;
    /** Ethertype IPv4. */
    public static final short ETHERTYPE_IPV4 = 0x0800;
    /** IP protocol number of UDP. */
    public static final byte PROTO_UDP = 17;
    /** Returned by {@link #parse} for a frame that is not ours. */
    public static final int NOT_OURS = -1;

    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Data length written into the mbuf for a frame of {@code size} bytes (FCS excluded). */
    public static int dataLen(int size) {
        return size - FCS_LEN;
    }

    /**
     * Checks whether the {@code dataLen} bytes at {@code mem[off..]} are one of our frames.
     *
     * @return the stream id (0..65535) carried by the frame, or {@link #NOT_OURS}
     */
    public static int parse(MemorySegment mem, long off, int dataLen) {
        if (dataLen < MIN_DATA_LEN) return NOT_OURS;
        if (mem.get(BE16, off + OFF_ETHERTYPE) != ETHERTYPE_IPV4) return NOT_OURS;
        if (mem.get(U8, off + OFF_IP) != 0x45) return NOT_OURS;
        if (mem.get(U8, off + OFF_IP_PROTO) != PROTO_UDP) return NOT_OURS;
        if (mem.get(BE16, off + OFF_MAGIC) != MAGIC) return NOT_OURS;
        int ipLen = Short.toUnsignedInt(mem.get(BE16, off + OFF_IP_TOTAL_LEN));
        if (ipLen + OFF_IP > dataLen || ipLen < OFF_SEQ + 16 - OFF_IP) return NOT_OURS;
        return Short.toUnsignedInt(mem.get(BE16, off + OFF_IP_ID));
    }

    /** Sequence number of a frame {@link #parse} accepted. */
    public static long seq(MemorySegment mem, long off) {
        return mem.get(BE64, off + OFF_SEQ);
    }

    /** TX timestamp (TSC ticks) of a frame {@link #parse} accepted. */
    public static long txTsc(MemorySegment mem, long off) {
        return mem.get(BE64, off + OFF_TSC);
    }

    /** Stream id (IPv4 identification) of a frame {@link #parse} accepted. */
    public static int stream(MemorySegment mem, long off) {
        return Short.toUnsignedInt(mem.get(BE16, off + OFF_IP_ID));
    }

    /**
     * One's-complement sum of the 16-bit big-endian words in {@code mem[off, off+len)}, unfolded
     * (callers fold). {@code len} must be even. Used at template build time and by tests.
     */
    public static long sum16(MemorySegment mem, long off, int len) {
        long s = 0;
        for (int i = 0; i < len; i += 2) s += Short.toUnsignedInt(mem.get(BE16, off + i));
        return s;
    }

    /** Folds a one's-complement sum to 16 bits and complements it: the Internet checksum. */
    public static int checksum(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) (~sum & 0xFFFF);
    }

    /** Recomputes the IPv4 header checksum of the frame at {@code off}; 0 from a header whose checksum is valid. */
    public static int ipHeaderChecksum(MemorySegment mem, long off) {
        return checksum(sum16(mem, off + OFF_IP, 20));
    }
}
