package io.vswitch.sw;

import io.vswitch.datapath.MbufSink;
import io.vswitch.dpdk.MbufEdit;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.PacketIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The switch stage's {@link MbufSink} over DPDK: tx and free through the loop's
 * {@link PacketIo}, references and VLAN edits on the mbufs themselves, copies from the
 * switch's pool. Final fields, final class: the JIT inlines every call into the loop.
 */
final class DpdkSink implements MbufSink {
    private final PacketIo io;
    private final long pool;

    DpdkSink(PacketIo io, long pool) {
        this.io = io;
        this.pool = pool;
    }

    @Override
    public int txBurst(int port, int queue, MemorySegment pkts, int n) {
        return io.txBurst(port, queue, pkts, n);
    }

    @Override
    public void freeBulk(MemorySegment pkts, int n) {
        io.freeBulk(pkts, n);
    }

    @Override
    public void addReferences(long mbuf, int extra) {
        Mbufs.addReferences(mbuf, extra);
    }

    @Override
    public boolean pushVlan(long mbuf, int vid) {
        return MbufEdit.pushVlan(mbuf, vid);
    }

    @Override
    public void popVlan(long mbuf) {
        MbufEdit.popVlan(mbuf);
    }

    @Override
    public long copy(long mbuf) {
        return MbufEdit.copy(mbuf, pool);
    }

    @Override
    public void warmUp() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG, 2);
            if (Mbufs.allocBulk(MemorySegment.ofAddress(pool), one, 1) != 0) {
                return;                                     // no mbuf to spare: nothing warmed, nothing lost
            }
            long m = one.getAtIndex(ValueLayout.JAVA_LONG, 0);
            Mbufs.setLen(m, 64);
            addReferences(m, 1);                           // refcnt 2
            if (pushVlan(m, 1)) {
                popVlan(m);
            }
            long c = copy(m);
            one.setAtIndex(ValueLayout.JAVA_LONG, 1, c);
            freeBulk(one, c != 0 ? 2 : 1);                 // the copy, and one reference of m
            freeBulk(one, 1);                              // the other
        }
    }
}
