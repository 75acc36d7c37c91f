package io.vswitch.datapath;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which lcore polls which (port, rx queue) pair.
 *
 * <p>The pairs are listed port by port, queue by queue, and dealt round-robin
 * to the lcores, so every lcore gets a share that differs by at most one pair,
 * and with equal queue counts every lcore gets the same number of queues of
 * each port:
 *
 * <pre>
 *   ports vhost0 (2 queues), vhost1 (2 queues); lcores on cpus 0,1
 *
 *   pairs:   v0q0  v0q1  v1q0  v1q1
 *              |     |     |     |
 *   lcore:     0     1     0     1
 *
 *   lcore 0 (cpu 0): vhost0 q0, vhost1 q0
 *   lcore 1 (cpu 1): vhost0 q1, vhost1 q1
 * </pre>
 *
 * More lcores than pairs is an error (an lcore would spin with nothing to
 * poll). The poll loop reads its share through the primitive arrays
 * {@link #ports(int)} / {@link #queues(int)}, with no boxing.
 */
public final class QueueMap {
    /**
     * A port and how many rx queues it has.
     *
     * @param portId  the DPDK port id
     * @param name    the name shown to users (e.g. {@code net_vhost0})
     * @param nQueues number of rx queues, at least 1
     */
    public record Port(int portId, String name, int nQueues) {
        public Port {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("port " + portId + " has no name");
            }
            if (nQueues < 1) {
                throw new IllegalArgumentException(name + ": " + nQueues + " queues (need at least 1)");
            }
        }
    }

    private final List<Port> portList;
    private final int[] cpus;
    private final int[] lcoreIds;
    private final int[][] ports;
    private final int[][] queues;
    private final String[][] names;

    private QueueMap(List<Port> portList, int[] cpus, int[] lcoreIds) {
        this.portList = List.copyOf(portList);
        this.cpus = cpus.clone();
        this.lcoreIds = lcoreIds.clone();
        int total = 0;
        for (Port p : portList) {
            total += p.nQueues();
        }
        int n = cpus.length;
        ports = new int[n][];
        queues = new int[n][];
        names = new String[n][];
        for (int l = 0; l < n; l++) {
            int share = total / n + (l < total % n ? 1 : 0);
            ports[l] = new int[share];
            queues[l] = new int[share];
            names[l] = new String[share];
        }
        int k = 0;
        for (Port p : portList) {
            for (int q = 0; q < p.nQueues(); q++, k++) {
                int l = k % n;
                int slot = k / n;
                ports[l][slot] = p.portId();
                queues[l][slot] = q;
                names[l][slot] = p.name();
            }
        }
    }

    /**
     * Assigns every (port, queue) pair to one of the CPUs, with lcore ids
     * equal to the CPU numbers.
     *
     * @see #assign(List, int[], int[])
     */
    public static QueueMap assign(List<Port> ports, int[] cpus) {
        return assign(ports, cpus, cpus);
    }

    /**
     * Assigns every (port, queue) pair to an lcore.
     *
     * @param ports    the ports, in the order their pairs are dealt
     * @param cpus     the CPUs the poll loops run on, one loop per CPU
     * @param lcoreIds the DPDK lcore id of the loop on {@code cpus[i]}
     * @throws IllegalArgumentException with a message fit to show users when
     *         there are no ports or CPUs, port ids repeat, or there are more
     *         lcores than pairs
     */
    public static QueueMap assign(List<Port> ports, int[] cpus, int[] lcoreIds) {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("no ports: add one with --vdev net_vhost0,iface=/tmp/sock0");
        }
        if (cpus.length == 0) {
            throw new IllegalArgumentException("no lcores: name the CPUs for the poll loops with --lcores, e.g. --lcores 1");
        }
        if (lcoreIds.length != cpus.length) {
            throw new IllegalArgumentException(cpus.length + " CPUs but " + lcoreIds.length + " lcore ids");
        }
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (Port p : ports) {
            if (!seen.add(p.portId())) {
                throw new IllegalArgumentException("port id " + p.portId() + " (" + p.name() + ") is listed twice");
            }
            total += p.nQueues();
        }
        if (cpus.length > total) {
            throw new IllegalArgumentException(cpus.length + " lcores but only " + total
                    + (total == 1 ? " queue" : " queues") + ": use --lcores with at most " + total
                    + (total == 1 ? " CPU" : " CPUs") + ", or more queues (queues=N in --vdev)");
        }
        return new QueueMap(ports, cpus, lcoreIds);
    }

    /** Number of lcores (poll loops). */
    public int lcores() {
        return cpus.length;
    }

    /** The CPU of loop {@code i}. */
    public int cpu(int i) {
        return cpus[i];
    }

    /** The DPDK lcore id of loop {@code i}. */
    public int lcoreId(int i) {
        return lcoreIds[i];
    }

    /** Port ids loop {@code i} polls; entry {@code j} pairs with {@code queues(i)[j]}. Do not modify. */
    public int[] ports(int i) {
        return ports[i];
    }

    /** Rx queue ids loop {@code i} polls. Do not modify. */
    public int[] queues(int i) {
        return queues[i];
    }

    /** The ports, as given. */
    public List<Port> portList() {
        return portList;
    }

    /** The mapping, one line per lcore: {@code lcore 1 (cpu 1): net_vhost0 q0, net_vhost0 q1}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int l = 0; l < cpus.length; l++) {
            sb.append("lcore ").append(lcoreIds[l]).append(" (cpu ").append(cpus[l]).append("):");
            for (int j = 0; j < ports[l].length; j++) {
                sb.append(j == 0 ? " " : ", ").append(names[l][j]).append(" q").append(queues[l][j]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Every pair as (port, queue, loop index) rows, for tests and JSON stats. */
    public List<int[]> pairs() {
        List<int[]> out = new ArrayList<>();
        for (int l = 0; l < cpus.length; l++) {
            for (int j = 0; j < ports[l].length; j++) {
                out.add(new int[] {ports[l][j], queues[l][j], l});
            }
        }
        return out;
    }
}
