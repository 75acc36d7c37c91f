package io.vswitch.datapath;

import static io.vswitch.datapath.Forwarding.FLOOD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stage's VLAN roles, its port set and its tx protocol, over fake mbuf addresses and a
 * sink that records what it was asked: which frames were tagged or untagged, copied, sent
 * where, freed, and how many references each got.
 */
class SwitchStageVlanTest {
    final Arena arena = Arena.ofAuto();

    /** A recording sink: tags by mbuf, tx rooms by port. */
    static final class Sink implements MbufSink {
        final Map<Long, Integer> tag = new HashMap<>();          // mbuf -> VLAN it carries (absent: untagged)
        final Map<Integer, List<Long>> sent = new HashMap<>();
        final List<Long> freed = new ArrayList<>();
        final Map<Long, Integer> refs = new HashMap<>();
        final Map<Integer, Integer> room = new HashMap<>();
        long nextCopy = 0x9000;
        boolean copies = true;

        @Override
        public int txBurst(int port, int queue, MemorySegment pkts, int n) {
            int take = Math.min(n, room.getOrDefault(port, Integer.MAX_VALUE));
            for (int i = 0; i < take; i++) {
                sent.computeIfAbsent(port, k -> new ArrayList<>()).add(pkts.getAtIndex(ValueLayout.JAVA_LONG, i));
            }
            return take;
        }

        @Override
        public void freeBulk(MemorySegment pkts, int n) {
            for (int i = 0; i < n; i++) {
                freed.add(pkts.getAtIndex(ValueLayout.JAVA_LONG, i));
            }
        }

        @Override
        public void addReferences(long mbuf, int extra) {
            refs.merge(mbuf, extra, Integer::sum);
        }

        @Override
        public boolean pushVlan(long mbuf, int vid) {
            assertFalse(tag.containsKey(mbuf), "pushing a second tag on " + mbuf);
            tag.put(mbuf, vid);
            return true;
        }

        @Override
        public void popVlan(long mbuf) {
            assertTrue(tag.containsKey(mbuf), "popping a tag " + mbuf + " does not have");
            tag.remove(mbuf);
        }

        @Override
        public long copy(long mbuf) {
            if (!copies) {
                return 0;
            }
            long c = nextCopy++;
            if (tag.containsKey(mbuf)) {
                tag.put(c, tag.get(mbuf));
            }
            return c;
        }

        List<Long> on(int port) {
            return sent.getOrDefault(port, List.of());
        }
    }

