package io.vswitch.datapath;

import static io.vswitch.datapath.Forwarding.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForwardingTest {
    static final long NOW = 5_000_000_000L;
    static final String A = "02:00:00:00:00:0a", B = "02:00:00:00:00:0b", C = "52:54:00:00:00:0c";
    static final String BCAST = "ff:ff:ff:ff:ff:ff";

    MacTable table;
    Forwarding fwd;

    @BeforeEach
    void setUp() {
        table = new MacTable(64, MacTable.DEFAULT_MAX_AGE_NANOS, 3);
        fwd = new Forwarding(table, 4);
    }

    static byte[] mac(String s) {
        byte[] m = new byte[6];
        String[] p = s.split(":");
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return m;
    }

    /** An untagged (vlan < 0) or 802.1Q-tagged frame of 64 bytes. */
    static byte[] frame(String dst, String src, int vlan) {
        byte[] f = new byte[64];
        System.arraycopy(mac(dst), 0, f, 0, 6);
        System.arraycopy(mac(src), 0, f, 6, 6);
        if (vlan < 0) {
            f[12] = 0x08;
        } else {
            f[12] = (byte) 0x81;
            f[14] = (byte) (0x20 | (vlan >>> 8));                      // PCP 1: priority bits are not the VLAN
            f[15] = (byte) vlan;
            f[16] = 0x08;
        }
        return f;
    }

    int send(int inPort, byte[] f) {
        return send(inPort, f, f.length);
    }

    int send(int inPort, byte[] f, int len) {
        byte[] before = f.clone();
        int r = fwd.decide(inPort, MemorySegment.ofArray(f), 0, len, NOW);
        assertArrayEquals(before, f, "forwarding never modifies the frame");
        return r;
    }

    @Test
    void unknownUnicastFloodsThenLearnedMacsGoToOnePort() {
        assertEquals(FLOOD, send(1, frame(B, A, -1)), "B unknown");
        assertEquals(1, send(2, frame(A, B, -1)), "A was learned on port 1");
        assertEquals(2, send(1, frame(B, A, -1)), "B was learned on port 2");
        assertEquals(FLOOD, send(3, frame(C, A, -1)), "C unknown; A now moves to port 3");
        assertEquals(3, send(2, frame(A, B, -1)), "A's move took effect at once");
        assertEquals(1, fwd.counter(1, FLOODED));
        assertEquals(1, fwd.counter(1, FORWARDED));
        assertEquals(1, fwd.counter(1, LEARNED));
        assertEquals(1, fwd.counter(2, LEARNED));
        assertEquals(2, fwd.counter(2, FORWARDED));
        assertEquals(1, fwd.counter(3, LEARNED), "a move counts as learned on the new port");
    }

    @Test
    void broadcastAndMulticastDestinationsFlood() {
        send(2, frame(A, B, -1));
        assertEquals(FLOOD, send(1, frame(BCAST, A, -1)));
        assertEquals(FLOOD, send(1, frame("01:00:5e:00:00:fb", A, -1)), "IPv4 multicast");
        assertEquals(FLOOD, send(1, frame("33:33:00:00:00:01", A, -1)), "IPv6 multicast");
        assertEquals(FLOOD, send(1, frame("01:80:c2:00:00:00", A, -1)), "STP group address");
        assertEquals(4, fwd.counter(1, FLOODED));
        assertEquals(1, table.lookup(0x02000000000aL, 0, NOW), "source still learned");
    }

    @Test
    void aFrameForAMacOnItsOwnPortIsDropped() {
        send(1, frame(B, A, -1));
        assertEquals(DROP, send(1, frame(A, B, -1)), "B is behind port 1 too (e.g. two VMs on one tap)");
        assertEquals(DROP, send(1, frame(B, A, -1)));
        assertEquals(2, fwd.counter(1, DROP_HAIRPIN));
        assertEquals(2, fwd.dropped(1));
        assertEquals(0, fwd.counter(1, FORWARDED));
    }

    @Test
    void runtsAreDropped() {
        byte[] f = frame(B, A, -1);
        for (int len = 0; len < 14; len++) {
            assertEquals(DROP, send(1, f, len), "len " + len);
        }
        byte[] tagged = frame(B, A, 5);
        for (int len = 14; len < 18; len++) {
            assertEquals(DROP, send(1, tagged, len), "tagged len " + len);
        }
        assertEquals(FLOOD, send(1, tagged, 18), "a tagged header is enough");
        assertEquals(FLOOD, send(1, f, 14));
        assertEquals(18, fwd.counter(1, DROP_RUNT));
        // a runt segment exactly len bytes long: reading past len would throw
        for (int len = 0; len < 18; len++) {
            fwd.decide(1, MemorySegment.ofArray(Arrays.copyOf(tagged, len)), 0, len, NOW);
        }
    }

    @Test
    void multicastOrBroadcastSourcesAreDroppedAndNotLearned() {
        assertEquals(DROP, send(1, frame(B, BCAST, -1)));
        assertEquals(DROP, send(1, frame(B, "01:00:5e:01:02:03", -1)));
        assertEquals(DROP, send(1, frame(B, "03:00:00:00:00:00", -1)));
        assertEquals(3, fwd.counter(1, DROP_BAD_SOURCE));
        assertEquals(0, table.entries());
        assertEquals(FLOOD, send(1, frame(B, "fe:00:00:00:00:01", -1)), "locally administered unicast is fine");
    }

    @Test
    void vlansAreIsolated() {
        send(2, frame(BCAST, B, 10));                                 // B on port 2, VLAN 10
        assertEquals(2, send(1, frame(B, A, 10)));
        assertEquals(FLOOD, send(1, frame(B, A, 20)), "B unknown in VLAN 20");
        assertEquals(FLOOD, send(1, frame(B, A, -1)), "B unknown untagged");
        send(3, frame(BCAST, B, 20));                                 // the same MAC in VLAN 20, on port 3
        assertEquals(3, send(1, frame(B, A, 20)));
        assertEquals(2, send(1, frame(B, A, 10)), "VLAN 10's entry unchanged");
        assertEquals(1, send(2, frame(A, B, 10)), "A learned per VLAN too");
        assertEquals(FLOOD, send(2, frame(A, B, 30)));
        assertEquals(1, send(2, frame(A, B, 0)), "a priority tag is VLAN 0, the untagged VLAN, where A was learned");
    }

    @Test
    void priorityTaggedFramesShareVlanZeroWithUntagged() {
        send(1, frame(BCAST, A, -1));
        assertEquals(1, send(2, frame(A, B, 0)));
    }

    @Test
    void qinqUsesTheOuterTag() {
        byte[] f = frame(BCAST, B, 7);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xA8;
        send(2, f);
        assertEquals(2, table.lookup(0x02000000000bL, 7, NOW));
    }

    @Test
    void aFullTableStillForwardsAndCountsTheFailure() {
        MacTable small = new MacTable(1, MacTable.DEFAULT_MAX_AGE_NANOS, 1);
        Forwarding f = new Forwarding(small, 3);
        assertEquals(FLOOD, f.decide(1, MemorySegment.ofArray(frame(B, A, -1)), 0, 64, NOW));
        assertEquals(1, f.decide(2, MemorySegment.ofArray(frame(A, B, -1)), 0, 64, NOW), "B not learned, A still known");
        assertEquals(FLOOD, f.decide(1, MemorySegment.ofArray(frame(B, A, -1)), 0, 64, NOW));
        assertEquals(1, f.counter(2, LEARN_FAILED));
        assertEquals(1, small.learnFailures());
    }

    @Test
    void framesAtAnOffsetInABiggerSegment() {
        byte[] buf = new byte[300];
        byte[] f1 = frame(BCAST, A, 9);
        byte[] f2 = frame(A, B, 9);
        System.arraycopy(f1, 0, buf, 3, 64);
        System.arraycopy(f2, 0, buf, 131, 64);
        MemorySegment mem = MemorySegment.ofArray(buf);
        assertEquals(FLOOD, fwd.decide(1, mem, 3, 64, NOW));
        assertEquals(1, fwd.decide(2, mem, 131, 64, NOW));
    }

    @Test
    void counterNamesMatchTheCounters() {
        assertEquals(COUNTERS, COUNTER_NAMES.length);
        assertEquals("drop_hairpin", COUNTER_NAMES[DROP_HAIRPIN]);
        assertThrows(IllegalArgumentException.class, () -> new Forwarding(table, 0));
    }

    @Test
    void decideBurstDecidesEachFrame() {
        byte[] buf = new byte[4 * 64];
        System.arraycopy(frame(BCAST, A, -1), 0, buf, 0, 64);            // A on port 1
        System.arraycopy(frame(B, C, -1), 0, buf, 64, 64);               // B unknown
        System.arraycopy(frame(A, C, -1), 0, buf, 128, 64);              // A behind port 1: hairpin
        System.arraycopy(frame(B, A, -1), 0, buf, 192, 10);              // runt
        int[] out = new int[5];
        out[4] = 99;
        fwd.decideBurst(1, MemorySegment.ofArray(buf), new long[] {0, 64, 128, 192}, new int[] {64, 64, 64, 10}, 4, out, NOW);
        assertArrayEquals(new int[] {FLOOD, FLOOD, DROP, DROP, 99}, out);
    }
    @Test
    void aSourceLearnedInABurstIsFoundByLaterFramesOfThatBurst() {
        byte[] buf = new byte[3 * 64];
        System.arraycopy(frame(C, A, -1), 0, buf, 0, 64);           // to C: unknown, floods (and memoizes "unknown")
        System.arraycopy(frame(B, C, -1), 0, buf, 64, 64);          // C speaks on port 1: learned
        System.arraycopy(frame(C, A, -1), 0, buf, 128, 64);         // to C again: now known on port 1 = in-port
        int[] out = new int[3];
        fwd.decideBurst(1, MemorySegment.ofArray(buf), new long[] {0, 64, 128}, new int[] {64, 64, 64}, 3, out, NOW);
        assertArrayEquals(new int[] {FLOOD, FLOOD, DROP}, out, "the memo must not hide an entry learned mid-burst");
        assertEquals(1, fwd.counter(1, DROP_HAIRPIN));
    }

    /**
     * The burst memo changes nothing: random bursts (few MACs, so memo hits are common; some
     * multicast, tagged and runt frames) decided with the memo and frame by frame, each on
     * its own table with the same seed, give the same decisions, counters and tables.
     */
    @Test
    void theBurstMemoGivesTheSameDecisionsAsFrameByFrame() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        String[] macs = {A, B, C, "02:00:00:00:00:0d", BCAST, "01:00:5e:00:00:01"};
        MacTable t1 = new MacTable(8, 1_000_000_000L, 5);
        MacTable t2 = new MacTable(8, 1_000_000_000L, 5);
        Forwarding burstWise = new Forwarding(t1, 4);
        Forwarding frameWise = new Forwarding(t2, 4);
        long now = NOW;
        for (int b = 0; b < 3000; b++) {
            int in = rnd.nextInt(4);
            int n = 1 + rnd.nextInt(8);
            byte[] buf = new byte[n * 64];
            long[] addrs = new long[n];
            int[] lens = new int[n];
            for (int i = 0; i < n; i++) {
                int vlan = rnd.nextInt(4) == 0 ? 100 : -1;
                byte[] f = frame(macs[rnd.nextInt(macs.length)], macs[rnd.nextInt(4)], vlan);
                System.arraycopy(f, 0, buf, i * 64, 64);
                addrs[i] = i * 64L;
                lens[i] = rnd.nextInt(20) == 0 ? 10 : 64;
            }
            int[] out = new int[n];
            burstWise.decideBurst(in, MemorySegment.ofArray(buf), addrs, lens, n, out, now);
            for (int i = 0; i < n; i++) {
                assertEquals(frameWise.decide(in, MemorySegment.ofArray(buf), addrs[i], lens[i], now), out[i],
                        "burst " + b + " frame " + i);
            }
            now += rnd.nextInt(3) == 0 ? 400_000_000L : 1_000_000L;    // entries age (1 s) now and then
        }
        for (int p = 0; p < 4; p++) {
            for (int k = 0; k < COUNTERS; k++) {
                assertEquals(frameWise.counter(p, k), burstWise.counter(p, k), COUNTER_NAMES[k] + " of port " + p);
            }
        }
        assertEquals(t2.entries(now), t1.entries(now));
        assertEquals(t2.learnFailures(), t1.learnFailures());
    }

    int sendAccess(int inPort, int accessVlan, byte[] f) {
        fwd.newBurst();
        return fwd.decideInBurst(inPort, accessVlan, MemorySegment.ofArray(f), 0, f.length, NOW);
    }

    @Test
    void anAccessPortsFramesAreItsVlanAndTaggedOnesAreDropped() {
        assertEquals(FLOOD, sendAccess(1, 10, frame(B, A, -1)), "unknown destination: flood (within VLAN 10)");
        assertEquals(10, fwd.lastVlan(), "an untagged frame of an access port is its VLAN");
        assertEquals(1, table.lookup(ForwardingTest.macOf(A), 10, NOW), "A learned on port 1 in VLAN 10");
        assertEquals(-1, table.lookup(ForwardingTest.macOf(A), 0, NOW), "not in the untagged VLAN");
        assertEquals(DROP, sendAccess(1, 10, frame(B, A, 10)), "a tagged frame on an access port");
        assertEquals(DROP, sendAccess(1, 10, frame(B, A, 20)));
        assertEquals(2, fwd.counters().get(1, PortCounters.DROP_VLAN));
        assertEquals(1, sendAccess(2, 10, frame(A, C, -1)), "VLAN 10 to A: known on port 1");
        assertEquals(FLOOD, sendAccess(3, 20, frame(A, C, -1)), "VLAN 20 does not see VLAN 10's entry");
        assertEquals(1, send(0, frame(A, B, 10)), "a trunk's frame tagged 10 reaches A");
        assertEquals(10, fwd.lastVlan());
    }

    /**
     * {@link Forwarding#known} (the switch loop's call-free path) then, on {@link Forwarding#REDO},
     * {@link Forwarding#decideInBurst}, against decideInBurst alone, over random bursts of frames
     * (a few unicast and multicast MACs, untagged and tagged, runts, trunk and access ports, a
     * table small enough to fill): the same decisions, VLANs, counters and table.
     */
    @Test
    void knownThenDecideIsDecide() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        String[] macs = {A, B, C, "02:00:00:00:00:0d", "01:00:5e:00:00:01", BCAST};
        MacTable ta = new MacTable(4, MacTable.DEFAULT_MAX_AGE_NANOS, 5);
        MacTable tb = new MacTable(4, MacTable.DEFAULT_MAX_AGE_NANOS, 5);
        Forwarding fa = new Forwarding(ta, 4);
        Forwarding fb = new Forwarding(tb, 4);
        int known = 0;
        for (int burst = 0; burst < 5000; burst++) {
            int in = rnd.nextInt(4);
            int access = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : PortSet.TRUNK;
            long now = NOW + burst * 1_000_000L;
            fa.newBurst();
            fb.newBurst();
            byte[] f = null;
            for (int i = 0, n = 1 + rnd.nextInt(32); i < n; i++) {
                if (f == null || rnd.nextInt(4) == 0) {                // runs of the same frame, as in a flow
                    f = rnd.nextInt(5) > 0                                // mostly each port's own guest to another
                            ? frame(macs[rnd.nextInt(4)], macs[in], rnd.nextInt(8) == 0 ? rnd.nextInt(3) : -1)
                            : frame(macs[rnd.nextInt(macs.length)], macs[rnd.nextInt(macs.length)],
                                    rnd.nextInt(4) == 0 ? rnd.nextInt(3) : -1);
                    if (rnd.nextInt(10) == 0) {
                        f = Arrays.copyOf(f, rnd.nextInt(20));
                    }
                }
                MemorySegment seg = MemorySegment.ofArray(f);
                int da = fa.decideInBurst(in, access, seg, 0, f.length, now);
                int db = REDO;
                if (f.length >= 14) {
                    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(f);
                    db = fb.known(in, access, bb.getLong(0), bb.getLong(4) & 0xFFFF_FFFF_FFFFL, Short.toUnsignedInt(bb.getShort(12)));
                }
                if (db == REDO) {
                    db = fb.decideInBurst(in, access, seg, 0, f.length, now);
                } else {
                    known++;
                }
                assertEquals(da, db, "burst " + burst + " frame " + i);
                assertEquals(fa.lastVlan(), fb.lastVlan(), "burst " + burst + " frame " + i);
            }
            for (int p = 0; p < 4; p++) {
                for (int k = 0; k < PortCounters.KINDS; k++) {
                    assertEquals(fa.counters().get(p, k), fb.counters().get(p, k), "burst " + burst + " port " + p + " " + PortCounters.NAMES[k]);
                }
            }
        }
        assertEquals(ta.entries(NOW + 5000 * 1_000_000L), tb.entries(NOW + 5000 * 1_000_000L));
        assertTrue(known > 1000, "the call-free path answered " + known + " frames");
    }

    static long macOf(String s) {
        long v = 0;
        for (byte b : mac(s)) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }
}
