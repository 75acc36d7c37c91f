package io.vswitch.dpdk;

import static io.vswitch.bindings.generated.rte_eal_h.rte_eal_hotplug_add;
import static io.vswitch.bindings.generated.rte_eal_h.rte_eal_hotplug_remove;
import static io.vswitch.bindings.generated.rte_ethdev_h.*;

import io.vswitch.bindings.generated.rte_eth_conf;
import io.vswitch.bindings.generated.rte_eth_dev_info;
import io.vswitch.bindings.generated.rte_eth_txconf;
import io.vswitch.bindings.generated.rte_eth_link;
import io.vswitch.bindings.generated.rte_eth_rss_conf;
import io.vswitch.bindings.generated.rte_eth_rxmode;
import io.vswitch.bindings.generated.rte_eth_stats;
import io.vswitch.bindings.generated.rte_ether_addr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One ethdev port: the configure / queue setup / start rungs of the init ladder, each
 * checked, and the control-plane reads (info, stats, link, MAC) the stats thread uses.
 */
public final class EthPort {
    /** How many ports DPDK can have at once (RTE_MAX_ETHPORTS of the installed build); port ids are below it. */
    public static final int MAX_PORTS = io.vswitch.bindings.generated.rte_eal_h.RTE_MAX_ETHPORTS;
    public final int id;
    public final String name;
    private final Info info;

    /**
     * RSS hash types IP | TCP | UDP (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP): what
     * the reflector asks {@link #configure} for, so programs need not read the bindings.
     */
    public static final long RSS_IP_TCP_UDP = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

    /** What rte_eth_dev_info_get reports that the ladder needs. */
    public record Info(String driver, int maxRxQueues, int maxTxQueues, long rssOffloads, int socket) {}

    /** Counters from rte_eth_stats_get; per-queue arrays hold RTE_ETHDEV_QUEUE_STAT_CNTRS entries. */
    public record Stats(long ipackets, long opackets, long ibytes, long obytes, long imissed, long ierrors,
                        long oerrors, long rxNombuf, long[] qIpackets, long[] qOpackets, long[] qIbytes, long[] qObytes) {}

    private EthPort(int id, String name) {
        this.id = id;
        this.name = name;
        this.info = readInfo();
    }

