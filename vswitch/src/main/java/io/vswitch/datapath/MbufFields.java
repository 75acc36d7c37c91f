package io.vswitch.datapath;

/**
 * Byte offsets of the three {@code struct rte_mbuf} fields the datapath reads
 * to find a packet's bytes: {@code buf_addr} (pointer), {@code data_off}
 * (uint16) and {@code data_len} (uint16), all in native byte order.
 *
 * <pre>
 *   mbuf ──► +0  buf_addr ──────────────┐
 *            +16 data_off = 128         │
 *            +40 data_len = 60          ▼
 *                              buffer: [headroom 128][frame 60 B]...
 *                              frame address = buf_addr + data_off
 * </pre>
 *
 * @param bufAddr offset of {@code buf_addr}
 * @param dataOff offset of {@code data_off}
 * @param dataLen offset of {@code data_len}
 */
public record MbufFields(long bufAddr, long dataOff, long dataLen) {
    /**
     * The layout of DPDK 22.11 (ABI 23) on x86-64, measured with
     * {@code offsetof} against the installed headers. The DPDK layer should
     * check it against its layout probes at start-up and pass its own record
     * if they differ.
     */
    public static final MbufFields DPDK_22_11 = new MbufFields(0, 16, 40);
}
