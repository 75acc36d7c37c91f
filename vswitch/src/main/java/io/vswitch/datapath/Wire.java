package io.vswitch.datapath;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Wire-format constants and memory layouts shared by the datapath.
 *
 * <p>Every layout is unaligned: a frame's data can start at any address (an
 * mbuf's {@code data_off} is usually 128, but a test may use offset 7).
 * Network fields are big-endian; the swaps that only move bytes around use
 * whatever order is cheapest, since a swap is order-independent.
 */
final class Wire {
    private Wire() {}

    static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** Order-free moves (swaps): native order, no byte swapping. */
    static final ValueLayout.OfLong NATIVE_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfInt NATIVE_INT = ValueLayout.JAVA_INT_UNALIGNED;

    static final int ETH_HLEN = 14;          // dst(6) src(6) type(2)
    static final int ETH_TYPE_OFF = 12;
    static final int VLAN_HLEN = 4;          // TCI(2) inner type(2)
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    static final int ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
    static final int ETHERTYPE_QINQ = 0x88A8; // 802.1ad S-tag
    static final int IPV4_MIN_HLEN = 20;
    static final int IPV6_HLEN = 40;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;
    static final int TCP_MIN_HLEN = 20;
    static final int UDP_HLEN = 8;

    static boolean isVlanTpid(int etherType) {
        return etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ;
    }
}
