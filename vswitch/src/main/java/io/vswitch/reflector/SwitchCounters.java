package io.vswitch.reflector;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One switch lcore's per-port packet counters: received on the port, sent on it, and
 * the tx shortfall freed for it (the port's ring was full or its guest absent). Plain
 * {@code long}s written only by the owning lcore, read by the stats thread with opaque
 * loads; one cache line per port, so two lcores never share a line. The forwarding
 * counters (flooded, learned, runts, ...) live in each lcore's
 * {@link io.vswitch.datapath.Forwarding}.
 */
public final class SwitchCounters {
    public static final int RX = 0;
    public static final int RX_BYTES = 1;
    public static final int TX = 2;
    public static final int TX_DROP = 3;
    public static final int BURSTS = 4;
    private static final int STRIDE = 8;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    /** Indexed port * 8 + kind; written by the owning lcore only. */
    final long[] c;

    public SwitchCounters(int ports) {
        this.c = new long[(ports + 2) * STRIDE];   // + a line of padding at each end
    }

    static int at(int port, int kind) {
        return (port + 1) * STRIDE + kind;
    }

    /** A counter, from any thread. */
    public long get(int port, int kind) {
        return (long) COUNT.getOpaque(c, at(port, kind));
    }
}
