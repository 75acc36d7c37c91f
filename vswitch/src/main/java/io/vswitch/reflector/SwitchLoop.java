package io.vswitch.reflector;

import io.vswitch.dpdk.LcoreLoop;

import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.SwitchStage;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.PacketIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One lcore of the L2 switch: for each (port, rx queue) pair it owns, receive a burst,
 * decide each frame (learn its source, then a port, FLOOD or DROP), stage the burst per
 * output port, then one tx burst per output port on <em>this lcore's own tx queue</em>
 * (every port has one tx queue per lcore, so no tx locks), and free what was not taken.
 *
 * <pre>
 *   rx_burst(in, q) ─► [m0 .. mn-1] ─► Forwarding.decide ─► SwitchStage ─┬─ refcnt += copies-1 (floods to ≥ 3 ports)
 *                                                                       ├─ tx_burst(p, txq) per output port
 *                                                                       │     └─ rest ─► free_bulk (tx drops of p)
 *                                                                       └─ drops ─► free_bulk
 * </pre>
 *
 * Floods are copy-free: one mbuf, its reference count raised to the number of output
 * ports, the same pointer in each port's tx array; each tx (or free of a shortfall) drops
 * one reference. Every mbuf is sent or freed in the iteration that received it, and
 * nothing in {@link #loop} allocates (the arrays, stage and counters are made before it).
 */
public final class SwitchLoop extends LcoreLoop {
    private final PacketIo io;
    private final short txq;
    private final short[] ports;
    private final short[] queues;
    private final Forwarding fwd;
    private final SwitchStage stage;
    private final SwitchCounters counters;
    private final MemorySegment pkts;
    private final int[] decisions;
    private final int burst;

    /**
     * @param cpu       the CPU to pin to
     * @param txq       this lcore's tx queue on every port
     * @param nPorts    number of switch ports (ids 0..nPorts-1)
     * @param ports     rx (port, queue) pairs this lcore polls: ports ...
     * @param queues    ... and queues
     * @param fwd       this lcore's forwarding state (shared table, own counters)
     */
    public SwitchLoop(int cpu, PacketIo io, int txq, int nPorts, int burst, int[] ports, int[] queues, Forwarding fwd,
                      SwitchCounters counters) {
        super(cpu);
        this.io = io;
        this.txq = (short) txq;
        this.ports = new short[ports.length];
        this.queues = new short[queues.length];
        for (int i = 0; i < ports.length; i++) {
            this.ports[i] = (short) ports[i];
            this.queues[i] = (short) queues[i];
        }
        this.fwd = fwd;
        this.counters = counters;
        this.burst = burst;
        this.stage = new SwitchStage(nPorts, burst, Arena.global());
        this.pkts = Arena.global().allocate(ValueLayout.ADDRESS, burst);
        this.decisions = new int[burst];
    }

    public Forwarding forwarding() {
        return fwd;
    }

    public SwitchCounters counters() {
        return counters;
    }

    @Override
    protected void link() {
        super.link();
        Mbufs.link();
    }

    @Override
    protected void loop() {
        final PacketIo io = this.io;
        final MemorySegment pkts = this.pkts;
        final int[] decisions = this.decisions;
        final short[] ports = this.ports;
        final short[] queues = this.queues;
        final Forwarding fwd = this.fwd;
        final SwitchStage stage = this.stage;
        final long[] c = this.counters.c;
        final short txq = this.txq;
        final int burst = this.burst;
        final int pairs = ports.length;
        while (running()) {
            for (int k = 0; k < pairs; k++) {
                int in = ports[k];
                int n = io.rxBurst(ports[k], queues[k], pkts, burst);
                if (n == 0) {
                    continue;
                }
                long now = System.nanoTime();
                long bytes = 0;
                fwd.newBurst();
                for (int i = 0; i < n; i++) {
                    long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
                    int len = Mbufs.dataLen(m);
                    bytes += len;
                    decisions[i] = fwd.decideInBurst(in, Mbufs.ALL, Mbufs.data(m), len, now);
                }
                stage.stage(in, pkts, decisions, n);
                // references first: a tx may free its reference before the next tx is called
                for (int r = 0, refs = stage.refCount(); r < refs; r++) {
                    Mbufs.addReferences(stage.refMbuf(r), stage.refExtra(r));
                }
                for (int t = 0, touched = stage.touchedPorts(); t < touched; t++) {
                    int p = stage.touchedPort(t);
                    int cnt = stage.count(p);
                    int sent = io.txBurst(p, txq, stage.staging(p), cnt);
                    if (sent < cnt) {
                        io.freeBulk(stage.stagingFrom(p, sent), cnt - sent);
                        c[SwitchCounters.at(p, SwitchCounters.TX_DROP)] += cnt - sent;
                    }
                    c[SwitchCounters.at(p, SwitchCounters.TX)] += sent;
                }
                int drops = stage.dropCount();
                if (drops > 0) {
                    io.freeBulk(stage.drops(), drops);
                }
                c[SwitchCounters.at(in, SwitchCounters.RX)] += n;
                c[SwitchCounters.at(in, SwitchCounters.RX_BYTES)] += bytes;
                c[SwitchCounters.at(in, SwitchCounters.BURSTS)]++;
            }
        }
    }
}