    /** The port a {@code --vdev name,...} created. */
    public static EthPort byName(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(ValueLayout.JAVA_SHORT);
            int rc = rte_eth_dev_get_port_by_name(a.allocateFrom(name), id);
            if (rc != 0) {
                throw new DpdkException(DpdkException.Kind.PORT, "no port named '" + name + "': the --vdev for it failed or its"
                        + " driver is unknown (vdev names start with a driver: net_vhost0, net_tap0, net_af_packet0,"
                        + " net_virtio_user0)");
            }
            return new EthPort(Short.toUnsignedInt(id.get(ValueLayout.JAVA_SHORT, 0)), name);
        }
    }

    /**
     * Creates virtual device {@code name} ({@code net_vhost3}, {@code net_tap1}...) with
     * driver arguments {@code args} at run time (rte_eal_hotplug_add on the vdev bus, what
     * EAL does for a {@code --vdev}) and returns its port, not yet configured.
     */
    public static EthPort attach(String name, String args) {
        try (Arena a = Arena.ofConfined()) {
            int rc = rte_eal_hotplug_add(a.allocateFrom("vdev"), a.allocateFrom(name), a.allocateFrom(args));
            if (rc != 0) {
                throw new DpdkException(DpdkException.Kind.PORT, name + ": creating the device failed: "
                        + Eal.strerror(rc) + " (arguments " + args + "; EAL's log above says more)");
            }
        }
        return byName(name);
    }

    /**
     * Stops, closes and removes a port made by {@link #attach} or {@code --vdev} (a vhost
     * server port removes its socket file). The port id may then be reused by a new device.
     */
    public void detach() {
        rte_eth_dev_stop((short) id);
        rte_eth_dev_close((short) id);
        try (Arena a = Arena.ofConfined()) {
            rte_eal_hotplug_remove(a.allocateFrom("vdev"), a.allocateFrom(name));  // after close: nothing left to free
        }
    }

    public Info info() {
        return info;
    }

    private Info readInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment di = a.allocate(rte_eth_dev_info.$LAYOUT);
            check(rte_eth_dev_info_get((short) id, di), "rte_eth_dev_info_get");
            MemorySegment drv = rte_eth_dev_info.driver_name(di);
            String driver = drv.address() == 0 ? "?" : drv.reinterpret(64).getString(0);
            return new Info(driver, Short.toUnsignedInt(rte_eth_dev_info.max_rx_queues(di)),
                    Short.toUnsignedInt(rte_eth_dev_info.max_tx_queues(di)), rte_eth_dev_info.flow_type_rss_offloads(di),
                    rte_eth_dev_socket_id((short) id));
        }
    }

    /**
     * rte_eth_dev_configure with {@code rxq}/{@code txq} queues. RSS over {@code rssRequested}
     * hash types is asked for when there is more than one rx queue, clipped to what the device
     * supports; returns the rss_hf actually configured (0: the device does not hash; with
     * vhost the guest picks the queue).
     */
    public long configure(int rxq, int txq, long rssRequested) {
        if (rxq > info.maxRxQueues || txq > info.maxTxQueues) {
            throw new DpdkException(DpdkException.Kind.PORT, name + ": " + rxq + " rx / " + txq + " tx queues requested but the"
                    + " device has " + info.maxRxQueues + "/" + info.maxTxQueues + " (for vhost, set queues=N in --vdev)");
        }
        long rss = rxq > 1 ? rssRequested & info.rssOffloads : 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment conf = a.allocate(rte_eth_conf.$LAYOUT);
            if (rss != 0) {
                conf.set(ValueLayout.JAVA_INT, rte_eth_conf.rxmode$OFFSET + rte_eth_rxmode.mq_mode$OFFSET, RTE_ETH_MQ_RX_RSS);
                conf.set(ValueLayout.JAVA_LONG, rte_eth_conf.rx_adv_conf_rss_conf$OFFSET + rte_eth_rss_conf.rss_hf$OFFSET, rss);
            }
            int rc = rte_eth_dev_configure((short) id, (short) rxq, (short) txq, conf);
            if (rc != 0) {
                throw new DpdkException(DpdkException.Kind.PORT, name + ": rte_eth_dev_configure(" + rxq + " rx, " + txq + " tx) failed: "
                        + Eal.strerror(rc));
            }
        }
        return rss;
    }

    /** rte_eth_dev_adjust_nb_rx_tx_desc: the descriptor counts the device accepts. */
    public int[] adjustDescriptors(int rxd, int txd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(ValueLayout.JAVA_SHORT);
            MemorySegment t = a.allocate(ValueLayout.JAVA_SHORT);
            r.set(ValueLayout.JAVA_SHORT, 0, (short) rxd);
            t.set(ValueLayout.JAVA_SHORT, 0, (short) txd);
            check(rte_eth_dev_adjust_nb_rx_tx_desc((short) id, r, t), "rte_eth_dev_adjust_nb_rx_tx_desc");
            return new int[] {Short.toUnsignedInt(r.get(ValueLayout.JAVA_SHORT, 0)),
                    Short.toUnsignedInt(t.get(ValueLayout.JAVA_SHORT, 0))};
        }
    }

    public void setupRxQueue(int q, int nbDesc, Mempool pool) {
        int rc = rte_eth_rx_queue_setup((short) id, (short) q, (short) nbDesc, info.socket, MemorySegment.NULL, pool.pool);
        if (rc != 0) {
            throw new DpdkException(DpdkException.Kind.PORT, name + ": rx queue " + q + " setup (" + nbDesc + " descriptors) failed: "
                    + Eal.strerror(rc));
        }
    }

    public void setupTxQueue(int q, int nbDesc) {
        setupTxQueue(q, nbDesc, 0);
    }

    /**
     * {@link #setupTxQueue(int, int)} with the device's default TX configuration but
     * {@code tx_free_thresh = freeThresh} (0: the driver's default): the driver frees sent mbufs
     * once fewer than that many descriptors are free (virtio: once more than
     * {@code nbDesc - freeThresh} are in use).
     */
    public void setupTxQueue(int q, int nbDesc, int freeThresh) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment conf = MemorySegment.NULL;     // NULL: ethdev takes dev_info.default_txconf
            if (freeThresh > 0) {
                MemorySegment di = a.allocate(rte_eth_dev_info.$LAYOUT);
                check(rte_eth_dev_info_get((short) id, di), "rte_eth_dev_info_get");
                conf = rte_eth_dev_info.default_txconf(di);
                rte_eth_txconf.tx_free_thresh(conf, (short) freeThresh);
            }
            int rc = rte_eth_tx_queue_setup((short) id, (short) q, (short) nbDesc, info.socket, conf);
            if (rc != 0) {
                throw new DpdkException(DpdkException.Kind.PORT, name + ": tx queue " + q + " setup (" + nbDesc + " descriptors"
                        + (freeThresh > 0 ? ", tx_free_thresh " + freeThresh : "") + ") failed: " + Eal.strerror(rc));
            }
        }
    }

    public void start() {
        int rc = rte_eth_dev_start((short) id);
        if (rc != 0) {
            throw new DpdkException(DpdkException.Kind.PORT, name + ": rte_eth_dev_start failed: " + Eal.strerror(rc)
                    + " (for vhost: is the socket path writable and not used by another process?)");
        }
    }

    public void stop() {
        rte_eth_dev_stop((short) id);
    }

    public void close() {
        rte_eth_dev_close((short) id);
    }

    /**
     * True while rx/tx burst callbacks are installed on this started port: DPDK's packet capture
     * puts them there while a dpdk-dumpcap captures on it and only that dumpcap takes them off
     * (the primary process cannot). Closing a port that has them leaves them behind in ethdev, and
     * the next port given this id runs them, into a capture that has gone: close it after.
     */
    public boolean captured() {
        return io.vswitch.bindings.generated.vsshim_h.vs_eth_rxtx_callbacks((short) id) > 0;
    }

    public Stats stats() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(rte_eth_stats.$LAYOUT);
            check(rte_eth_stats_get((short) id, s), "rte_eth_stats_get");
            long[] qi = s.asSlice(rte_eth_stats.q_ipackets$OFFSET, rte_eth_stats.q_ipackets$SIZE).toArray(ValueLayout.JAVA_LONG);
            long[] qo = s.asSlice(rte_eth_stats.q_opackets$OFFSET, rte_eth_stats.q_opackets$SIZE).toArray(ValueLayout.JAVA_LONG);
            long[] qib = s.asSlice(rte_eth_stats.q_ibytes$OFFSET, rte_eth_stats.q_ibytes$SIZE).toArray(ValueLayout.JAVA_LONG);
            long[] qob = s.asSlice(rte_eth_stats.q_obytes$OFFSET, rte_eth_stats.q_obytes$SIZE).toArray(ValueLayout.JAVA_LONG);
            return new Stats(rte_eth_stats.ipackets(s), rte_eth_stats.opackets(s), rte_eth_stats.ibytes(s),
                    rte_eth_stats.obytes(s), rte_eth_stats.imissed(s), rte_eth_stats.ierrors(s), rte_eth_stats.oerrors(s),
                    rte_eth_stats.rx_nombuf(s), qi, qo, qib, qob);
        }
    }

    public boolean linkUp() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment l = a.allocate(rte_eth_link.$LAYOUT);
            if (rte_eth_link_get_nowait((short) id, l) != 0) {
                return false;
            }
            return rte_eth_link.link_status(l) == RTE_ETH_LINK_UP;
        }
    }

    public String mac() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(rte_ether_addr.$LAYOUT);
            check(rte_eth_macaddr_get((short) id, m), "rte_eth_macaddr_get");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                sb.append(i == 0 ? "" : ":").append(String.format("%02x", m.get(ValueLayout.JAVA_BYTE, i) & 0xff));
            }
            return sb.toString();
        }
    }

    private void check(int rc, String what) {
        if (rc != 0) {
            throw new DpdkException(DpdkException.Kind.PORT, name + ": " + what + " failed: " + Eal.strerror(rc));
        }
    }
}
