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

    /**
     * Links the three handles now, on the loop's thread before its allocation is counted, and
     * calls free_bulk once with nothing to free: free_bulk runs only when a tx ring is full,
     * which may first happen long after warm-up, and the first call of a handle from a call site
     * links it (the JVM spins its invoker, some 64 KB allocated on the calling thread).
     */
    public static void link() {
        vsshim_h.vs_eth_rx_burst$handle();
        vsshim_h.vs_eth_tx_burst$handle();
        vsshim_h.vs_pktmbuf_free_bulk$handle();
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            INSTANCE.freeBulk(a.allocate(8), 0);
        }
    }
}
