package io.vswitch.dpdk;

import static io.vswitch.bindings.generated.rte_mbuf_h.rte_pktmbuf_pool_create;
import static io.vswitch.bindings.generated.rte_mempool_h.rte_mempool_avail_count;
import static io.vswitch.bindings.generated.rte_mempool_h.rte_mempool_free;
import static io.vswitch.bindings.generated.rte_mempool_h.rte_mempool_in_use_count;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A pktmbuf pool (rte_pktmbuf_pool_create). */
public final class Mempool {
    public final String name;
    public final int size;
    public final MemorySegment pool;

    private Mempool(String name, int size, MemorySegment pool) {
        this.name = name;
        this.size = size;
        this.pool = pool;
    }

    /**
     * Creates a pool of {@code n} mbufs with a per-lcore cache of {@code cache} and
     * {@code dataRoom} bytes of buffer (headroom included) on NUMA socket {@code socket}.
     */
    public static Mempool create(String name, int n, int cache, int dataRoom, int socket) {
        MemorySegment p;
        try (Arena a = Arena.ofConfined()) {
            p = rte_pktmbuf_pool_create(a.allocateFrom(name), n, cache, (short) 0, (short) dataRoom, socket);
        }
        if (p.address() == 0) {
            throw new DpdkException(DpdkException.Kind.MEMPOOL, "cannot create mbuf pool '" + name + "' of " + n + " mbufs: "
                    + Eal.lastError() + "; reserve more hugepages (or raise -m with --no-huge), or lower --mbufs");
        }
        return new Mempool(name, n, p);
    }

    /** Mbufs currently out of the pool (in rings, in flight, in lcore caches' counterpart). */
    public int inUse() {
        return rte_mempool_in_use_count(pool);
    }

    public int available() {
        return rte_mempool_avail_count(pool);
    }

    public long address() {
        return pool.address();
    }

    public void free() {
        rte_mempool_free(pool);
    }

    /**
     * The pool size a program needs: every rx and tx descriptor of every queue full, each
     * lcore's cache full and one burst in hand, plus slack; rounded up to 2^k - 1 (the
     * ring-backed pool's most memory-efficient size).
     */
    public static int sizeFor(int queuesTotal, int rxd, int txd, int lcores, int cache, int burst) {
        return sizeFor(queuesTotal, queuesTotal, rxd, txd, lcores, cache, burst);
    }

    /** {@link #sizeFor(int, int, int, int, int, int)} for ports with different rx and tx queue counts. */
    public static int sizeFor(int rxQueues, int txQueues, int rxd, int txd, int lcores, int cache, int burst) {
        long need = (long) rxQueues * rxd + (long) txQueues * txd + (long) lcores * (cache + burst) + 1024;
        long n = 1;
        while (n - 1 < need) {
            n <<= 1;
        }
        if (n - 1 > Integer.MAX_VALUE) {
            throw new DpdkException(DpdkException.Kind.USAGE, "mbuf pool would need " + need + " mbufs: lower --rxd/--txd or queues");
        }
        return (int) (n - 1);
    }
}
