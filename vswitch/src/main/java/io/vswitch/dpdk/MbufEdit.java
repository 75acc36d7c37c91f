package io.vswitch.dpdk;

import io.vswitch.bindings.generated.rte_mbuf_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The frame edits the switch's VLAN access ports need, on mbufs by address: push and pop an
 * 802.1Q tag in place, and copy a frame into a new mbuf (for a flood that leaves tagged on
 * some ports and untagged on others). Hot path: nothing allocates.
 *
 * <pre>
 *   push:  [dst src | type ...]          data_off -= 4
 *          [dst src | 8100 vid | type ...]
 *   pop:   the reverse, data_off += 4
 * </pre>
 */
public final class MbufEdit {
    private MbufEdit() {}

    private static final int VLAN_HLEN = 4;
    private static final int MACS = 12;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    /** rte_pktmbuf_copy with the mbuf and pool as {@code long}s (no segment per call). Critical: short, non-blocking. */
    private static final MethodHandle COPY = Linker.nativeLinker().downcallHandle(rte_mbuf_h.rte_pktmbuf_copy$address(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT), Linker.Option.critical(false));

    /** Inserts a tag of VLAN {@code vid} (priority 0) after the MACs; false, frame unchanged, without 4 B of headroom. */
    public static boolean pushVlan(long m, int vid) {
        final MemorySegment mem = Mbufs.ALL;
        int off = Short.toUnsignedInt(mem.get(Mbufs.U16, m + Mbufs.DATA_OFF));
        if (off < VLAN_HLEN || Mbufs.dataLen(m) < MACS) {
            return false;
        }
        long d = mem.get(Mbufs.U64, m + Mbufs.BUF_ADDR) + off;
        MemorySegment.copy(mem, d, mem, d - VLAN_HLEN, MACS);
        mem.set(BE16, d + MACS - VLAN_HLEN, (short) 0x8100);
        mem.set(BE16, d + MACS - VLAN_HLEN + 2, (short) (vid & 0xFFF));
        mem.set(Mbufs.U16, m + Mbufs.DATA_OFF, (short) (off - VLAN_HLEN));
        mem.set(Mbufs.U16, m + Mbufs.DATA_LEN, (short) (Mbufs.dataLen(m) + VLAN_HLEN));
        mem.set(Mbufs.U32, m + Mbufs.PKT_LEN, Mbufs.pktLen(m) + VLAN_HLEN);
        return true;
    }

    /** Removes the outer tag (the frame has one: at least 16 B in its first segment). */
    public static void popVlan(long m) {
        final MemorySegment mem = Mbufs.ALL;
        int off = Short.toUnsignedInt(mem.get(Mbufs.U16, m + Mbufs.DATA_OFF));
        long d = mem.get(Mbufs.U64, m + Mbufs.BUF_ADDR) + off;
        MemorySegment.copy(mem, d, mem, d + VLAN_HLEN, MACS);
        mem.set(Mbufs.U16, m + Mbufs.DATA_OFF, (short) (off + VLAN_HLEN));
        mem.set(Mbufs.U16, m + Mbufs.DATA_LEN, (short) (Mbufs.dataLen(m) - VLAN_HLEN));
        mem.set(Mbufs.U32, m + Mbufs.PKT_LEN, Mbufs.pktLen(m) - VLAN_HLEN);
    }

    /** A copy of every segment of {@code m} in one new mbuf from {@code pool}, or 0 when the pool is empty. */
    public static long copy(long m, long pool) {
        try {
            return (long) COPY.invokeExact(m, pool, 0, -1);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable", t);
        }
    }

    /** Links the copy downcall before a loop starts. */
    public static void link() {
        COPY.type();
    }
}
