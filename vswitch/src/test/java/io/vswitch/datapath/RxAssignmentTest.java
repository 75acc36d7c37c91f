package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which lcore polls which rx queue as ports come and go. */
class RxAssignmentTest {
    @Test
    void theExampleOfTheClassComment() {
        RxAssignment a = new RxAssignment(new int[] {1, 2});
        a.add(10, "vm0", 2);
        assertEquals("lcore 0 (cpu 1): vm0 q0\nlcore 1 (cpu 2): vm0 q1\n", a.describe());
        a.add(11, "vm1", 1);
        a.add(12, "vm2", 1);
        assertEquals("lcore 0 (cpu 1): vm0 q0, vm1 q0\nlcore 1 (cpu 2): vm0 q1, vm2 q0\n", a.describe());
        a.remove(10);
        assertEquals("lcore 0 (cpu 1): vm1 q0\nlcore 1 (cpu 2): vm2 q0\n", a.describe(),
                "the other queues stay where they were");
        assertArrayEquals(new int[] {11}, a.ports(0));
        assertArrayEquals(new int[] {0}, a.queues(0));
        assertEquals(1, a.lcoreOf(12, 0));
        assertEquals(-1, a.lcoreOf(10, 0));
    }

    @Test
    void addedInOrderItDealsAsQueueMapDoes() {
        int[] cpus = {0, 1, 2};
        int[][] ports = {{0, 2}, {1, 1}, {2, 3}, {3, 1}};
        RxAssignment a = new RxAssignment(cpus);
        List<QueueMap.Port> list = new java.util.ArrayList<>();
        for (int[] p : ports) {
            a.add(p[0], "p" + p[0], p[1]);
            list.add(new QueueMap.Port(p[0], "p" + p[0], p[1]));
        }
        QueueMap m = QueueMap.assign(list, cpus);
        for (int l = 0; l < cpus.length; l++) {
            assertArrayEquals(m.ports(l), a.ports(l), "lcore " + l + " ports");
            assertArrayEquals(m.queues(l), a.queues(l), "lcore " + l + " queues");
        }
    }

    @Test
    void aNewPortGoesToTheLeastLoadedLcores() {
        RxAssignment a = new RxAssignment(new int[] {0, 1});
        a.add(0, "a", 1);
        a.add(1, "b", 1);
        a.add(2, "c", 1);
        a.remove(0);                               // lcore 0: c; lcore 1: b
        a.add(3, "d", 1);                          // a tie: the first lcore
        assertArrayEquals(new int[] {2, 3}, a.ports(0));
        assertArrayEquals(new int[] {1}, a.ports(1));
        a.add(4, "e", 1);
        assertArrayEquals(new int[] {1, 4}, a.ports(1), "to the lcore with fewer queues");
        assertEquals("lcore 0 (cpu 0): c q0, d q0\nlcore 1 (cpu 1): b q0, e q0\n", a.describe());
        RxAssignment idle = new RxAssignment(new int[] {5});
        assertEquals("lcore 0 (cpu 5): (idle)\n", idle.describe());
    }

    @Test
    void mistakesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RxAssignment(new int[0]));
        RxAssignment a = new RxAssignment(new int[] {0});
        a.add(0, "a", 1);
        assertThrows(IllegalArgumentException.class, () -> a.add(0, "again", 1));
        assertThrows(IllegalArgumentException.class, () -> a.add(1, "none", 0));
    }
}
