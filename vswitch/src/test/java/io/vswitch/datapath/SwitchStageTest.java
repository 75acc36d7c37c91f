package io.vswitch.datapath;

import static io.vswitch.datapath.Forwarding.DROP;
import static io.vswitch.datapath.Forwarding.FLOOD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The per-lcore staging of a burst's decisions, on fake mbuf addresses. */
class SwitchStageTest {
    final Arena arena = Arena.ofAuto();

    MemorySegment burst(long... mbufs) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, Math.max(1, mbufs.length));
        for (int i = 0; i < mbufs.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG, i, mbufs[i]);
        }
        return s;
    }

    static long[] staged(SwitchStage s, int port) {
        return s.staging(port).asSlice(0, 8L * s.count(port)).toArray(ValueLayout.JAVA_LONG);
    }

    static long[] drops(SwitchStage s) {
        return s.drops().asSlice(0, 8L * s.dropCount()).toArray(ValueLayout.JAVA_LONG);
    }

    @Test
    void theExampleOfTheClassComment() {
        SwitchStage s = new SwitchStage(4, 32, arena);
        s.stage(0, burst(0x100, 0x200, 0x300, 0x400), new int[] {2, FLOOD, 2, DROP}, 4);
        assertArrayEquals(new long[] {0x100, 0x200, 0x300}, staged(s, 2));
        assertArrayEquals(new long[] {0x200}, staged(s, 1));
        assertArrayEquals(new long[] {0x200}, staged(s, 3));
        assertEquals(0, s.count(0), "nothing goes back out of the input port");
        assertArrayEquals(new long[] {0x400}, drops(s));
        assertEquals(1, s.refCount());
        assertEquals(0x200, s.refMbuf(0));
        assertEquals(2, s.refExtra(0), "sent on 3 ports: 2 references more than the one rx gave");
        assertEquals(3, s.touchedPorts());
        assertEquals(List.of(2, 1, 3), List.of(s.touchedPort(0), s.touchedPort(1), s.touchedPort(2)));
    }

    @Test
    void twoPortsFloodWithoutExtraReferences() {
        SwitchStage s = new SwitchStage(2, 8, arena);
        s.stage(1, burst(0xA, 0xB), new int[] {FLOOD, FLOOD}, 2);
        assertArrayEquals(new long[] {0xA, 0xB}, staged(s, 0));
        assertEquals(0, s.count(1));
        assertEquals(0, s.refCount());
    }

    @Test
    void aSinglePortFloodsNowhere() {
        SwitchStage s = new SwitchStage(1, 8, arena);
        s.stage(0, burst(0xA), new int[] {FLOOD}, 1);
        assertEquals(0, s.count(0));
        assertArrayEquals(new long[] {0xA}, drops(s), "a flood with no other port is freed, never sent back");
        assertEquals(0, s.refCount());
    }

    @Test
    void hairpinAndOutOfRangeDecisionsAreDropped() {
        SwitchStage s = new SwitchStage(3, 8, arena);
        s.stage(1, burst(0xA, 0xB, 0xC, 0xD), new int[] {1, 3, -7, 0}, 4);
        assertArrayEquals(new long[] {0xA, 0xB, 0xC}, drops(s));
        assertArrayEquals(new long[] {0xD}, staged(s, 0));
        assertEquals(0, s.count(1));
        assertEquals(0, s.count(2));
    }

    @Test
    void eachBurstStartsClean() {
        SwitchStage s = new SwitchStage(3, 8, arena);
        s.stage(0, burst(0xA, 0xB, 0xC), new int[] {FLOOD, DROP, 1}, 3);
        s.stage(2, burst(0xE), new int[] {1}, 1);
        assertArrayEquals(new long[] {0xE}, staged(s, 1));
        assertEquals(0, s.count(2));
        assertEquals(0, s.count(0));
        assertEquals(0, s.dropCount());
        assertEquals(0, s.refCount());
        assertEquals(1, s.touchedPorts());
        s.stage(2, burst(), new int[0], 0);
        assertEquals(0, s.touchedPorts());
        assertEquals(0, s.count(1));
    }

    @Test
    void tailsAddressTheRestOfAStagingArray() {
        SwitchStage s = new SwitchStage(2, 4, arena);
        s.stage(0, burst(0xA, 0xB, 0xC), new int[] {1, 1, 1}, 3);
        assertEquals(s.staging(1).address() + 16, s.stagingFrom(1, 2).address());
        assertEquals(0xC, s.stagingFrom(1, 2).get(ValueLayout.JAVA_LONG, 0));
    }

    /**
     * Random bursts on 1..6 ports: every mbuf ends up with exactly as many places
     * (tx arrays + drop array) as references (1 + extra), never in its input port's
     * array, with unicast in exactly its port and a flood in every other port, each
     * port's array in rx order.
     */
    @Test
    void referencesMatchPlacesForRandomBursts() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int round = 0; round < 2000; round++) {
            int ports = 1 + rnd.nextInt(6);
            int burstSize = 1 + rnd.nextInt(64);
            SwitchStage s = new SwitchStage(ports, burstSize, arena);
            int inPort = rnd.nextInt(ports);
            int n = rnd.nextInt(burstSize + 1);
            long[] mbufs = new long[n];
            int[] dec = new int[n];
            for (int i = 0; i < n; i++) {
                mbufs[i] = 0x1000L * (i + 1) + round;
                int r = rnd.nextInt(10);
                dec[i] = r < 2 ? FLOOD : r < 3 ? DROP : rnd.nextInt(ports);
            }
            s.stage(inPort, burst(mbufs), dec, n);
            Map<Long, Integer> places = new HashMap<>();
            int touchedTotal = 0;
            for (int t = 0; t < s.touchedPorts(); t++) {
                touchedTotal += s.count(s.touchedPort(t));
            }
            int all = 0;
            for (int p = 0; p < ports; p++) {
                long[] st = staged(s, p);
                all += st.length;
                if (p == inPort) {
                    assertEquals(0, st.length, "frames staged back to the input port");
                }
                List<Integer> idx = new ArrayList<>();
                for (long m : st) {
                    places.merge(m, 1, Integer::sum);
                    idx.add((int) (m / 0x1000L) - 1);
                }
                for (int k = 1; k < idx.size(); k++) {
                    assertTrue(idx.get(k - 1) < idx.get(k), "rx order kept on port " + p);
                }
                for (int i : idx) {
                    assertTrue(dec[i] == p || dec[i] == FLOOD, "frame " + i + " (decision " + dec[i] + ") on port " + p);
                }
            }
            assertEquals(all, touchedTotal, "touched ports cover every staged frame");
            for (long m : drops(s)) {
                places.merge(m, 1, Integer::sum);
            }
            Map<Long, Integer> extra = new HashMap<>();
            for (int r = 0; r < s.refCount(); r++) {
                extra.put(s.refMbuf(r), s.refExtra(r));
            }
            for (int i = 0; i < n; i++) {
                int expectPlaces = dec[i] == FLOOD ? Math.max(1, ports - 1) : 1;
                assertEquals(expectPlaces, places.getOrDefault(mbufs[i], 0), "places of frame " + i + " dec " + dec[i]);
                assertEquals(expectPlaces, 1 + extra.getOrDefault(mbufs[i], 0), "references of frame " + i);
            }
        }
    }

    /**
     * A burst whose frames all go to one port in one VLAN takes the bulk path
     * ({@code stageUniform}); with any port role (trunk, access of the frames' VLAN or another,
     * down, not live, the input port) and any VLAN it stages, counts and books exactly what
     * the frame loop does.
     */
    @Test
    void uniformBurstsStageAsTheFrameLoopDoes() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 3000; round++) {
            int ports = 1 + rnd.nextInt(5);
            Map<Integer, Integer> roles = new HashMap<>();
            java.util.Set<Integer> down = new java.util.HashSet<>();
            for (int p = 0; p < ports; p++) {
                int r = rnd.nextInt(5);
                if (r > 0) {
                    roles.put(p, r <= 2 ? PortSet.TRUNK : r - 2);   // trunk (twice as likely), VLAN 1, VLAN 2
                    if (rnd.nextInt(6) == 0) {
                        down.add(p);
                    }
                }
            }
            PortSet set = PortSet.of(ports, roles, down);
            int inPort = rnd.nextInt(ports);
            int n = 1 + rnd.nextInt(8);
            int d = rnd.nextInt(8) == 0 ? FLOOD : rnd.nextInt(8) == 0 ? DROP : rnd.nextInt(ports);
            int access = set.accessVlan(inPort);
            int v = access > 0 ? access : rnd.nextInt(3);              // an access port's frames are its VLAN
            int room = rnd.nextInt(3) == 0 ? rnd.nextInt(n + 1) : Integer.MAX_VALUE;
            long[] mbufs = new long[n];
            int[] dec = new int[n];
            int[] vlans = new int[n];
            int[] lens = new int[n];
            for (int i = 0; i < n; i++) {
                mbufs[i] = 0x1000L * (i + 1);
                dec[i] = d;
                vlans[i] = v;
                lens[i] = 60 + rnd.nextInt(1400);
            }
            if (rnd.nextInt(4) == 0 && n > 1) {
                dec[rnd.nextInt(n)] = rnd.nextInt(ports);          // sometimes not uniform after all
            }
            String[] result = new String[2];
            for (int k = 0; k < 2; k++) {
                SwitchStage s = new SwitchStage(ports, 8, arena);
                s.uniformPath = k == 0;
                PortCounters c = new PortCounters(ports);
                SwitchStageVlanTest.Sink sink = new SwitchStageVlanTest.Sink();
                for (int i = 0; i < n; i++) {
                    if (access <= 0 && v > 0) {
                        sink.tag.put(mbufs[i], v);                        // tagged on a trunk
                    }
                }
                for (int p = 0; p < ports; p++) {
                    sink.room.put(p, room);
                }
                s.stage(inPort, burst(mbufs), dec, vlans, lens, n, set, sink, c);
                StringBuilder sb = new StringBuilder();
                for (int t = 0; t < s.touchedPorts(); t++) {
                    int p = s.touchedPort(t);
                    sb.append(p).append(java.util.Arrays.toString(staged(s, p))).append(' ');
                }
                sb.append("drops ").append(java.util.Arrays.toString(drops(s))).append(" refs ").append(s.refCount());
                s.transmit(sink, 0, c);
                for (int p = 0; p < ports; p++) {
                    for (int kind = 0; kind < PortCounters.KINDS; kind++) {
                        sb.append(' ').append(c.get(p, kind));
                    }
                }
                sb.append(" sent ").append(new java.util.TreeMap<>(sink.sent)).append(" freed ").append(sink.freed)
                        .append(" refs ").append(new java.util.TreeMap<>(sink.refs)).append(" tags ")
                        .append(new java.util.TreeMap<>(sink.tag));
                result[k] = sb.toString();
            }
            assertEquals(result[1], result[0], "round " + round + ": in " + inPort + ", decision " + d + ", VLAN " + v
                    + ", ports " + roles + ", down " + down);
        }
    }

    @Test
    void stagingAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SwitchStage s = new SwitchStage(4, 32, arena);
        long[] mbufs = new long[32];
        int[] dec = new int[32];
        for (int i = 0; i < 32; i++) {
            mbufs[i] = 0x10000L + 64 * i;
            dec[i] = i % 5 == 0 ? FLOOD : i % 7 == 0 ? DROP : i % 4;
        }
        MemorySegment pkts = burst(mbufs);
        long sink = 0;
        for (int i = 0; i < 200_000; i++) {                       // warm-up: JIT
            s.stage(i & 3, pkts, dec, 32);
            sink += s.count(1) + s.dropCount() + s.refCount();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            s.stage(i & 3, pkts, dec, 32);
            sink += s.count(1) + s.dropCount() + s.refCount() + s.stagingFrom(2, i & 7).address();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sink != 0);
        assertEquals(0, allocated, "bytes allocated over 10^6 bursts");
    }
}
