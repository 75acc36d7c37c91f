package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.LcoreCycles;
import io.vswitch.datapath.MacTable;
import io.vswitch.datapath.MbufSink;
import io.vswitch.datapath.PortCounters;
import io.vswitch.datapath.PortSet;
import io.vswitch.datapath.TxLock;
import io.vswitch.datapath.TxQueueMap;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.MemoryIo;
import io.vswitch.dpdk.PacketIo;
import io.vswitch.testutil.FakeMbufs;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link SwitchLoop} without DPDK, over {@link MemoryIo} and fake mbufs: frames for a port
 * that is down are freed and counted (drop_link_down); a plan's tx queue map decides the
 * queue each port's frames leave on (and -1 drops them); a throw in the loop (an injected
 * fault in rx or tx) ends it with the port and queue it was at.
 */
class SwitchLoopTest {
    static final int PORTS = 4;
    static final int BURST = 32;

    /** Three broadcast frames from MAC 02:..:01 in fake mbufs 0..2. */
    static FakeMbufs frames() {
        FakeMbufs f = new FakeMbufs(8);
        for (int i = 0; i < 8; i++) {
            MemorySegment d = f.dataSegment(i, 60);
            for (int b = 0; b < 6; b++) {
                d.set(java.lang.foreign.ValueLayout.JAVA_BYTE, b, (byte) 0xff);
            }
            d.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 6, (byte) 0x02);
            d.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 11, (byte) 0x01);
            d.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 12, (byte) 0x08);
            Mbufs.setLen(f.mbuf(i), 60);
        }
        return f;
    }

    /** tx and free through the io; references and edits are no-ops (the frames here are trunk to trunk). */
    static MbufSink sink(PacketIo io) {
        return new MbufSink() {
            @Override
            public int txBurst(int port, int queue, MemorySegment pkts, int n) {
                return io.txBurst(port, queue, pkts, n);
            }

            @Override
            public void freeBulk(MemorySegment pkts, int n) {
                io.freeBulk(pkts, n);
            }

            @Override
            public void addReferences(long mbuf, int extra) {}

            @Override
            public boolean pushVlan(long mbuf, int vid) {
                return true;
            }

            @Override
            public void popVlan(long mbuf) {}

            @Override
            public long copy(long mbuf) {
                return 0;
            }
        };
    }

    /** Runs {@code loop.loop()} on a thread until {@code done} says so (or it throws); returns what it threw. */
    static Throwable run(SwitchLoop loop, java.util.function.BooleanSupplier done) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                loop.loop();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        long until = System.nanoTime() + 10_000_000_000L;
        while (t.isAlive() && !done.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        loop.stop();
        t.join(10_000);
        return thrown.get();
    }

    static SwitchLoop loop(PacketIo io, SwitchLoop.Plan plan) {
        return new SwitchLoop(0, io, sink(io), 0, BURST, new Forwarding(new MacTable(64, 1_000_000_000_000L),
                new PortCounters(PORTS)), plan, 1_000_000_000L);
    }

    static final Map<Integer, Integer> TRUNKS = Map.of(0, 0, 1, 0, 2, 0);

    @Test
    void framesForAPortThatIsDownAreFreedAndCountedAndTheOthersGetThem() throws Exception {
        try (FakeMbufs f = frames()) {
            MemoryIo io = new MemoryIo(PORTS, 2, 64);
            PortSet set = PortSet.of(PORTS, TRUNKS, Set.of(2));
            SwitchLoop loop = loop(io, new SwitchLoop.Plan(1, new int[] {0}, new int[] {0}, set));
            io.inject(0, 0, f.mbuf(0), f.mbuf(1), f.mbuf(2));
            assertEquals(null, run(loop, () -> io.sent(1, 0).length == 3));
            assertArrayEquals(new long[] {f.mbuf(0), f.mbuf(1), f.mbuf(2)}, io.sent(1, 0), "port 1 (up) gets the flood");
            assertEquals(0, io.sent(2, 0).length, "port 2 is down: nothing offered to it");
            assertEquals(3, loop.counters().get(2, PortCounters.DROP_LINK_DOWN), "its copies counted, on port 2");
            assertEquals(0, loop.counters().get(1, PortCounters.DROP_LINK_DOWN));
            assertEquals(0, io.freed().length, "nothing freed: the one copy went to port 1, no reference was added");
            LcoreCycles.Snapshot c = loop.cycles().snapshot();
            assertEquals(3, c.frames(), "the cycle accounting saw the three frames");
            assertEquals(1, c.bursts(), "in one non-empty poll");
            assertTrue(c.busy() > 0 && c.idle() > 0, "busy and idle cycles counted: " + c);
            assertEquals(c.busy(), c.rxqBusy(0, 0), "every busy cycle was port 0's queue 0");
            assertEquals(100.0, c.busySharePct(0, 0));
        }
    }

    @Test
    void thePlansTxQueueMapDecidesTheQueueAndNoneDrops() throws Exception {
        try (FakeMbufs f = frames()) {
            MemoryIo io = new MemoryIo(PORTS, 2, 64);
            PortSet set = PortSet.of(PORTS, TRUNKS);
            int[] txq = new int[PORTS];
            txq[1] = 1;                                   // this lcore's own queue (0) disabled by port 1's guest
            txq[2] = TxQueueMap.NONE;                     // port 2's guest enabled nothing
            TxLock[] locks = new TxLock[PORTS];
            locks[1] = new TxLock();                      // shared with another lcore: taken around the tx
            SwitchLoop loop = loop(io, new SwitchLoop.Plan(1, new int[] {0}, new int[] {0}, set, txq, locks));
            io.inject(0, 0, f.mbuf(0), f.mbuf(1));
            assertEquals(null, run(loop, () -> io.sent(1, 1).length == 2 && io.freed().length == 2));
            assertArrayEquals(new long[] {f.mbuf(0), f.mbuf(1)}, io.sent(1, 1), "port 1's frames on its queue 1");
            assertEquals(0, io.sent(1, 0).length);
            assertEquals(2, loop.counters().get(2, PortCounters.DROP_LINK_DOWN), "port 2: no enabled queue");
            assertEquals(2, io.freed().length, "port 2's references freed");
            assertTrue(!locks[1].held(), "the lock is released");
        }
    }

    @Test
    void aFaultInRxEndsTheLoopWithThePortAndQueueItWasPolling() throws Exception {
        try (FakeMbufs f = frames()) {
            MemoryIo mem = new MemoryIo(PORTS, 2, 64);
            PacketIo io = new PacketIo() {
                @Override
                public int rxBurst(int port, int queue, MemorySegment pkts, int max) {
                    if (port == 2 && queue == 1) {
                        throw new IllegalStateException("injected rx fault");
                    }
                    return mem.rxBurst(port, queue, pkts, max);
                }

                @Override
                public int txBurst(int port, int queue, MemorySegment pkts, int n) {
                    return mem.txBurst(port, queue, pkts, n);
                }

                @Override
                public void freeBulk(MemorySegment pkts, int n) {
                    mem.freeBulk(pkts, n);
                }
            };
            SwitchLoop loop = loop(io, new SwitchLoop.Plan(1, new int[] {0, 1, 2}, new int[] {0, 0, 1},
                    PortSet.of(PORTS, TRUNKS)));
            Throwable t = run(loop, () -> false);
            assertInstanceOf(IllegalStateException.class, t);
            SwitchLoop.Where w = loop.where();
            assertNotNull(w);
            assertEquals(new SwitchLoop.Where(SwitchLoop.Where.RECEIVING, 2, 1), w);
        }
    }

    @Test
    void aFaultInTxEndsTheLoopWithThePortAndTxQueueItWasSendingTo() throws Exception {
        try (FakeMbufs f = frames()) {
            MemoryIo mem = new MemoryIo(PORTS, 2, 64);
            PacketIo io = new PacketIo() {
                int bursts;

                @Override
                public int rxBurst(int port, int queue, MemorySegment pkts, int max) {
                    return mem.rxBurst(port, queue, pkts, max);
                }

                @Override
                public int txBurst(int port, int queue, MemorySegment pkts, int n) {
                    if (++bursts == 2) {
                        throw new IllegalStateException("injected tx fault");
                    }
                    return mem.txBurst(port, queue, pkts, n);
                }

                @Override
                public void freeBulk(MemorySegment pkts, int n) {
                    mem.freeBulk(pkts, n);
                }
            };
            int[] txq = {0, 0, 1, 0};
            SwitchLoop loop = loop(io, new SwitchLoop.Plan(1, new int[] {0}, new int[] {1}, PortSet.of(PORTS, TRUNKS),
                    txq, new TxLock[PORTS]));
            mem.inject(0, 1, f.mbuf(0));                   // a flood to ports 1 and 2: the second tx (port 2) throws
            Throwable t = run(loop, () -> false);
            assertInstanceOf(IllegalStateException.class, t);
            assertEquals(new SwitchLoop.Where(SwitchLoop.Where.SENDING, 2, 1), loop.where());
        }
    }
}
