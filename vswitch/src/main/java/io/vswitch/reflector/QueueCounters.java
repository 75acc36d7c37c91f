package io.vswitch.reflector;

/**
 * Counters of one (port, queue) pair, written only by the lcore that polls it and read
 * by the stats thread. Plain fields, no volatile or atomics on the hot path: 64-bit
 * stores are atomic on x86-64, and the native burst calls between iterations force the
 * JIT to store them, so the reader sees values at most one burst old.
 *
 * <p>Padding on both sides (through the class hierarchy, which HotSpot lays out in
 * order) keeps two lcores' counters off one cache line.
 */
public final class QueueCounters extends QueueCountersFields {
    public final int port;
    public final int queue;
    public final String portName;

    public QueueCounters(int port, String portName, int queue) {
        this.port = port;
        this.portName = portName;
        this.queue = queue;
    }

    /** A consistent-enough copy for the stats thread. */
    public Snapshot snapshot() {
        return new Snapshot(rxPkts, txPkts, rxBytes, txBytes, drops, bursts, emptyPolls);
    }

    public record Snapshot(long rxPkts, long txPkts, long rxBytes, long txBytes, long drops, long bursts,
                           long emptyPolls) {}
}

@SuppressWarnings("unused")
abstract class QueueCountersPad {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

abstract class QueueCountersFields extends QueueCountersPad {
    /** Packets received / sent back, bytes of whole frames (pkt_len, all segments; no FCS), tx shortfall freed. */
    long rxPkts, txPkts, rxBytes, txBytes, drops;
    /** rx bursts that returned packets / returned nothing. */
    long bursts, emptyPolls;
    @SuppressWarnings("unused")
    long q01, q02, q03, q04, q05, q06, q07, q08;
}
