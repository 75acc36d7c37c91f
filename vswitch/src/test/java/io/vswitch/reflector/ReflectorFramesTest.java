package io.vswitch.reflector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bindings.generated.vsshim_h;
import io.vswitch.dpdk.Eal;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Mbufs;
import io.vswitch.dpdk.Mempool;
import io.vswitch.testutil.Dpdk;
import io.vswitch.testutil.Proc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the reflector does to frames, checked byte by byte: this JVM is the guest (EAL with
 * virtio-user ports), two vswitch processes are the reflectors (macswap with 2 queues,
 * 5tswap with 1). Each frame carries its index, so every one must come back, on the queue
 * it was sent on, changed exactly as the mode says and nowhere else.
 */
class ReflectorFramesTest {
    static final int PER_QUEUE = 500;
    static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};

    @Test
    void macswapAnd5tswapChangeExactlyWhatTheySay(@TempDir Path tmp) throws Exception {
        Dpdk.requireEnvironment(false);
        Path sockMac = tmp.resolve("mac.sock");
        Path sock5t = tmp.resolve("5t.sock");
        try (Proc mac = Proc.start("vswitch-macswap", Dpdk.vswitch(List.of("--vdev", "net_vhost0,iface=" + sockMac
                + ",queues=2", "--lcores", "1", "--mode", "macswap", "--no-huge", "-m", "256", "--file-prefix",
                Dpdk.prefix("mac"))), tmp);
             Proc five = Proc.start("vswitch-5tswap", Dpdk.vswitch(List.of("--vdev", "net_vhost0,iface=" + sock5t,
                     "--lcores", "1", "--mode", "5tswap", "--no-huge", "-m", "256", "--file-prefix", Dpdk.prefix("5t"))),
                     tmp)) {
            mac.await("running; stop with", Duration.ofSeconds(30));
            five.await("running; stop with", Duration.ofSeconds(30));
            Eal.init(List.of("guest", "-l", "0", "--no-huge", "-m", "512", "--file-prefix", Dpdk.prefix("guest"),
                    "--no-pci", "--vdev", "net_virtio_user0,path=" + sockMac + ",queues=2",
                    "--vdev", "net_virtio_user1,path=" + sock5t + ",queues=1"));
            List<EthPort> ports = new ArrayList<>();
            Mempool pool = null;
            int baseline = -1;
            int afterClose = -2;
            try {
                pool = Mempool.create("guest", 8191, 0, 2176, 0);
                baseline = pool.inUse();
                EthPort p0 = start(EthPort.byName("net_virtio_user0"), 2, pool, ports);
                EthPort p1 = start(EthPort.byName("net_virtio_user1"), 1, pool, ports);
                mac.await("guest connected", Duration.ofSeconds(20));
                five.await("guest connected", Duration.ofSeconds(20));

                for (int q = 0; q < 2; q++) {
                    List<byte[]> sent = new ArrayList<>();
                    for (int i = 0; i < PER_QUEUE; i++) {
                        sent.add(ipv4Udp(i + q * 100_000, 60 + (i % 8) * 64));
                    }
                    List<byte[]> back;
                    try {
                        back = exchange(p0, q, pool, sent);
                    } catch (AssertionError e) {
                        mac.stop(Duration.ofSeconds(10));
                        throw new AssertionError(e.getMessage() + "\nreflector:\n" + mac.tail(), e);
                    }
                    for (int i = 0; i < sent.size(); i++) {
                        byte[] exp = sent.get(i).clone();
                        swap(exp, 0, 6, 6);
                        assertArrayEquals(exp, back.get(i), "macswap, queue " + q + ", frame " + i);
                    }
                }
                List<byte[]> sent = List.of(ipv4Udp(0, 64), ipv6Tcp(1), vlanIpv4Udp(2), truncatedIpv4(3));
                List<byte[]> back = exchange(p1, 0, pool, sent);
                byte[] e0 = sent.get(0).clone();
                swap(e0, 0, 6, 6);
                swap(e0, 26, 30, 4);
                swap(e0, 34, 36, 2);
                assertArrayEquals(e0, back.get(0), "5tswap IPv4/UDP");
                byte[] e1 = sent.get(1).clone();
                swap(e1, 0, 6, 6);
                swap(e1, 22, 38, 16);
                swap(e1, 54, 56, 2);
                assertArrayEquals(e1, back.get(1), "5tswap IPv6/TCP");
                byte[] e2 = sent.get(2).clone();
                swap(e2, 0, 6, 6);
                swap(e2, 30, 34, 4);
                swap(e2, 38, 40, 2);
                assertArrayEquals(e2, back.get(2), "5tswap VLAN IPv4/UDP");
                byte[] e3 = sent.get(3).clone();
                swap(e3, 0, 6, 6); // IPv4 header cut short: MACs only, the rest untouched
                assertArrayEquals(e3, back.get(3), "5tswap truncated IPv4");
            } finally {
                for (EthPort p : ports) {
                    p.stop();
                    p.close();
                }
                if (pool != null) {
                    afterClose = pool.inUse();
                }
                Eal.cleanup();
            }
            // virtio-user keeps rx ring refills and lazily freed tx mbufs while its ports are up
            assertEquals(baseline, afterClose, "guest pool not back to its baseline after the ports closed");
            assertEquals(0, mac.stop(Duration.ofSeconds(20)), mac.tail());
            assertEquals(0, five.stop(Duration.ofSeconds(20)), five.tail());
        }
    }

    static EthPort start(EthPort p, int q, Mempool pool, List<EthPort> started) {
        p.configure(q, q, 0);
        for (int i = 0; i < q; i++) {
            p.setupRxQueue(i, 1024, pool);
            p.setupTxQueue(i, 1024);
        }
        p.start();
        started.add(p);
        return p;
    }

    /** Sends frames on queue q, returns what comes back on q, ordered by the index (0..n-1) each carries mod 100000. */
    static List<byte[]> exchange(EthPort p, int q, Mempool pool, List<byte[]> frames) throws InterruptedException {
        byte[][] back = new byte[frames.size()][];
        int got = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment burst = a.allocate(ValueLayout.ADDRESS, 32);
            int next = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (got < frames.size() && System.nanoTime() < deadline) {
                // at most 128 in flight: below the 256-entry virtio rings, so the reflector never
                // finds our rx ring full (it would count a tx shortfall and free the frame)
                if (next < frames.size() && next - got < 128) {
                    int n = Math.min(32, frames.size() - next);
                    assertEquals(0, vsshim_h.vs_pktmbuf_alloc_bulk(pool.pool, burst, n), "mbuf alloc");
                    for (int i = 0; i < n; i++) {
                        long m = burst.getAtIndex(ValueLayout.JAVA_LONG, i);
                        byte[] f = frames.get(next + i);
                        MemorySegment.copy(f, 0, Mbufs.ALL, ValueLayout.JAVA_BYTE, Mbufs.data(m), f.length);
                        Mbufs.setLen(m, f.length);
                    }
                    int sent = Short.toUnsignedInt(vsshim_h.vs_eth_tx_burst((short) p.id, (short) q, burst, (short) n));
                    if (sent < n) {
                        vsshim_h.vs_pktmbuf_free_bulk(burst.asSlice(sent * 8L), n - sent);
                    }
                    next += sent;
                }
                int n = Short.toUnsignedInt(vsshim_h.vs_eth_rx_burst((short) p.id, (short) q, burst, (short) 32));
                for (int i = 0; i < n; i++) {
                    long m = burst.getAtIndex(ValueLayout.JAVA_LONG, i);
                    byte[] f = new byte[Mbufs.dataLen(m)];
                    MemorySegment.copy(Mbufs.ALL, ValueLayout.JAVA_BYTE, Mbufs.data(m), f, 0, f.length);
                    int idx = ByteBuffer.wrap(f, f.length - 4, 4).getInt() % 100_000;
                    assertTrue(idx >= 0 && idx < back.length && back[idx] == null, "unexpected or duplicate frame " + idx);
                    back[idx] = f;
                    got++;
                }
                vsshim_h.vs_pktmbuf_free_bulk(burst, n);
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
        }
        assertEquals(frames.size(), got, "frames back on port " + p.name + " queue " + q);
        return List.of(back);
    }

    static ByteBuffer eth(int len, int ethertype) {
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(MAC_B).put(MAC_A).putShort((short) ethertype);
        return b;
    }

    /** IPv4/UDP, 10.0.0.1:1111 -> 10.0.0.2:2222, the index in the last 4 bytes. */
    static byte[] ipv4Udp(int index, int len) {
        ByteBuffer b = eth(len, 0x0800);
        ipv4(b, len - 14);
        b.putShort((short) 1111).putShort((short) 2222).putShort((short) (len - 34)).putShort((short) 0);
        b.putInt(len - 4, index);
        return b.array();
    }

    static void ipv4(ByteBuffer b, int totalLen) {
        b.put((byte) 0x45).put((byte) 0).putShort((short) totalLen).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
    }

    static byte[] vlanIpv4Udp(int index) {
        int len = 68;
        ByteBuffer b = eth(len, 0x8100);
        b.putShort((short) 100).putShort((short) 0x0800);
        ipv4(b, len - 18);
        b.putShort((short) 1111).putShort((short) 2222).putShort((short) (len - 38)).putShort((short) 0);
        b.putInt(len - 4, index);
        return b.array();
    }

    /** IPv6/TCP, 2001:db8::1:1111 -> 2001:db8::2:2222. */
    static byte[] ipv6Tcp(int index) {
        int len = 90;
        ByteBuffer b = eth(len, 0x86DD);
        b.putInt(0x60000000).putShort((short) (len - 54)).put((byte) 6).put((byte) 64);
        b.put(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        b.put(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
        b.putShort((short) 1111).putShort((short) 2222).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x02)
                .putShort((short) 1024).putInt(0);
        b.putInt(len - 4, index);
        return b.array();
    }

    /** An IPv4 header claiming IHL 15 (60 B) in a 64 B frame: 5tswap must stop after the MACs. */
    static byte[] truncatedIpv4(int index) {
        byte[] f = ipv4Udp(index, 64);
        f[14] = 0x4f;
        return f;
    }

    static void swap(byte[] f, int a, int b, int n) {
        for (int i = 0; i < n; i++) {
            byte t = f[a + i];
            f[a + i] = f[b + i];
            f[b + i] = t;
        }
    }
}
