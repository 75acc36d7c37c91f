/* vsshim.c - exported wrappers for DPDK's static inline fast path. See vsshim.h. */
#include <rte_config.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_lcore.h>
#include <rte_errno.h>
#include <rte_cycles.h>
#include <rte_prefetch.h>
#include "vsshim.h"

uint16_t vs_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts, uint16_t nb_pkts)
{
    return rte_eth_rx_burst(port_id, queue_id, rx_pkts, nb_pkts);
}

uint16_t vs_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts, uint16_t nb_pkts)
{
    return rte_eth_tx_burst(port_id, queue_id, tx_pkts, nb_pkts);
}

void vs_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }

void vs_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count) { rte_pktmbuf_free_bulk(mbufs, count); }

int vs_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned int count)
{
    return rte_pktmbuf_alloc_bulk(pool, mbufs, count);
}

void *vs_pktmbuf_mtod(struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, void *); }

uint16_t vs_mbuf_refcnt_update(struct rte_mbuf *m, int16_t v) { return rte_mbuf_refcnt_update(m, v); }

uint16_t vs_mbuf_refcnt_read(const struct rte_mbuf *m) { return rte_mbuf_refcnt_read(m); }

void vs_prefetch_burst(struct rte_mbuf *const *pkts, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++)
        rte_prefetch0(pkts[i]);
    for (uint16_t i = 0; i < n; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
}

int vs_eth_rxtx_callbacks(uint16_t port_id)
{
    int n = 0;
#ifdef RTE_ETHDEV_RXTX_CALLBACKS
    if (port_id >= RTE_MAX_ETHPORTS)
        return -1;
    /* a started port's fast-path entry points at its callback lists (a stopped one's at NULLs) */
    const struct rte_eth_fp_ops *p = &rte_eth_fp_ops[port_id];
    for (int q = 0; q < RTE_MAX_QUEUES_PER_PORT; q++) {
        if (p->rxq.clbk != NULL && __atomic_load_n(&p->rxq.clbk[q], __ATOMIC_RELAXED) != NULL)
            n++;
        if (p->txq.clbk != NULL && __atomic_load_n(&p->txq.clbk[q], __ATOMIC_RELAXED) != NULL)
            n++;
    }
#else
    (void)port_id;
#endif
    return n;
}

unsigned int vs_lcore_id(void) { return rte_lcore_id(); }

void vs_lcore_take(unsigned int lcore_id) { RTE_PER_LCORE(_lcore_id) = lcore_id; }

int vs_errno(void) { return rte_errno; }

uint64_t vs_rdtsc(void) { return rte_rdtsc(); }
