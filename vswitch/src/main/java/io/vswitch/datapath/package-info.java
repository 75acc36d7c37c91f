/**
 * The pure datapath: what the poll loops do to and decide about each frame,
 * with no DPDK in sight, so all of it is tested on byte arrays (the ixy model).
 *
 * <pre>
 *   rx_burst ──► mbuf*[] ──► ReflectMode.applyMbufs / applyBurst ──► tx_burst      (reflector)
 *                       └──► Forwarding.decide ──► port | FLOOD | DROP             (switch)
 *                                  │                  │
 *                                  │                  └──► SwitchStage: per-port tx arrays, refcounts, drops
 *                                  └── MacTable (shared by all lcores, lock-free)
 *
 *   --lcores "0-1" ──► LcoreList.parse ──► QueueMap.assign(ports, cpus) ──► per-lcore (port, queue) pairs
 * </pre>
 *
 * <p><b>Memory convention.</b> Every frame operation takes
 * {@code (MemorySegment mem, long off, int len)} and touches only
 * {@code mem[off, off+len)}. In production {@code mem} is one long-lived
 * segment spanning the address space
 * ({@code MemorySegment.NULL.reinterpret(Long.MAX_VALUE)}) and {@code off} the
 * absolute address of an mbuf's data; in tests {@code mem} wraps a byte array.
 * The frame operations allocate nothing, take no locks, log nothing and do
 * not throw on any frame content.
 */
package io.vswitch.datapath;
