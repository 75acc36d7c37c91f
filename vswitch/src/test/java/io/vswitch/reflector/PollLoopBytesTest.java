package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.datapath.ReflectMode;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.MemoryIo;
import io.vswitch.testutil.FakeMbufs;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reflector's byte counters count whole frames: a jumbo frame that arrives as a chain
 * of mbufs (vhost splits it into 2 KB segments) counts its {@code pkt_len}, not the first
 * segment's {@code data_len}. Found by MalformedReplayTest (rx_bytes 13.3 MB for 20.1 MB
 * replayed). The loop runs on this thread's helper over {@link MemoryIo} and fake mbufs: no
 * EAL, no pinning.
 */
class PollLoopBytesTest {
    @Test
    void multiSegmentFramesCountTheirWholeLength() throws Exception {
        try (FakeMbufs mb = new FakeMbufs(3)) {
            MemoryIo io = new MemoryIo(1, 1, 16);
            QueueCounters c = new QueueCounters(0, "p0", 0);
            mb.setLen(0, 60);
            mb.setLen(1, 2048);                                   // first segment of a 9000 B frame
            Mbufs.ALL.set(Mbufs.U32, mb.mbuf(1) + Mbufs.PKT_LEN, 9000);
            mb.setLen(2, 13);                                     // a runt: left alone, counted
            io.inject(0, 0, mb.mbuf(0), mb.mbuf(1), mb.mbuf(2));
            PollLoop loop = new PollLoop(0, io, ReflectMode.FIVE_TUPLE_SWAP, 32, new int[] {0}, new int[] {0},
                    new QueueCounters[] {c});
            Thread t = new Thread(loop::loop);                    // loop() without pinning or EAL registration
            t.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (c.snapshot().rxPkts() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            loop.stop();
            t.join(10_000);
            QueueCounters.Snapshot s = c.snapshot();
            assertEquals(3, s.rxPkts());
            assertEquals(3, s.txPkts());
            assertEquals(60 + 9000 + 13, s.rxBytes(), "rx bytes: whole frames");
            assertEquals(60 + 9000 + 13, s.txBytes(), "tx bytes: whole frames");
            assertTrue(!t.isAlive());
        }
    }

    @Test
    void aShortTxSubtractsWholeFrames() throws Exception {
        try (FakeMbufs mb = new FakeMbufs(2)) {
            MemoryIo io = new MemoryIo(1, 1, 16);
            io.txRoom(0, 0, 1);                                   // the ring takes one frame
            QueueCounters c = new QueueCounters(0, "p0", 0);
            mb.setLen(0, 64);
            mb.setLen(1, 2048);
            Mbufs.ALL.set(Mbufs.U32, mb.mbuf(1) + Mbufs.PKT_LEN, 65535);
            io.inject(0, 0, mb.mbuf(0), mb.mbuf(1));
            PollLoop loop = new PollLoop(0, io, ReflectMode.MACSWAP, 32, new int[] {0}, new int[] {0},
                    new QueueCounters[] {c});
            Thread t = new Thread(loop::loop);
            t.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (c.snapshot().rxPkts() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            loop.stop();
            t.join(10_000);
            QueueCounters.Snapshot s = c.snapshot();
            assertEquals(2, s.rxPkts());
            assertEquals(1, s.txPkts());
            assertEquals(1, s.drops());
            assertEquals(64 + 65535, s.rxBytes());
            assertEquals(64, s.txBytes());
        }
    }
}
