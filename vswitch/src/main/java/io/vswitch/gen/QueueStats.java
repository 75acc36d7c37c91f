package io.vswitch.gen;

/**
 * Measured results of one queue (or the total of all queues) over a measurement window.
 * Packet and byte counts are frames as RFC 2544 counts them: bytes include the FCS.
 *
 * @param queue queue id, or -1 for the total
 * @param seconds length of the measured window
 * @param txPackets frames transmitted in the window
 * @param txBytes their bytes, FCS included
 * @param rxPackets our frames received back, duplicates excluded ({@link RxAccounting#received()})
 * @param rxBytes their bytes, FCS included
 * @param duplicates duplicate frames received
 * @param reordered frames received after a higher sequence number
 * @param foreign frames received that were not ours
 * @param otherStream our frames received on a queue other than the one that sent them
 * @param latency latency percentiles
 */
public record QueueStats(int queue, double seconds, long txPackets, long txBytes, long rxPackets, long rxBytes,
                         long duplicates, long reordered, long foreign, long otherStream, LatencySummary latency) {

    /** Queue id used for the total row. */
    public static final int TOTAL = -1;

    /** Stats of one queue from its TX counters and its {@link RxAccounting}. */
    public static QueueStats of(int queue, double seconds, long txPackets, long txBytes, RxAccounting rx) {
        return new QueueStats(queue, seconds, txPackets, txBytes, rx.received(), rx.receivedBytes(), rx.duplicates(),
                rx.reordered(), rx.foreign(), rx.otherStream(), LatencySummary.of(rx.latency()));
    }

    /** TX packets per second. */
    public double txPps() { return rate(txPackets); }
    /** RX packets per second. */
    public double rxPps() { return rate(rxPackets); }
    /** TX L2 bits per second (frame bytes incl. FCS x 8). */
    public double txL2Bps() { return rate(txBytes) * 8; }
    /** RX L2 bits per second. */
    public double rxL2Bps() { return rate(rxBytes) * 8; }
    /** TX line-rate-equivalent bits per second: L2 plus 20 B preamble+SFD+IFG per frame. */
    public double txLineBps() { return rate(txBytes + Frame.WIRE_OVERHEAD * txPackets) * 8; }
    /** RX line-rate-equivalent bits per second. */
    public double rxLineBps() { return rate(rxBytes + Frame.WIRE_OVERHEAD * rxPackets) * 8; }
    /** Frames sent and not received: {@code tx - rx} (negative would mean frames counted from outside the window). */
    public long lostPackets() { return txPackets - rxPackets; }

    /** {@code lost / tx}, NaN when nothing was sent. */
    public double lossRatio() {
        return txPackets == 0 ? Double.NaN : (double) lostPackets() / txPackets;
    }

    private double rate(long n) {
        return seconds > 0 ? n / seconds : Double.NaN;
    }
}
