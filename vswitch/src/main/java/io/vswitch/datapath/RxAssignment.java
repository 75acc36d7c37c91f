package io.vswitch.datapath;

import java.util.ArrayList;
import java.util.List;

/**
 * Which lcore polls which (port, rx queue), as ports come and go: each new rx queue goes to
 * the lcore with the fewest queues (ties: the first), and a removed port's queues simply
 * leave their lcores, so the other queues never move (a moving queue would cost its frames
 * a cache-cold lcore and its counters a second home). Added in order to an empty
 * assignment, ports are dealt exactly as {@link QueueMap} deals them.
 *
 * <pre>
 *   lcores on cpus 1,2           add vm0 (2 queues)   add vm1 (1)   add vm2 (1)   del vm0
 *   lcore 0 (cpu 1):             vm0 q0               vm0 q0 vm1 q0 ...            vm1 q0
 *   lcore 1 (cpu 2):             vm0 q1               vm0 q1        vm0 q1 vm2 q0  vm2 q0
 * </pre>
 *
 * The control thread's mutable bookkeeping; the loops get immutable per-lcore snapshots of it
 * ({@link #ports(int)}, {@link #queues(int)}) inside a published plan. Not thread-safe.
 */
public final class RxAssignment {
    /** One polled (port, queue). */
    public record Rxq(int port, String name, int queue) {}

    private final int[] cpus;
    private final List<List<Rxq>> byLcore = new ArrayList<>();

    /** @param cpus the CPU of each lcore (poll loop), in lcore order */
    public RxAssignment(int[] cpus) {
        if (cpus.length == 0) {
            throw new IllegalArgumentException("no lcores: name the CPUs for the poll loops with --lcores, e.g. --lcores 1");
        }
        this.cpus = cpus.clone();
        for (int i = 0; i < cpus.length; i++) {
            byLcore.add(new ArrayList<>());
        }
    }

    /** Gives the {@code queues} rx queues of {@code port} to the least loaded lcores. */
    public void add(int port, String name, int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException(name + ": " + queues + " queues (need at least 1)");
        }
        for (List<Rxq> l : byLcore) {
            for (Rxq r : l) {
                if (r.port() == port) {
                    throw new IllegalArgumentException("port id " + port + " (" + name + ") is assigned already");
                }
            }
        }
        for (int q = 0; q < queues; q++) {
            int best = 0;
            for (int l = 1; l < byLcore.size(); l++) {
                if (byLcore.get(l).size() < byLcore.get(best).size()) {
                    best = l;
                }
            }
            byLcore.get(best).add(new Rxq(port, name, q));
        }
    }

    /** Takes every rx queue of {@code port} off its lcore; the others stay where they are. */
    public void remove(int port) {
        for (List<Rxq> l : byLcore) {
            l.removeIf(r -> r.port() == port);
        }
    }

    /** Number of lcores. */
    public int lcores() {
        return cpus.length;
    }

    /** The CPU of lcore {@code l}. */
    public int cpu(int l) {
        return cpus[l];
    }

    /** What lcore {@code l} polls, in order. */
    public List<Rxq> of(int l) {
        return List.copyOf(byLcore.get(l));
    }

    /** Port ids lcore {@code l} polls (a fresh array, pairs with {@link #queues}). */
    public int[] ports(int l) {
        return byLcore.get(l).stream().mapToInt(Rxq::port).toArray();
    }

    /** Rx queue ids lcore {@code l} polls (a fresh array). */
    public int[] queues(int l) {
        return byLcore.get(l).stream().mapToInt(Rxq::queue).toArray();
    }

    /** The lcore polling (port, queue), or -1. */
    public int lcoreOf(int port, int queue) {
        for (int l = 0; l < byLcore.size(); l++) {
            for (Rxq r : byLcore.get(l)) {
                if (r.port() == port && r.queue() == queue) {
                    return l;
                }
            }
        }
        return -1;
    }

    /** One line per lcore: {@code lcore 0 (cpu 1): vm0 q0, vm1 q0} ({@code (idle)} when it polls nothing). */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int l = 0; l < cpus.length; l++) {
            sb.append("lcore ").append(l).append(" (cpu ").append(cpus[l]).append("):");
            List<Rxq> rs = byLcore.get(l);
            if (rs.isEmpty()) {
                sb.append(" (idle)");
            }
            for (int j = 0; j < rs.size(); j++) {
                sb.append(j == 0 ? " " : ", ").append(rs.get(j).name()).append(" q").append(rs.get(j).queue());
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
