/*
 * vsshim.h - the only C in vswitch.
 *
 * DPDK offers its fast-path calls (rx/tx burst, mbuf free/alloc, lcore id,
 * TSC) as `static inline` functions or macros, which have no symbol an FFM
 * downcall could bind to. This library gives each one an exported, non-inline
 * wrapper and nothing more: no packet logic lives in C.
 *
 * It also exports gcc's view of every struct layout the Java side reads
 * (vs_layout_probes), so a test can compare it with the generated bindings.
 *
 * The Java bindings for this header are generated from it
 * (bindings/gen/gen_bindings.py), like those for DPDK's own headers.
 */
#ifndef VSSHIM_H
#define VSSHIM_H

#include <stdint.h>
#include <stddef.h>

struct rte_mbuf;
struct rte_mempool;

/* rte_eth_rx_burst / rte_eth_tx_burst */
uint16_t vs_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts, uint16_t nb_pkts);
uint16_t vs_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts, uint16_t nb_pkts);

/* mbuf life cycle */
void vs_pktmbuf_free(struct rte_mbuf *m);
void vs_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count);
int vs_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned int count);
void *vs_pktmbuf_mtod(struct rte_mbuf *m);
/* rte_mbuf_refcnt_update: adds v to the refcount, returns the new value */
uint16_t vs_mbuf_refcnt_update(struct rte_mbuf *m, int16_t v);
uint16_t vs_mbuf_refcnt_read(const struct rte_mbuf *m);
/* rte_prefetch0 of each mbuf's first header line and of its first data line (rte_pktmbuf_mtod), for
 * pkts[0..n): the reflector's `prefetch` A/B variant calls it once per burst before touching the frames. */
void vs_prefetch_burst(struct rte_mbuf *const *pkts, uint16_t n);

/* How many rx/tx burst callbacks (rte_eth_add_rx_callback, _tx_; DPDK's packet capture
 * installs them while dpdk-dumpcap captures) a started port has over all its queues. */
int vs_eth_rxtx_callbacks(uint16_t port_id);

/* lcores, errno, time */
unsigned int vs_lcore_id(void);
/* Makes the calling thread lcore `lcore_id` (rte_lcore_id() returns it from now on):
 * for a thread that stands in for an EAL worker lcore which stays parked (never
 * launched), instead of rte_thread_register, which switches multi-process off for
 * good (secondaries such as dpdk-dumpcap are then refused). LCORE_ID_ANY lets go. */
void vs_lcore_take(unsigned int lcore_id);
int vs_errno(void);
uint64_t vs_rdtsc(void);

/* Layout probes: gcc's sizeof/alignof/offsetof for what the bindings read.
 * kind is 'S' (struct: value=size, extra=alignment) or 'F' (field:
 * value=offset, extra=size). The table is generated (layout_probes.c). */
struct vs_layout_probe {
    const char *type_name;
    const char *field_name;
    uint64_t value;
    uint64_t extra;
    int32_t kind;
};
const struct vs_layout_probe *vs_layout_probes(uint32_t *count);

#endif
