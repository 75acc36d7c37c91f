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

    /** Links the three handles now, so a loop's first burst is not charged with it. */
    public static void link() {
        vsshim_h.vs_eth_rx_burst$handle();
        vsshim_h.vs_eth_tx_burst$handle();
        vsshim_h.vs_pktmbuf_free_bulk$handle();
    }
}
