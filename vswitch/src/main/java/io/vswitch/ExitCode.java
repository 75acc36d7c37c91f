package io.vswitch;

/**
 * Process exit codes shared by vswitch, vswitch-gen and the bench: a script can tell
 * what to fix from the code alone. 0 is success; 1 is an internal error (a bug: it
 * prints a stack trace); the rest are user or environment errors (one line, no trace).
 */
public enum ExitCode {
    OK(0),
    INTERNAL(1),
    USAGE(2),          // bad option or value
    HUGEPAGES(3),      // no hugepages reserved / hugetlbfs not mounted
    SOCKET(4),         // a socket path (vhost, --ctl) too long, taken twice, in use, held by another file, or its directory unusable
    LCORE(5),          // lcore not available, lcores vs queues mismatch
    EAL(6),            // rte_eal_init failed for another reason
    PORT(7),           // no such vdev/port, configure/queue setup/start failed
    MEMPOOL(8),        // mbuf pool could not be created
    PEER(9),           // peer did not connect / traffic check failed (generator)
    DB(10),            // the port database (--db) is damaged, unreadable or cannot be written
    OUTPUT(11),        // an output file (--stats-json, --fdb-json) cannot be written: checked before start
    ALREADY_RUNNING(12), // another vswitch answers on the --ctl socket
    POLL_LOOP(13),     // a poll loop failed (a bug or a device fault): the switch stopped; the line names port and queue
    METRICS(14),       // --metrics cannot listen: its port is in use, or the address is not this host's
    ;

    public final int code;

    ExitCode(int code) {
        this.code = code;
    }
}
