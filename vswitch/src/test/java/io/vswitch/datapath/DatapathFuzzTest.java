package io.vswitch.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A coverage-guided fuzz target (Jazzer) for everything the datapath reads from a frame:
 * {@link ReflectMode} (MACs; VLAN tags, IPv4/IPv6 and TCP/UDP headers for 5tswap),
 * {@link Forwarding} (MACs, the outer tag) and {@link SwitchStage} (what it does with the
 * decisions: VLAN edits, floods, references, frees).
 *
 * <p>Each input is a burst of 1..6 frames received on one of four ports whose roles (not
 * live, trunk, access VLAN 1..3) come from the input too. Every frame lives in its own
 * native segment of exactly its length, as the loops see packet data, so a read or write
 * one byte outside the frame throws (FFM bounds checks) and fails the run. Invariants:
 * <ul>
 * <li>no exception for any content or length (0..9216 B);
 * <li>macswap swaps bytes 0..5 with 6..11 and nothing else, frames below 14 B untouched;
 *     5tswap changes at most 48 bytes (MACs, addresses, ports) and applying it twice gives
 *     the frame back; {@code apply}, {@code applyBurst} and {@code applyMbufs} (over a fake
 *     mbuf in a bounded segment) give the same bytes;
 * <li>Forwarding leaves the frame as it is, never names the input port, and books exactly one
 *     of forwarded / flooded / runt / bad source / hairpin / VLAN per frame, matching its
 *     decision;
 * <li>SwitchStage sends or frees every mbuf (and every copy) exactly as many times as it has
 *     references, never to the input port, a port not live, or an access port of another
 *     VLAN; it pops only tagged frames and tags only untagged ones; tx and tx_full counters
 *     add up to what it handed the sink.
 * </ul>
 *
 * <p>In CI (no {@code JAZZER_FUZZ}) it runs in regression mode over the 60 seed inputs in
 * {@code src/test/resources/io/vswitch/datapath/DatapathFuzzTestInputs/burst/}: frames of the
 * Scapy set of MalformedReplayTest (one of each kind, then every 400th up to 2 KB) followed
 * by 13 random control bytes (FuzzedDataProvider takes numbers from the end of an input). A
 * crashing input Jazzer finds is saved as a file (it says where); copied into that directory,
 * it becomes a regression input.
 * Fuzzing by hand, coverage-guided (the working corpus goes to {@code vswitch/.cifuzz-corpus/},
 * ignored by git):
 * <pre>
 *   JAZZER_FUZZ=1 mvn -B -o test -pl native-shim,bindings,vswitch -Dtest=DatapathFuzzTest \
 *       -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=10m
 * </pre>
 * ({@code maxDuration} below is the fuzzing time when {@code jazzer.max_duration} is not given.)
 * One minute of it on the shared 2-core machine: 79,000 inputs, 465 coverage edges, no finding.
 */
class DatapathFuzzTest {
    static final int PORTS = 4;
    static final int MAX_LEN = 9216;
    static final int[] INPUT_KINDS = {PortCounters.FORWARDED, PortCounters.FLOODED, PortCounters.DROP_RUNT,
        PortCounters.DROP_BAD_SOURCE, PortCounters.DROP_HAIRPIN, PortCounters.DROP_VLAN};

    @FuzzTest(maxDuration = "30s")
    void burst(FuzzedDataProvider data) {
        try (Arena arena = Arena.ofConfined()) {
            run(data, arena);
        }
    }

