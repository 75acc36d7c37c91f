package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.datapath.ReflectMode;
import io.vswitch.dpdk.DpdkIo;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.MemoryIo;
import io.vswitch.dpdk.PacketIo;
import io.vswitch.testutil.FakeMbufs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every {@code --ab} variant of the reflector's loop reflects byte for byte what its mode says and
 * keeps the counters exact (whole-frame bytes, a short tx freed and counted), over {@link MemoryIo}
 * and fake mbufs (no EAL); the prefetch variant calls the real shim's {@code vs_prefetch_burst}.
 * And the A/B loop path, with the variant switched under it every millisecond, allocates nothing.
 */
class PollLoopVariantsTest {
    static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** MemoryIo with the real shim's prefetch (a hint: it must change nothing), counting its calls. */
    static final class PrefetchingIo implements PacketIo {
        final MemoryIo mem;
        volatile int prefetches;

        PrefetchingIo(MemoryIo mem) {
            this.mem = mem;
        }

        @Override
        public int rxBurst(int port, int queue, MemorySegment pkts, int max) {
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

        @Override
        public void prefetch(MemorySegment pkts, int n) {
            DpdkIo.INSTANCE.prefetch(pkts, n);
            prefetches++;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LoopVariant.class)
    void eachVariantReflectsExactlyAndCountsWholeFrames(LoopVariant v) throws Exception {
        for (ReflectMode mode : ReflectMode.values()) {
            int frames = 6;
            try (FakeMbufs mb = new FakeMbufs(frames)) {
                byte[][] orig = new byte[frames][];
                long bytes = 0;
                for (int i = 0; i < frames; i++) {
                    int len = 60 + 100 * i;
                    orig[i] = ipv4Udp(i, len);
                    MemorySegment.copy(orig[i], 0, Mbufs.ALL, ValueLayout.JAVA_BYTE, mb.data(i), len);
                    mb.setLen(i, len);
                    bytes += len;
                }
                Mbufs.ALL.set(Mbufs.U32, mb.mbuf(1) + Mbufs.PKT_LEN, 9000);   // first segment of a chained 9000 B frame
                bytes += 9000 - 160;
                MemoryIo mem = new MemoryIo(1, 1, 64);
                mem.txRoom(0, 0, 4);                                           // the ring takes 4: two left, freed
                PrefetchingIo io = new PrefetchingIo(mem);
                long[] all = new long[frames];
                for (int i = 0; i < frames; i++) {
                    all[i] = mb.mbuf(i);
                }
                mem.inject(0, 0, all);
                QueueCounters c = new QueueCounters(0, "p0", 0);
                LoopVariant other = v == LoopVariant.BASE ? LoopVariant.NOLEN : LoopVariant.BASE;
                AbSchedule ab = new AbSchedule(List.of(v, other), 1);           // never switched: v only
                runUntil(new PollLoop(0, io, mode, 32, new int[] {0}, new int[] {0}, new QueueCounters[] {c}, ab), c, frames);
                String what = v + " " + mode;
                QueueCounters.Snapshot s = c.snapshot();
                assertEquals(frames, s.rxPkts(), what);
                assertEquals(4, s.txPkts(), what);
                assertEquals(2, s.drops(), what);
                assertEquals(bytes, s.rxBytes(), what + ": rx bytes are whole frames (pkt_len)");
                assertEquals(bytes - 460 - 560, s.txBytes(), what + ": tx bytes leave out the two frames freed");
                assertArrayEquals(new long[] {all[0], all[1], all[2], all[3]}, mem.sent(0, 0), what);
                assertArrayEquals(new long[] {all[4], all[5]}, mem.freed(), what);
                assertEquals(v == LoopVariant.PREFETCH ? 1 : 0, io.prefetches, what + ": prefetches");
                for (int i = 0; i < frames; i++) {
                    byte[] exp = orig[i].clone();
                    mode.apply(MemorySegment.ofArray(exp), 0, exp.length);
                    byte[] got = new byte[exp.length];
                    MemorySegment.copy(Mbufs.ALL, ValueLayout.JAVA_BYTE, mb.data(i), got, 0, got.length);
                    assertArrayEquals(exp, got, what + ", frame " + i);
                    if (mode != ReflectMode.IO) {
                        assertFalse(java.util.Arrays.equals(orig[i], got), what + ": frame " + i + " was swapped");
                    }
                }
            }
        }
    }

    /** An endless port for the allocation check: the same burst every poll, every 4th tx short by 3; no locks. */
    static final class EndlessIo implements PacketIo {
        final long[] burst;
        long txCalls;
        long shortTx;
        long freed;
        long prefetches;

        EndlessIo(long[] burst) {
            this.burst = burst;
        }

        @Override
        public int rxBurst(int port, int queue, MemorySegment pkts, int max) {
            int n = Math.min(max, burst.length);
            for (int i = 0; i < n; i++) {
                pkts.setAtIndex(ValueLayout.JAVA_LONG, i, burst[i]);
            }
            return n;
        }

        @Override
        public int txBurst(int port, int queue, MemorySegment pkts, int n) {
            if ((++txCalls & 3) == 0) {
                shortTx++;
                return n - 3;
            }
            return n;
        }

        @Override
        public void freeBulk(MemorySegment pkts, int n) {
            freed += n;
        }

        @Override
        public void prefetch(MemorySegment pkts, int n) {
            prefetches++;
        }
    }

    @Test
    void theAbLoopAllocatesNothingWhileVariantsSwitch() throws Exception {
        int n = 32;
        try (FakeMbufs mb = new FakeMbufs(n)) {
            long[] burst = new long[n];
            long sum = 0;
            long last3 = 0;
            for (int i = 0; i < n; i++) {
                int len = 64 + 46 * i;
                byte[] f = ipv4Udp(i, len);
                MemorySegment.copy(f, 0, Mbufs.ALL, ValueLayout.JAVA_BYTE, mb.data(i), len);
                mb.setLen(i, len);
                burst[i] = mb.mbuf(i);
                sum += len;
                last3 += i >= n - 3 ? len : 0;
            }
            EndlessIo io = new EndlessIo(burst);
            QueueCounters c = new QueueCounters(0, "p0", 0);
            AbSchedule ab = new AbSchedule(List.of(LoopVariant.BASE, LoopVariant.PREFETCH, LoopVariant.NOLEN), 1);
            PollLoop loop = new PollLoop(0, io, ReflectMode.FIVE_TUPLE_SWAP, n, new int[] {0}, new int[] {0},
                    new QueueCounters[] {c}, ab);
            Thread t = new Thread(loop::loop, "ab-loop");
            t.start();
            switchFor(ab, 3000);                             // warm-up: JIT compiles every variant's path
            long a0 = MX.getThreadAllocatedBytes(t.threadId());
            long p0 = c.snapshot().rxPkts();
            int switches = switchFor(ab, 1500);
            long a1 = MX.getThreadAllocatedBytes(t.threadId());
            long p1 = c.snapshot().rxPkts();
            loop.stop();
            t.join(10_000);
            assertFalse(t.isAlive());
            assertTrue(p1 - p0 >= 1_000_000, "only " + (p1 - p0) + " frames in the measured window");
            assertTrue(switches >= 100, "only " + switches + " switches");
            assertEquals(0, a1 - a0, "the loop thread allocated over " + (p1 - p0) + " frames and " + switches
                    + " variant switches");
            QueueCounters.Snapshot s = c.snapshot();
            long bursts = s.bursts();
            assertEquals(bursts * n, s.rxPkts());
            assertEquals(s.rxPkts() - s.txPkts(), s.drops(), "every frame sent or freed");
            assertEquals(io.freed, s.drops());
            assertEquals(io.shortTx * 3, s.drops());
            assertEquals(bursts * sum, s.rxBytes());
            assertEquals(bursts * sum - io.shortTx * last3, s.txBytes());
            assertTrue(io.prefetches > 0 && io.prefetches < bursts, "prefetch ran in its periods only: " + io.prefetches
                    + " of " + bursts + " bursts");
        }
    }

    /** Plays the stats thread: switches the variant every millisecond for {@code ms}; returns the switches. */
    static int switchFor(AbSchedule ab, long ms) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        int k = 0;
        while (System.nanoTime() < end) {
            Thread.sleep(1);
            ab.afterSample();
            k++;
        }
        return k;
    }

    static void runUntil(PollLoop loop, QueueCounters c, int frames) throws InterruptedException {
        Thread t = new Thread(loop::loop);                    // loop() without pinning or EAL registration
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.snapshot().rxPkts() < frames && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        loop.stop();
        t.join(10_000);
        assertFalse(t.isAlive());
    }

    /** IPv4/UDP 10.0.0.1:1111 -> 10.0.0.2:2222 between two MACs, the index in the last 4 bytes. */
    static byte[] ipv4Udp(int index, int len) {
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(new byte[] {2, 0, 0, 0, 0, 2}).put(new byte[] {2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (len - 14)).putInt(0).put((byte) 64).put((byte) 17)
                .putShort((short) 0).put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        b.putShort((short) 1111).putShort((short) 2222).putShort((short) (len - 34)).putShort((short) 0);
        b.putInt(len - 4, index);
        return b.array();
    }
}
