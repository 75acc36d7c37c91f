package io.vswitch.sw;

import io.vswitch.dpdk.PacketIo;
import java.lang.foreign.MemorySegment;

/**
 * A fault injected into the poll loops, for tests of the switch's crash safety in a real
 * process: {@code -Dvswitch.fault=rx:N} throws on the N-th rx burst that returned frames,
 * {@code tx:N} on the N-th tx burst (before it sends). Without the property the loops get the
 * real {@link PacketIo} itself, untouched.
 */
final class FaultyIo implements PacketIo {
    static final String PROPERTY = "vswitch.fault";

    private final PacketIo io;
    private final boolean rx;
    private long left;

    private FaultyIo(PacketIo io, boolean rx, long n) {
        this.io = io;
        this.rx = rx;
        this.left = n;
    }

    /** {@code io}, or a FaultyIo over it when {@link #PROPERTY} asks for one. */
    static PacketIo wrapIfAsked(PacketIo io) {
        String spec = System.getProperty(PROPERTY);
        if (spec == null || spec.isEmpty()) {
            return io;
        }
        String[] kv = spec.split(":");
        if (kv.length != 2 || !(kv[0].equals("rx") || kv[0].equals("tx"))) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + spec + ": rx:N or tx:N");
        }
        return new FaultyIo(io, kv[0].equals("rx"), Long.parseLong(kv[1]));
    }

    @Override
    public int rxBurst(int port, int queue, MemorySegment pkts, int max) {
        int n = io.rxBurst(port, queue, pkts, max);
        if (rx && n > 0 && --left == 0) {
            throw new IllegalStateException("injected fault (-D" + PROPERTY + "=rx)");
        }
        return n;
    }

    @Override
    public int txBurst(int port, int queue, MemorySegment pkts, int n) {
        if (!rx && --left == 0) {
            throw new IllegalStateException("injected fault (-D" + PROPERTY + "=tx)");
        }
        return io.txBurst(port, queue, pkts, n);
    }

    @Override
    public void freeBulk(MemorySegment pkts, int n) {
        io.freeBulk(pkts, n);
    }
}