    static void run(FuzzedDataProvider data, Arena arena) {
        // ports and roles
        Map<Integer, Integer> roles = new HashMap<>();
        for (int p = 0; p < PORTS; p++) {
            int r = data.consumeInt(-1, 3);                       // -1 not live, 0 trunk, 1..3 access VLAN
            if (r >= 0) {
                roles.put(p, r);
            }
        }
        int inPort = data.consumeInt(0, PORTS - 1);
        roles.putIfAbsent(inPort, PortSet.TRUNK);
        PortSet set = PortSet.of(PORTS, roles);
        int access = set.accessVlan(inPort);
        int n = data.consumeInt(1, 6);
        int[] room = new int[PORTS];
        for (int p = 0; p < PORTS; p++) {
            room[p] = data.consumeInt(0, 8);
        }
        boolean copies = data.consumeBoolean();
        MacTable table = new MacTable(64, 1_000_000_000L, 7);
        PortCounters c = new PortCounters(PORTS);
        Forwarding fwd = new Forwarding(table, c);
        // a peer behind another port, so that known unicast and moves happen
        if (data.consumeBoolean()) {
            table.learn(0x02_00_00_00_00_0BL, data.consumeInt(0, 3), data.consumeInt(0, PORTS - 1), 0);
        }

        MemorySegment[] frames = new MemorySegment[n];
        byte[][] originals = new byte[n][];
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            int want = last ? Math.min(MAX_LEN, data.remainingBytes()) : data.consumeInt(0, 1600);
            int mode = last ? 0 : data.consumeInt(0, 3);
            byte[] f = data.consumeBytes(want);
            if (f.length >= 12) {
                if (mode == 1) {                                  // to the peer learned above
                    put48(f, 0, 0x02_00_00_00_00_0BL);
                } else if (mode == 2 && i > 0 && originals[i - 1].length >= 12) {  // to the previous sender: a hairpin or a move
                    System.arraycopy(originals[i - 1], 6, f, 0, 6);
                }
            }
            originals[i] = f;
            frames[i] = arena.allocate(Math.max(f.length, 0), 1);
            MemorySegment.copy(f, 0, frames[i], ValueLayout.JAVA_BYTE, 0, f.length);
        }

        // ---- ReflectMode
        for (int i = 0; i < n; i++) {
            checkReflect(arena, originals[i]);
        }

        // ---- Forwarding: every frame at its exact length; counts per kind
        int[] decisions = new int[n];
        int[] vlans = new int[n];
        int[] lens = new int[n];
        boolean[] tagged = new boolean[n];
        fwd.newBurst();
        for (int i = 0; i < n; i++) {
            long[] before = inputCounters(c, inPort);
            int len = originals[i].length;
            int d = fwd.decideInBurst(inPort, access, frames[i], 0, len, 1_000);
            assertArrayEquals(originals[i], frames[i].toArray(ValueLayout.JAVA_BYTE), "Forwarding changed the frame");
            long[] after = inputCounters(c, inPort);
            int moved = -1;
            for (int k = 0; k < INPUT_KINDS.length; k++) {
                long delta = after[k] - before[k];
                assertTrue(delta == 0 || delta == 1, "counter " + PortCounters.NAMES[INPUT_KINDS[k]] + " moved by " + delta);
                if (delta == 1) {
                    assertEquals(-1, moved, "two outcomes booked for one frame");
                    moved = INPUT_KINDS[k];
                }
            }
            assertNotEquals(-1, moved, "no outcome booked for a frame");
            if (d == Forwarding.FLOOD) {
                assertEquals(PortCounters.FLOODED, moved);
            } else if (d == Forwarding.DROP) {
                assertTrue(moved != PortCounters.FORWARDED && moved != PortCounters.FLOODED, "DROP booked as " + moved);
            } else {
                assertEquals(PortCounters.FORWARDED, moved);
                assertTrue(d >= 0 && d < PORTS && d != inPort, "decision " + d + " from port " + inPort);
            }
            if (len < 14) {
                assertEquals(PortCounters.DROP_RUNT, moved, "a frame below 14 B");
            }
            decisions[i] = d;
            vlans[i] = fwd.lastVlan();
            lens[i] = len;
            int type = len >= 14 ? ((originals[i][12] & 0xFF) << 8) | (originals[i][13] & 0xFF) : 0;
            tagged[i] = (type == 0x8100 || type == 0x88A8) && len >= 18;
            if (d != Forwarding.DROP) {
                assertTrue(vlans[i] >= 0 && vlans[i] <= 4095, "VLAN " + vlans[i]);
                if (access > 0) {
                    assertFalse(tagged[i], "a tagged frame passed an access port");
                    assertEquals(access, vlans[i]);
                }
            }
        }

