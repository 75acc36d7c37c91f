/**
 * The traffic generator, {@code bin/vswitch-gen}: its DPDK-free logic (frames, pacing, RX
 * accounting, reports, the NDR search and option parsing) and the program built on it:
 * {@link io.vswitch.gen.GenCommand} (options), {@link io.vswitch.gen.Generator} (init ladder,
 * warm-up / window / drain, NDR trials, report) and {@link io.vswitch.gen.GenLoop} (one pinned
 * TX+RX loop per lcore, serving any number of queues, which implements the wiring below).
 *
 * <h2>Memory convention</h2>
 * Per-packet methods take {@code (MemorySegment mem, long off, ...)}; the frame is
 * {@code mem[off, off + len)}. In production {@code mem} is one everything-segment
 * ({@code MemorySegment.NULL.reinterpret(Long.MAX_VALUE)}) and {@code off} the absolute address of
 * an mbuf's packet data ({@code buf_addr + data_off}); in tests, a heap segment. Those methods
 * allocate nothing and take no locks ({@code ZeroAllocationTest}).
 *
 * <h2>Wiring the loops</h2>
 * <pre>{@code
 * long hz = rte_get_tsc_hz();                     // TSC ticks per second
 * FlowTable flows = FlowTable.of(opts.flows);
 * // per queue q, on its TX lcore:
 * TxStream tx = new TxStream(q, mix, flows, srcMac, dstMac);
 * RatePacer pacer = rate.isMax() ? RatePacer.unlimited()
 *         : new RatePacer(rate.toPps(mix.averageSize()) / queues, hz, rdtsc(), 4 * burst);
 * loop: n = pacer.due(rdtsc(), burst); alloc n mbufs into pkts;
 *       tx.fill(pkts, n, rdtsc());                 // frames, data_len and pkt_len
 *       // (frame by frame, into any segment: len = tx.next(mem, off, tsc))
 *       sent = tx_burst(...); free the rest and tx.unsend(n - sent); pacer.sent(sent);
 * // per queue q, on its RX lcore:
 * RxAccounting rx = new RxAccounting(q, hz);       // or (q, hz, window, sampleEvery)
 * loop: n = rx_burst(...); now = rdtsc();
 *       rx.onBurst(pkts, n, now); free the mbufs   // (frame by frame: rx.onFrame(mem, off, len, now))
 * // end of warm-up (TX keeps running): rx.reset(tx.nextSeq()) and remember tx.packets()/bytes()
 * // end: stop TX, let RX drain (~100 ms), stop RX; then
 * Report r = Report.builder(seconds).info("frame_size", mix.name())
 *         .queue(q, txPacketsInWindow, txBytesInWindow, rx) ... .build();
 * System.out.print(ReportWriter.table(r)); Files.writeString(json, ReportWriter.json(r));
 * }</pre>
 * The RX side reads {@link io.vswitch.gen.Frame#parse} (stream id or {@code NOT_OURS}), then the
 * sequence number at byte 44 and the TX TSC at byte 52, both big-endian u64.
 */
package io.vswitch.gen;
