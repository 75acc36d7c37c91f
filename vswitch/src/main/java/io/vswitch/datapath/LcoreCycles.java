package io.vswitch.datapath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One poll loop's cycle accounting, the analogue of Open vSwitch's {@code pmd-stats-show}:
 * TSC cycles spent in polls that returned frames (busy: receiving, switching and sending them)
 * and in polls that returned none (idle), frames and non-empty polls (bursts), and per
 * (port, rx queue) the busy cycles of its polls ({@code pmd-rxq-show}).
 *
 * <pre>
 *   t0 ─ rx_burst(p, q) ─ n == 0 ─────────────────────────── t1 : idle += t1 - t0
 *   t1 ─ rx_burst(p, q) ─ n > 0 ─ decide, stage, transmit ── t2 : busy += t2 - t1, rxq[p][q] += t2 - t1,
 *                                                                 frames += n, bursts++
 * </pre>
 *
 * One TSC read per poll, the loop's own (each poll's end is the next one's start). Written only
 * by the owning loop with plain stores, read by the control thread with opaque loads, as
 * {@link PortCounters} are: a reader sees each counter at some recent moment, never torn. The
 * counters only grow; a "clear" is a baseline {@link Snapshot} the reader keeps and subtracts.
 */
public final class LcoreCycles {
    /** Rx queues per port accounted separately; higher ones share the last slot. */
    public static final int MAX_QUEUES = 32;

    private static final int BUSY = 0;
    private static final int IDLE = 1;
    private static final int FRAMES = 2;
    private static final int BURSTS = 3;
    /** The totals sit on their own cache line, the per-queue slots after it. */
    private static final int RXQ = 16;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] c;
    private final int ports;

    public LcoreCycles(int ports) {
        this.ports = ports;
        this.c = new long[RXQ + ports * MAX_QUEUES + 8];
    }

    private static int slot(int port, int queue) {
        return RXQ + port * MAX_QUEUES + Math.min(queue, MAX_QUEUES - 1);
    }

    /** An empty poll took {@code cycles}: the owning loop only. */
    public void idle(long cycles) {
        c[IDLE] += cycles;
    }

    /** A poll of ({@code port}, {@code queue}) returned {@code frames} frames and took {@code cycles} in all. */
    public void busy(int port, int queue, long cycles, int frames) {
        c[BUSY] += cycles;
        c[FRAMES] += frames;
        c[BURSTS]++;
        c[slot(port, queue)] += cycles;
    }

    private long get(int i) {
        return (long) COUNT.getOpaque(c, i);
    }

    /** The counters now, from any thread. */
    public Snapshot snapshot() {
        long[] rxq = new long[ports * MAX_QUEUES];
        for (int i = 0; i < rxq.length; i++) {
            rxq[i] = get(RXQ + i);
        }
        return new Snapshot(get(BUSY), get(IDLE), get(FRAMES), get(BURSTS), rxq);
    }

    /** A reading of every counter (per rx queue: {@code rxqBusy[port * MAX_QUEUES + queue]}). */
    public record Snapshot(long busy, long idle, long frames, long bursts, long[] rxqBusy) {
        /** No cycles yet: the baseline of a loop never cleared. */
        public static Snapshot zero(int ports) {
            return new Snapshot(0, 0, 0, 0, new long[ports * MAX_QUEUES]);
        }

        /** This reading minus {@code base} (a clear). */
        public Snapshot minus(Snapshot base) {
            long[] r = new long[rxqBusy.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = rxqBusy[i] - base.rxqBusy[i];
            }
            return new Snapshot(busy - base.busy, idle - base.idle, frames - base.frames, bursts - base.bursts, r);
        }

        /** Busy cycles of ({@code port}, {@code queue}). */
        public long rxqBusy(int port, int queue) {
            return rxqBusy[slot(port, queue) - RXQ];
        }

        /** Share of the polling time with frames, 0..100 (0 before any poll). */
        public double busyPct() {
            long all = busy + idle;
            return all == 0 ? 0 : 100.0 * busy / all;
        }

        /** Busy cycles per frame received (0 without frames). */
        public double cyclesPerFrame() {
            return frames == 0 ? 0 : (double) busy / frames;
        }

        /** Frames per non-empty poll (0 without one). */
        public double framesPerBurst() {
            return bursts == 0 ? 0 : (double) frames / bursts;
        }

        /** ({@code port}, {@code queue})'s share of the busy cycles, 0..100. */
        public double busySharePct(int port, int queue) {
            return busy == 0 ? 0 : 100.0 * rxqBusy(port, queue) / busy;
        }
    }
}
