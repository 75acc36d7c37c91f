package io.vswitch.dpdk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * {@link PacketIo} in memory, for tests of the loops without DPDK: each (port, queue) has
 * an rx ring the test fills with mbuf addresses ({@link #inject}) and a tx log of what the
 * loop sent ({@link #sent}); frees are logged too ({@link #freed}). A tx queue can be given
 * a room ({@link #txRoom}) to play a full ring. Mbuf addresses are opaque here: point them
 * at fake mbufs when the loop reads frames.
 *
 * <p>Single-threaded by design apart from one rule: a test thread may {@link #inject} while
 * a loop polls only if it stops the loop before reading the logs. The rings and logs are
 * fixed-size arrays made up front, so the loop's calls allocate nothing.
 */
public final class MemoryIo implements PacketIo {
    private final int ports;
    private final int queues;
    private final long[][] rx;
    private final int[] rxHead;
    private final int[] rxTail;
    private final long[][] tx;
    private final int[] txCount;
    private final int[] txRoom;
    private final long[] freed;
    private int freedCount;

    /**
     * @param ports    port ids 0..ports-1
     * @param queues   queues 0..queues-1 on every port
     * @param capacity frames each rx ring, tx log and the free log can hold
     */
    public MemoryIo(int ports, int queues, int capacity) {
        this.ports = ports;
        this.queues = queues;
        int n = ports * queues;
        rx = new long[n][capacity];
        rxHead = new int[n];
        rxTail = new int[n];
        tx = new long[n][capacity];
        txCount = new int[n];
        txRoom = new int[n];
        Arrays.fill(txRoom, Integer.MAX_VALUE);
        freed = new long[capacity];
    }

    private int at(int port, int queue) {
        if (port < 0 || port >= ports || queue < 0 || queue >= queues) {
            throw new IndexOutOfBoundsException("port " + port + " queue " + queue);
        }
        return port * queues + queue;
    }

    /** Queues mbufs for the loop's next rx bursts on (port, queue). */
    public synchronized void inject(int port, int queue, long... mbufs) {
        int q = at(port, queue);
        for (long m : mbufs) {
            rx[q][rxTail[q]++] = m;
        }
    }

    /** How many more frames tx queue (port, queue) takes from now on (a full ring: 0). */
    public synchronized void txRoom(int port, int queue, int room) {
        txRoom[at(port, queue)] = room;
    }

    /** What the loop sent on (port, queue), in order. */
    public synchronized long[] sent(int port, int queue) {
        int q = at(port, queue);
        return Arrays.copyOf(tx[q], txCount[q]);
    }

    /** Every mbuf freed, in order (an mbuf with n references appears n times when all are dropped). */
    public synchronized long[] freed() {
        return Arrays.copyOf(freed, freedCount);
    }

    /** Frames injected on (port, queue) and not yet received. */
    public synchronized int pending(int port, int queue) {
        int q = at(port, queue);
        return rxTail[q] - rxHead[q];
    }

    @Override
    public synchronized int rxBurst(int port, int queue, MemorySegment pkts, int max) {
        int q = at(port, queue);
        int n = Math.min(max, rxTail[q] - rxHead[q]);
        for (int i = 0; i < n; i++) {
            pkts.setAtIndex(ValueLayout.JAVA_LONG, i, rx[q][rxHead[q]++]);
        }
        return n;
    }

    @Override
    public synchronized int txBurst(int port, int queue, MemorySegment pkts, int n) {
        int q = at(port, queue);
        int take = Math.min(n, txRoom[q]);
        if (txRoom[q] != Integer.MAX_VALUE) {
            txRoom[q] -= take;
        }
        for (int i = 0; i < take; i++) {
            tx[q][txCount[q]++] = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
        }
        return take;
    }

    @Override
    public synchronized void freeBulk(MemorySegment pkts, int n) {
        for (int i = 0; i < n; i++) {
            freed[freedCount++] = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
        }
    }
}