        // ---- SwitchStage: ids 1..n stand for the mbufs
        MemorySegment pkts = arena.allocate(ValueLayout.JAVA_LONG, n);
        Sink sink = new Sink(room, copies, set, access > 0);
        for (int i = 0; i < n; i++) {
            pkts.setAtIndex(ValueLayout.JAVA_LONG, i, i + 1);
            if (tagged[i]) {
                sink.tagged.add((long) (i + 1));
            }
            sink.vlanOf.put((long) (i + 1), vlans[i]);
        }
        SwitchStage stage = new SwitchStage(PORTS, 8, arena);
        long[] txBefore = new long[PORTS];
        long[] fullBefore = new long[PORTS];
        for (int p = 0; p < PORTS; p++) {
            txBefore[p] = c.get(p, PortCounters.TX_PACKETS);
            fullBefore[p] = c.get(p, PortCounters.DROP_TX_FULL);
        }
        stage.stage(inPort, pkts, decisions, vlans, lens, n, set, sink, c);
        stage.transmit(sink, 0, c);
        Set<Long> all = new HashSet<>(sink.copiesMade);
        for (int i = 1; i <= n; i++) {
            all.add((long) i);
        }
        for (long m : all) {
            int refs = 1 + sink.refs.getOrDefault(m, 0);
            int used = sink.sentCount.getOrDefault(m, 0) + sink.freedCount.getOrDefault(m, 0);
            assertEquals(refs, used, "mbuf " + m + ": " + refs + " references, sent or freed " + used + " times");
        }
        for (int p = 0; p < PORTS; p++) {
            assertEquals(sink.sentTo[p], c.get(p, PortCounters.TX_PACKETS) - txBefore[p], "tx_packets of port " + p);
            assertEquals(sink.offered[p] - sink.sentTo[p], c.get(p, PortCounters.DROP_TX_FULL) - fullBefore[p],
                    "tx_full of port " + p);
            if (sink.offered[p] > 0) {
                assertTrue(p != inPort && set.live(p), "frames offered to port " + p + " (in " + inPort + ")");
            }
        }
    }

    /** ReflectMode's invariants on one frame. */
    static void checkReflect(Arena arena, byte[] f) {
        int len = f.length;
        MemorySegment s = arena.allocate(Math.max(len, 0), 1);
        MemorySegment.copy(f, 0, s, ValueLayout.JAVA_BYTE, 0, len);
        ReflectMode.MACSWAP.apply(s, 0, len);
        byte[] mac = s.toArray(ValueLayout.JAVA_BYTE);
        byte[] want = f.clone();
        if (len >= 14) {
            System.arraycopy(f, 6, want, 0, 6);
            System.arraycopy(f, 0, want, 6, 6);
        }
        assertArrayEquals(want, mac, "macswap");

        MemorySegment.copy(f, 0, s, ValueLayout.JAVA_BYTE, 0, len);
        ReflectMode.FIVE_TUPLE_SWAP.apply(s, 0, len);
        byte[] once = s.toArray(ValueLayout.JAVA_BYTE);
        int changed = 0;
        for (int i = 0; i < len; i++) {
            changed += once[i] != f[i] ? 1 : 0;
        }
        assertTrue(changed <= 48, "5tswap changed " + changed + " bytes");
        ReflectMode.FIVE_TUPLE_SWAP.apply(s, 0, len);
        assertArrayEquals(f, s.toArray(ValueLayout.JAVA_BYTE), "5tswap twice is not the identity");

        // applyBurst and applyMbufs: the same bytes. One bounded segment holds the pointer
        // array, a fake mbuf (buf_addr, data_off, data_len) and its buffer: headroom, frame.
        int headroom = 16;
        long ptrs = 0;
        long mbuf = 8;
        long buf = 8 + 48;
        MemorySegment mem = arena.allocate(buf + headroom + len, 8);
        mem.set(ValueLayout.JAVA_LONG, ptrs, mbuf);
        mem.set(ValueLayout.JAVA_LONG_UNALIGNED, mbuf + MbufFields.DPDK_22_11.bufAddr(), buf);
        mem.set(ValueLayout.JAVA_SHORT_UNALIGNED, mbuf + MbufFields.DPDK_22_11.dataOff(), (short) headroom);
        mem.set(ValueLayout.JAVA_SHORT_UNALIGNED, mbuf + MbufFields.DPDK_22_11.dataLen(), (short) len);
        MemorySegment.copy(f, 0, mem, ValueLayout.JAVA_BYTE, buf + headroom, len);
        ReflectMode.FIVE_TUPLE_SWAP.applyMbufs(mem, ptrs, 1, MbufFields.DPDK_22_11);
        assertArrayEquals(once, mem.asSlice(buf + headroom, len).toArray(ValueLayout.JAVA_BYTE), "applyMbufs");
        ReflectMode.FIVE_TUPLE_SWAP.applyBurst(mem, new long[] {buf + headroom}, new int[] {len}, 1);
        assertArrayEquals(f, mem.asSlice(buf + headroom, len).toArray(ValueLayout.JAVA_BYTE), "applyBurst");
    }

    static long[] inputCounters(PortCounters c, int port) {
        long[] v = new long[INPUT_KINDS.length];
        for (int k = 0; k < v.length; k++) {
            v[k] = c.get(port, INPUT_KINDS[k]);
        }
        return v;
    }

    static void put48(byte[] f, int off, long mac) {
        for (int i = 0; i < 6; i++) {
            f[off + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    /** A sink over mbuf ids: tx rooms per port, optional copy failures, tag state, counts. */
    static final class Sink implements MbufSink {
        final int[] room;
        final boolean copies;
        final int[] offered = new int[PORTS];
        final int[] sentTo = new int[PORTS];
        final Map<Long, Integer> sentCount = new HashMap<>();
        final Map<Long, Integer> freedCount = new HashMap<>();
        final Map<Long, Integer> refs = new HashMap<>();
        final Set<Long> tagged = new HashSet<>();
        final Map<Long, Integer> vlanOf = new HashMap<>();
        final Set<Long> copiesMade = new HashSet<>();
        final PortSet set;
        final boolean inAccess;
        long nextCopy = 1000;

        Sink(int[] room, boolean copies, PortSet set, boolean inAccess) {
            this.room = room.clone();
            this.copies = copies;
            this.set = set;
            this.inAccess = inAccess;
        }

        @Override
        public int txBurst(int port, int queue, MemorySegment pkts, int n) {
            int take = Math.min(n, room[port]);
            room[port] -= take;
            offered[port] += n;
            sentTo[port] += take;
            int pv = set.accessVlan(port);
            for (int i = 0; i < n; i++) {
                long m = pkts.getAtIndex(ValueLayout.JAVA_LONG, i);
                if (pv > 0) {                                     // an access port: its VLAN only, untagged
                    assertEquals(pv, vlanOf.get(m), "mbuf " + m + " sent to an access port of VLAN " + pv);
                    assertFalse(tagged.contains(m), "tagged mbuf " + m + " sent to an access port");
                } else if (inAccess) {                            // from an access port to a trunk: tagged
                    assertTrue(tagged.contains(m), "untagged mbuf " + m + " from an access port sent to a trunk");
                }
                if (i < take) {
                    sentCount.merge(m, 1, Integer::sum);
                }
            }
            return take;
        }

        @Override
        public void freeBulk(MemorySegment pkts, int n) {
            for (int i = 0; i < n; i++) {
                freedCount.merge(pkts.getAtIndex(ValueLayout.JAVA_LONG, i), 1, Integer::sum);
            }
        }

        @Override
        public void addReferences(long mbuf, int extra) {
            assertTrue(extra > 0, "adding " + extra + " references");
            refs.merge(mbuf, extra, Integer::sum);
        }

        @Override
        public boolean pushVlan(long mbuf, int vid) {
            assertFalse(tagged.contains(mbuf), "pushing a tag on tagged mbuf " + mbuf);
            assertTrue(vid >= 1 && vid <= 4094, "pushing VLAN " + vid);
            tagged.add(mbuf);
            return true;
        }

        @Override
        public void popVlan(long mbuf) {
            assertTrue(tagged.remove(mbuf), "popping a tag mbuf " + mbuf + " does not have");
        }

        @Override
        public long copy(long mbuf) {
            if (!copies) {
                return 0;
            }
            long c = nextCopy++;
            copiesMade.add(c);
            if (tagged.contains(mbuf)) {
                tagged.add(c);
            }
            vlanOf.put(c, vlanOf.get(mbuf));
            return c;
        }
    }
}
