package io.vswitch.dpdk;

import io.vswitch.bindings.generated.vsshim_h;
import java.lang.foreign.MemorySegment;

/**
 * {@link PacketIo} over DPDK: the shim's exported {@code rte_eth_rx_burst},
 * {@code rte_eth_tx_burst} and {@code rte_pktmbuf_free_bulk}, through the generated
 * {@code static final} handles linked with {@code Linker.Option.critical}. Stateless; the
 * programs use {@link #INSTANCE}, so the loops' call sites see one receiver class and the
 * JIT inlines the calls.
 */
public final class DpdkIo implements PacketIo {
    public static final DpdkIo INSTANCE = new DpdkIo();

    private DpdkIo() {}

    @Override
    public int rxBurst(int port, int queue, MemorySegment pkts, int max) {
        return Short.toUnsignedInt(vsshim_h.vs_eth_rx_burst((short) port, (short) queue, pkts, (short) max));
    }

    @Override
    public int txBurst(int port, int queue, MemorySegment pkts, int n) {
        return Short.toUnsignedInt(vsshim_h.vs_eth_tx_burst((short) port, (short) queue, pkts, (short) n));
    }

    @Override
    public void freeBulk(MemorySegment pkts, int n) {
        vsshim_h.vs_pktmbuf_free_bulk(pkts, n);
    }

    @Override
    public void prefetch(MemorySegment pkts, int n) {
        vsshim_h.vs_prefetch_burst(pkts, (short) n);
    }

    /**
     * Links the three handles now, on the loop's thread before its allocation is counted, and
     * calls free_bulk with nothing to free until the JVM has customised its handle: free_bulk
     * runs only when a tx ring is full, which may first happen long after warm-up. The first call
     * of a handle from a call site links it (the JVM spins its invoker), and a call that is not
     * inlined into C2 code counts towards {@code java.lang.invoke.MethodHandle.CUSTOMIZE_THRESHOLD}
     * (127): the 128th spins a customised LambdaForm class, 65,136 B on the calling thread. Seen
     * with JFR (TLABs of 2 KB) on the reflector's loop thread after its 128th short tx.
     */
    public static void link() {
        vsshim_h.vs_eth_rx_burst$handle();
        vsshim_h.vs_eth_tx_burst$handle();
        vsshim_h.vs_pktmbuf_free_bulk$handle();
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment none = a.allocate(8);
            untilCustomized(() -> INSTANCE.freeBulk(none, 0));
        }
    }

    /**
     * Calls {@code call} (one downcall with no effect) more often than the JVM's customisation
     * threshold (127, {@code MethodHandle.CUSTOMIZE_THRESHOLD}), so the customisation described at
     * {@link #link} happens now, on the loop's thread before its allocation is counted. For every
     * handle a loop calls rarely or only in some configurations.
     */
    public static void untilCustomized(Runnable call) {
        for (int i = 0; i < 256; i++) {
            call.run();
        }
    }
}
