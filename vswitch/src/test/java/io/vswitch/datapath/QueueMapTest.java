package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.*;

import io.vswitch.datapath.QueueMap.Port;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueMapTest {
    static final Port V0_2 = new Port(0, "net_vhost0", 2);
    static final Port V1_2 = new Port(1, "net_vhost1", 2);

    @Test
    void oneLcoreServesEveryQueue() {
        QueueMap m = QueueMap.assign(List.of(V0_2), new int[] {1});
        assertEquals(1, m.lcores());
        assertArrayEquals(new int[] {0, 0}, m.ports(0));
        assertArrayEquals(new int[] {0, 1}, m.queues(0));
        assertEquals("lcore 1 (cpu 1): net_vhost0 q0, net_vhost0 q1\n", m.describe());
    }

    @Test
    void oneQueuePerLcore() {
        QueueMap m = QueueMap.assign(List.of(V0_2), new int[] {2, 3});
        assertEquals("lcore 2 (cpu 2): net_vhost0 q0\nlcore 3 (cpu 3): net_vhost0 q1\n", m.describe());
        assertEquals(2, m.cpu(0));
        assertEquals(2, m.lcoreId(0));
        assertEquals(3, m.lcoreId(1));
    }

    @Test
    void twoPortsTwoLcoresGiveEachLcoreOneQueueOfEachPort() {
        QueueMap m = QueueMap.assign(List.of(V0_2, V1_2), new int[] {0, 1});
        assertEquals("""
                lcore 0 (cpu 0): net_vhost0 q0, net_vhost1 q0
                lcore 1 (cpu 1): net_vhost0 q1, net_vhost1 q1
                """, m.describe());
    }

    @Test
    void unevenSharesDifferByAtMostOneAndCoverEveryPairOnce() {
        List<Port> ports = List.of(new Port(3, "net_vhost0", 3), new Port(7, "net_tap0", 1), new Port(4, "net_vhost1", 4));
        QueueMap m = QueueMap.assign(ports, new int[] {1, 2, 5}, new int[] {10, 11, 12});
        Set<String> seen = new HashSet<>();
        int min = Integer.MAX_VALUE, max = 0;
        for (int l = 0; l < m.lcores(); l++) {
            assertEquals(m.ports(l).length, m.queues(l).length);
            min = Math.min(min, m.ports(l).length);
            max = Math.max(max, m.ports(l).length);
            for (int j = 0; j < m.ports(l).length; j++) {
                assertTrue(seen.add(m.ports(l)[j] + "/" + m.queues(l)[j]), "pair assigned twice");
            }
        }
        assertEquals(8, seen.size());
        for (Port p : ports) {
            for (int q = 0; q < p.nQueues(); q++) {
                assertTrue(seen.contains(p.portId() + "/" + q), "pair " + p.portId() + "/" + q + " unassigned");
            }
        }
        assertTrue(max - min <= 1, "shares " + min + ".." + max);
        assertEquals(8, m.pairs().size());
        assertEquals("""
                lcore 10 (cpu 1): net_vhost0 q0, net_tap0 q0, net_vhost1 q2
                lcore 11 (cpu 2): net_vhost0 q1, net_vhost1 q0, net_vhost1 q3
                lcore 12 (cpu 5): net_vhost0 q2, net_vhost1 q1
                """, m.describe());
    }

    @Test
    void moreLcoresThanQueuesIsAnErrorThatNamesTheFix() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> QueueMap.assign(List.of(V0_2), new int[] {1, 2, 3}));
        assertEquals("3 lcores but only 2 queues: use --lcores with at most 2 CPUs, or more queues (queues=N in --vdev)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> QueueMap.assign(List.of(new Port(0, "net_vhost0", 1)), new int[] {0, 1}));
        assertEquals("2 lcores but only 1 queue: use --lcores with at most 1 CPU, or more queues (queues=N in --vdev)",
                e.getMessage());
    }

    @Test
    void otherErrors() {
        assertEquals("no ports: add one with --vdev net_vhost0,iface=/tmp/sock0",
                assertThrows(IllegalArgumentException.class, () -> QueueMap.assign(List.of(), new int[] {1})).getMessage());
        assertEquals("no lcores: name the CPUs for the poll loops with --lcores, e.g. --lcores 1",
                assertThrows(IllegalArgumentException.class, () -> QueueMap.assign(List.of(V0_2), new int[] {})).getMessage());
        assertEquals("port id 0 (net_vhost0) is listed twice",
                assertThrows(IllegalArgumentException.class,
                        () -> QueueMap.assign(List.of(V0_2, V0_2), new int[] {1})).getMessage());
        assertEquals("net_vhost0: 0 queues (need at least 1)",
                assertThrows(IllegalArgumentException.class, () -> new Port(0, "net_vhost0", 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> QueueMap.assign(List.of(V0_2), new int[] {1}, new int[] {1, 2}));
    }
}
