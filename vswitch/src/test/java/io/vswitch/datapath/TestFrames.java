package io.vswitch.datapath;

import java.io.ByteArrayOutputStream;

/**
 * Builds well-formed Ethernet frames with correct IPv4/TCP/UDP/ICMP checksums
 * for the datapath tests, and remembers where each header starts.
 */
final class TestFrames {
    private TestFrames() {}

    static final int TCP = 6, UDP = 17, ICMP = 1, ICMPV6 = 58;

    static final byte[] MAC_A = mac(0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01);
    static final byte[] MAC_B = mac(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
    static final byte[] IP4_A = {10, 0, 0, 1};
    static final byte[] IP4_B = {(byte) 192, (byte) 168, 100, (byte) 254};
    static final byte[] IP6_A = ip6("20010db8000000000000000000000001");
    static final byte[] IP6_B = ip6("fe800000000000000211223344556677");

    /**
     * A frame and its header offsets.
     *
     * @param l3     start of the IP header (-1: none)
     * @param l3End  end of the IP header
     * @param l4     start of the L4 header (-1: no swappable ports)
     * @param l4End  end of the minimal L4 header
     */
    record Frame(byte[] bytes, int l3, int l3End, int l4, int l4End, boolean v6, int l4proto) {
        int len() {
            return bytes.length;
        }
    }

    static byte[] mac(int... b) {
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) b[i];
        }
        return m;
    }

    static byte[] ip6(String hex) {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static long macLong(byte[] m) {
        long v = 0;
        for (byte b : m) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }

    /** Ethernet header, then tags (tpid, tci pairs), then the ethertype. */
    static byte[] eth(byte[] dst, byte[] src, int etherType, int... tags) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(dst);
        o.writeBytes(src);
        for (int i = 0; i < tags.length; i += 2) {
            put16(o, tags[i]);
            put16(o, tags[i + 1]);
        }
        put16(o, etherType);
        return o.toByteArray();
    }

    static void put16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v);
    }

    static int get16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    static void set16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    /** One's-complement sum of 16-bit words (not folded to 16 bits yet). */
    static long sum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += get16(b, off + i);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xFF) << 8;
        }
        return s;
    }

    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /** L4 payload for the given protocol (header with zero checksum plus data). */
    static byte[] l4(int proto, int sport, int dport, int dataLen) {
        int hl = proto == TCP ? 20 : 8;
        byte[] b = new byte[hl + dataLen];
        if (proto == TCP || proto == UDP) {
            set16(b, 0, sport);
            set16(b, 2, dport);
        } else {                                                   // ICMP echo request: type 8/128, id, seq
            b[0] = (byte) (proto == ICMP ? 8 : 128);
            set16(b, 4, 0x1234);
            set16(b, 6, 7);
        }
        if (proto == TCP) {
            b[4] = 1; b[8] = 2;                                    // seq, ack
            b[12] = 0x50;                                          // data offset 5
            b[13] = 0x18;                                          // PSH|ACK
            set16(b, 14, 65535);
        }
        if (proto == UDP) {
            set16(b, 4, b.length);
        }
        for (int i = 0; i < dataLen; i++) {
            b[hl + i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    static int l4CsumOff(int proto) {
        return proto == TCP ? 16 : proto == UDP ? 6 : 2;
    }

    /** An IPv4 frame; {@code optionWords} 32-bit words of options (IHL = 5 + optionWords). */
    static Frame ipv4(int proto, int optionWords, int fragWord, int dataLen, int... tags) {
        byte[] e = eth(MAC_B, MAC_A, 0x0800, tags);
        int ihl = 20 + 4 * optionWords;
        byte[] l4 = l4(proto, 40000, proto == UDP ? 4789 : 80, dataLen);
        byte[] f = new byte[e.length + ihl + l4.length];
        System.arraycopy(e, 0, f, 0, e.length);
        int l3 = e.length;
        f[l3] = (byte) (0x40 | (ihl / 4));
        set16(f, l3 + 2, ihl + l4.length);
        set16(f, l3 + 4, 0xbeef);
        set16(f, l3 + 6, fragWord);
        f[l3 + 8] = 64;
        f[l3 + 9] = (byte) proto;
        System.arraycopy(IP4_A, 0, f, l3 + 12, 4);
        System.arraycopy(IP4_B, 0, f, l3 + 16, 4);
        for (int i = 20; i < ihl; i++) {
            f[l3 + i] = (byte) (i == 20 ? 0x94 : i == 21 ? 4 : 1);   // router alert, then NOPs
        }
        set16(f, l3 + 10, 0xFFFF - fold(sum(f, l3, ihl)));
        int l4off = l3 + ihl;
        System.arraycopy(l4, 0, f, l4off, l4.length);
        long s = sum(f, l4off, l4.length);
        if (proto != ICMP) {
            s += sum(f, l3 + 12, 8) + proto + l4.length;
        }
        int cs = 0xFFFF - fold(s);
        set16(f, l4off + l4CsumOff(proto), proto == UDP && cs == 0 ? 0xFFFF : cs);
        boolean ports = (proto == TCP || proto == UDP) && (fragWord & 0x1FFF) == 0;
        return new Frame(f, l3, l3 + ihl, ports ? l4off : -1, ports ? l4off + (proto == TCP ? 20 : 8) : -1, false, proto);
    }

    /** An IPv6 frame whose next header is {@code proto} (TCP, UDP or ICMPv6). */
    static Frame ipv6(int proto, int dataLen, int... tags) {
        byte[] e = eth(MAC_B, MAC_A, 0x86DD, tags);
        byte[] l4 = l4(proto, 40000, proto == UDP ? 4789 : 80, dataLen);
        byte[] f = new byte[e.length + 40 + l4.length];
        System.arraycopy(e, 0, f, 0, e.length);
        int l3 = e.length;
        f[l3] = 0x60;
        set16(f, l3 + 4, l4.length);
        f[l3 + 6] = (byte) proto;
        f[l3 + 7] = 64;
        System.arraycopy(IP6_A, 0, f, l3 + 8, 16);
        System.arraycopy(IP6_B, 0, f, l3 + 24, 16);
        int l4off = l3 + 40;
        System.arraycopy(l4, 0, f, l4off, l4.length);
        long s = sum(f, l4off, l4.length) + sum(f, l3 + 8, 32) + proto + l4.length;
        int cs = 0xFFFF - fold(s);
        set16(f, l4off + l4CsumOff(proto), proto == UDP && cs == 0 ? 0xFFFF : cs);
        boolean ports = proto == TCP || proto == UDP;
        return new Frame(f, l3, l3 + 40, ports ? l4off : -1, ports ? l4off + (proto == TCP ? 20 : 8) : -1, true, proto);
    }

    /** True if the IPv4 header checksum and the L4 checksum of {@code b[off..]} verify. */
    static boolean checksumsValid(byte[] b, int off, Frame f) {
        int l3 = off + f.l3();
        int l4 = off + f.l3End();
        int l4len = f.len() - f.l3End();
        long s;
        if (!f.v6()) {
            if (fold(sum(b, l3, f.l3End() - f.l3())) != 0xFFFF) {
                return false;
            }
            if ((get16(b, l3 + 6) & 0x1FFF) != 0) {
                return true;                                        // L4 checksum spans fragments
            }
            s = sum(b, l4, l4len);
            if (f.l4proto() != ICMP) {
                s += sum(b, l3 + 12, 8) + f.l4proto() + l4len;
            }
        } else {
            s = sum(b, l4, l4len) + sum(b, l3 + 8, 32) + f.l4proto() + l4len;
        }
        return fold(s) == 0xFFFF;
    }

    static void swapRange(byte[] b, int a, int c, int n) {
        for (int i = 0; i < n; i++) {
            byte t = b[a + i];
            b[a + i] = b[c + i];
            b[c + i] = t;
        }
    }

    /**
     * What 5tswap must produce for the first {@code len} bytes of {@code f}:
     * each header swapped only if it lies entirely within {@code len}.
     */
    static byte[] expected5t(Frame f, int len) {
        byte[] e = f.bytes().clone();
        if (len < 14) {
            return e;
        }
        swapRange(e, 0, 6, 6);
        if (f.l3() < 0 || f.l3End() > len) {
            return e;
        }
        if (f.v6()) {
            swapRange(e, f.l3() + 8, f.l3() + 24, 16);
        } else {
            swapRange(e, f.l3() + 12, f.l3() + 16, 4);
        }
        if (f.l4() >= 0 && f.l4End() <= len) {
            swapRange(e, f.l4(), f.l4() + 2, 2);
        }
        return e;
    }
}
