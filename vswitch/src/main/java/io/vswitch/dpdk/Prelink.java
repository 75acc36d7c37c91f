package io.vswitch.dpdk;

import io.vswitch.bindings.generated.rte_eal_h;
import io.vswitch.bindings.generated.rte_ethdev_h;
import io.vswitch.bindings.generated.rte_mbuf_h;
import io.vswitch.bindings.generated.rte_mempool_h;
import io.vswitch.bindings.generated.rte_pdump_h;
import io.vswitch.bindings.generated.vsshim_h;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Start-up work that needs no EAL, done ahead on its own thread while the main thread reads
 * the configuration and runs rte_eal_init: the native libraries loaded, the FFM downcall
 * handles of the start ladder linked (each distinct C signature costs the JVM a generated stub
 * and its method handles, 10-100 ms apiece on a cold JVM), the events upcall stub made, and the
 * classes with costly static initialisers initialised.
 *
 * <p>Why a thread of its own: those costs otherwise land on the first port added, after
 * rte_eal_init has pinned the main thread to the control CPUs, where on a small host the
 * guests' own poll loops may spin. bench/restart-time.sh measured the first port's add at
 * 1.5-2.5 s of a restart before (the second: 0.1 s). Nothing here calls into DPDK; a handle
 * that cannot be linked is left for its first real use to report.
 *
 * <p>Only symbols of the shim and the DPDK libraries it links: a vhost PMD function
 * ({@code rte_eth_vhost_*}) would make {@code NativeLibs} dlopen the PMD, whose constructors
 * register its driver and log types, and that must not run while rte_eal_init runs on the
 * main thread (the shim itself is loaded before rte_eal_init can start: its holder class
 * initialisation is shared, so the main thread waits for it).
 */
public final class Prelink {
    private Prelink() {}

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    /** Starts the work on a daemon thread, once per process (nobody needs to wait for it). */
    public static void start() {
        if (STARTED.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("prelink").start(Prelink::run);
        }
    }

    static void run() {
        try {
            rte_eal_h.rte_eal_init$handle();
            rte_pdump_h.rte_pdump_init$handle();
            rte_mbuf_h.rte_pktmbuf_pool_create$handle();
            rte_mempool_h.rte_mempool_in_use_count$handle();
            rte_eal_h.rte_eal_hotplug_add$handle();
            rte_ethdev_h.rte_eth_dev_get_port_by_name$handle();
            rte_ethdev_h.rte_eth_dev_info_get$handle();
            rte_ethdev_h.rte_eth_dev_socket_id$handle();
            rte_ethdev_h.rte_eth_dev_configure$handle();
            rte_ethdev_h.rte_eth_dev_adjust_nb_rx_tx_desc$handle();
            rte_ethdev_h.rte_eth_rx_queue_setup$handle();
            rte_ethdev_h.rte_eth_tx_queue_setup$handle();
            rte_ethdev_h.rte_eth_dev_callback_register$handle();
            rte_ethdev_h.rte_eth_dev_start$handle();
            rte_ethdev_h.rte_eth_macaddr_get$handle();
            rte_ethdev_h.rte_eth_link_get_nowait$handle();
            rte_eal_h.rte_thread_register$handle();
            rte_eal_h.rte_lcore_is_enabled$handle();
            vsshim_h.vs_lcore_take$handle();
            vsshim_h.vs_lcore_id$handle();
            vsshim_h.vs_pktmbuf_alloc_bulk$handle();
            vsshim_h.vs_mbuf_refcnt_update$handle();
            vsshim_h.vs_eth_rx_burst$handle();
            vsshim_h.vs_eth_tx_burst$handle();
            vsshim_h.vs_pktmbuf_free_bulk$handle();
            PortEvents.prepareStub();
            for (Class<?> c : new Class<?>[] {DpdkIo.class, MbufEdit.class, LcoreLoop.class}) {
                Class.forName(c.getName(), true, c.getClassLoader());
            }
        } catch (Throwable ignored) {
            // whatever failed here fails again where it is used, with its message there
        }
    }
}