    MemorySegment burst(long... mbufs) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, mbufs.length);
        for (int i = 0; i < mbufs.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG, i, mbufs[i]);
        }
        return s;
    }

    /** Ports 0 (trunk), 1 and 2 (access VLAN 10), 3 (access VLAN 20), 5 (trunk); 4 not live. */
    static PortSet ports() {
        return PortSet.of(8, Map.of(0, 0, 1, 10, 2, 10, 3, 20, 5, 0));
    }

    @Test
    void unicastFromAnAccessPortToATrunkIsTaggedAndBackUntagged() {
        SwitchStage s = new SwitchStage(8, 8, arena);
        Sink k = new Sink();
        PortCounters c = new PortCounters(8);
        s.stage(1, burst(0xA), new int[] {0}, new int[] {10}, new int[] {60}, 1, ports(), k, c);
        s.transmit(k, 0, c);
        assertEquals(List.of(0xAL), k.on(0));
        assertEquals(10, k.tag.get(0xAL), "tagged VLAN 10 on the way to the trunk");
        assertEquals(64, c.get(0, PortCounters.TX_BYTES), "tx bytes count the tag");
        k.tag.put(0xBL, 10);                              // the trunk sends a frame tagged 10
        s.stage(0, burst(0xB), new int[] {2}, new int[] {10}, new int[] {64}, 1, ports(), k, c);
        s.transmit(k, 0, c);
        assertEquals(List.of(0xBL), k.on(2));
        assertFalse(k.tag.containsKey(0xBL), "untagged on the way to the access port");
        assertEquals(60, c.get(2, PortCounters.TX_BYTES));
    }

    @Test
    void unicastToAnotherVlanOrAPortBeingRemovedIsDroppedAndCounted() {
        SwitchStage s = new SwitchStage(8, 8, arena);
        Sink k = new Sink();
        PortCounters c = new PortCounters(8);
        s.stage(1, burst(0xA, 0xB, 0xC), new int[] {3, 4, 2}, new int[] {10, 10, 10}, new int[] {60, 60, 60}, 3,
                ports(), k, c);
        s.transmit(k, 0, c);
        assertEquals(List.of(0xCL), k.on(2), "same VLAN, same encoding: as it is");
        assertEquals(List.of(0xAL, 0xBL), k.freed);
        assertEquals(1, c.get(1, PortCounters.DROP_VLAN), "VLAN 10 to a VLAN 20 port");
        assertEquals(1, c.get(1, PortCounters.DROP_NO_PORT), "to a port that is not live");
        assertTrue(k.on(3).isEmpty());
    }

    @Test
    void aFloodFromAnAccessPortGoesUntaggedToItsVlanAndAsATaggedCopyToTheTrunks() {
        SwitchStage s = new SwitchStage(8, 8, arena);
        Sink k = new Sink();
        PortCounters c = new PortCounters(8);
        s.stage(1, burst(0xA), new int[] {FLOOD}, new int[] {10}, new int[] {60}, 1, ports(), k, c);
        s.transmit(k, 0, c);
        assertEquals(List.of(0xAL), k.on(2), "the original, untagged, to the other VLAN 10 port");
        long copy = k.on(0).get(0);
        assertEquals(List.of(copy), k.on(5), "one copy to both trunks");
        assertEquals(10, k.tag.get(copy), "the copy is tagged");
        assertFalse(k.tag.containsKey(0xAL), "the original is not");
        assertTrue(k.on(3).isEmpty(), "nothing to VLAN 20");
        assertTrue(k.on(1).isEmpty(), "nothing back out of the input port");
        assertEquals(1, k.refs.get(copy), "the copy goes to two ports: one more reference");
        assertFalse(k.refs.containsKey(0xAL), "the original goes to one port");
        assertTrue(k.freed.isEmpty());
    }

    @Test
    void aFloodFromATrunkOfVlan0ReachesTrunksOnly() {
        SwitchStage s = new SwitchStage(8, 8, arena);
        Sink k = new Sink();
        PortCounters c = new PortCounters(8);
        s.stage(0, burst(0xA), new int[] {FLOOD}, new int[] {0}, new int[] {60}, 1, ports(), k, c);
        s.transmit(k, 0, c);
        assertEquals(List.of(0xAL), k.on(5));
        for (int p : new int[] {1, 2, 3}) {
            assertTrue(k.on(p).isEmpty(), "untagged trunk traffic never reaches access port " + p);
        }
    }

    @Test
    void whenNoCopyCanBeHadTheTrunksMissTheFloodAndItIsCounted() {
        SwitchStage s = new SwitchStage(8, 8, arena);
        Sink k = new Sink();
        k.copies = false;
        PortCounters c = new PortCounters(8);
        s.stage(1, burst(0xA), new int[] {FLOOD}, new int[] {10}, new int[] {60}, 1, ports(), k, c);
        s.transmit(k, 0, c);
        assertEquals(List.of(0xAL), k.on(2));
        assertTrue(k.on(0).isEmpty() && k.on(5).isEmpty());
        assertEquals(1, c.get(1, PortCounters.DROP_NO_MBUF));
        assertTrue(k.freed.isEmpty(), "the original still goes to its VLAN");
    }

    @Test
    void aShortTxFreesTheRestAndCountsThemOnTheOutputPort() {
        SwitchStage s = new SwitchStage(8, 8, arena);
        Sink k = new Sink();
        k.room.put(5, 1);
        PortCounters c = new PortCounters(8);
        s.stage(0, burst(0xA, 0xB, 0xC), new int[] {5, 5, 5}, new int[] {0, 0, 0}, new int[] {60, 70, 80}, 3, ports(),
                k, c);
        s.transmit(k, 0, c);
        assertEquals(List.of(0xAL), k.on(5));
        assertEquals(List.of(0xBL, 0xCL), k.freed);
        assertEquals(1, c.get(5, PortCounters.TX_PACKETS));
        assertEquals(60, c.get(5, PortCounters.TX_BYTES));
        assertEquals(2, c.get(5, PortCounters.DROP_TX_FULL));
        assertArrayEquals(new long[] {2}, new long[] {c.drops(5)});
    }
}
