package io.vswitch.dpdk;

/**
 * A failure of a DPDK set-up step the user can fix (no hugepages, a socket path in use, a
 * port that does not start...): the message names the fix. The {@code dpdk/} layer reports
 * every such error with this one kind; the programs' CLI maps {@link #kind()} to a distinct
 * exit code and prints the message as one line, without a stack trace.
 */
public final class DpdkException extends RuntimeException {
    /** What failed, coarse enough for an exit code. */
    public enum Kind {
        /** A bad argument (a --vdev that does not parse, sizes out of range). */
        USAGE,
        /** No hugepages reserved, or hugetlbfs not mounted. */
        HUGEPAGES,
        /** A vhost socket path in use, not a socket, or in a missing directory. */
        SOCKET,
        /** An lcore not available, lcores vs queues mismatch. */
        LCORE,
        /** rte_eal_init failed for another reason. */
        EAL,
        /** No such device, or configure / queue setup / start / hotplug failed. */
        PORT,
        /** The mbuf pool could not be created. */
        MEMPOOL
    }

    private final Kind kind;

    public DpdkException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
