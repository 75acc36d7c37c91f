package io.vswitch.dpdk;

import static io.vswitch.bindings.generated.rte_pdump_h.rte_pdump_init;
import static io.vswitch.bindings.generated.rte_pdump_h.rte_pdump_uninit;

import java.util.List;

/**
 * DPDK's packet capture framework (librte_pdump), set up as dpdk-testpmd does, so that
 * {@code dpdk-dumpcap --file-prefix PREFIX -i PORT} (or dpdk-pdump) captures on a running program.
 *
 * <p>rte_pdump_init only registers a multi-process action ("mp_pdump") and reserves its
 * statistics memzone; nothing is added to any poll loop. dpdk-dumpcap is a secondary process
 * attaching with the same {@code --file-prefix}: when it asks, EAL's multi-process thread installs
 * rx/tx callbacks on the port's queues, which copy each frame into dumpcap's own mempool and ring
 * (so this program's mbufs are never held), and removes them when dumpcap stops. Without a
 * capture, {@code rte_eth_rx_burst}/{@code tx_burst} find no callback and cost what they did.
 *
 * <p>A secondary process has to map the primary's memory: with hugepages it maps the same
 * hugepage files. With {@code --no-huge} the memory is anonymous memfd memory of this process,
 * which EAL 22.11 does not share with secondaries (no {@code hugepage_info} in the runtime
 * directory), so dumpcap fails with "EAL: Failed to open shared memory! ... Cannot get hugepage
 * information" and {@link #note} says so.
 */
public final class Pdump {
    private static boolean initialised;
    private static String note = "packet capture: not set up";

    private Pdump() {}

    /** rte_pdump_init after rte_eal_init; a failure is not fatal (capture is an operator's tool): see {@link #note}. */
    static synchronized void init(List<String> ealArgs) {
        if (initialised) {
            return;
        }
        String prefix = Eal.runtimeDir(ealArgs).getFileName().toString();
        if (rte_pdump_init() < 0) {
            note = "packet capture unavailable: rte_pdump_init failed: " + Eal.lastError();
            return;
        }
        initialised = true;
        note = note(ealArgs, prefix);
    }

    /** The start-up line about capture for these EAL arguments (prefix: the --file-prefix). */
    static String note(List<String> ealArgs, String prefix) {
        if (ealArgs.contains("--no-huge")) {
            return "packet capture: not with --no-huge (dpdk-dumpcap, a secondary process, cannot map memfd memory);"
                    + " run with hugepages for `dpdk-dumpcap --file-prefix " + prefix + " -i PORT`";
        }
        if (ealArgs.contains("--huge-unlink") || ealArgs.stream().anyMatch(a -> a.startsWith("--huge-unlink="))) {
            // the hugepage files are gone as soon as they are mapped: a secondary has nothing to open
            return "packet capture: not with --huge-unlink (dpdk-dumpcap, a secondary process, must open the"
                    + " hugepage files: EAL: Error allocating from heap); run without it to capture";
        }
        return "packet capture: dpdk-dumpcap --file-prefix " + prefix + " -i PORT -w FILE.pcapng";
    }

    /** rte_pdump_uninit before rte_eal_cleanup. */
    static synchronized void uninit() {
        if (initialised) {
            rte_pdump_uninit();
            initialised = false;
        }
    }

    public static synchronized boolean initialised() {
        return initialised;
    }

    /** One line for the log: how to capture on this process, or why not. */
    public static synchronized String note() {
        return note;
    }
}
