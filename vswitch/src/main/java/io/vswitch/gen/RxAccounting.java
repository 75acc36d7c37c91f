package io.vswitch.gen;

import io.vswitch.dpdk.Mbufs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * Receive-side bookkeeping for one RX queue: counts, duplicates and reordering over a sliding
 * window of sequence numbers, and a latency histogram. Single-threaded (owned by the queue's RX
 * lcore); read it after the loop has stopped or accept slightly torn counters.
 *
 * <h2>Per frame ({@link #onFrame})</h2>
 * <ul>
 * <li>Not ours ({@link Frame#parse} says so): {@code foreign}; nothing else.
 * <li>Ours but of another stream than this queue's: {@code otherStream}, counted as received and
 *     its latency recorded, but not sequence-checked (each stream has its own sequence space).
 * <li>Ours, this stream, sequence below the measurement start ({@link #reset(long)}): {@code stale}
 *     (sent during warm-up, still in flight); otherwise ignored.
 * <li>Otherwise received. Against the window of the last {@code W} sequence numbers below the
 *     highest seen so far: a sequence above the highest advances the window (gaps are not yet
 *     loss: they may arrive later); one inside the window already seen is a {@code duplicate};
 *     one inside the window not seen yet is {@code reordered} (arrived after a higher one); one
 *     older than the window is {@code late}: counted as received and reordered-beyond-window, but
 *     it cannot be checked for duplication.
 * </ul>
 * Loss is not a per-frame verdict: at the end, {@code loss = txPackets - unique()} where
 * {@code unique = received - duplicates}.
 *
 * <h2>Latency</h2>
 * {@code now - txTsc} in TSC ticks, converted to ns with the TSC frequency, recorded into an
 * HdrHistogram covering 1 ns..10 s at 3 significant digits that never resizes, so recording never
 * allocates. Larger values are recorded as 10 s and counted in {@code latencyClamped}; negative
 * ones (a TSC not synchronised between cores) are dropped and counted in {@code latencyNegative}.
 * With {@code sampleEvery = K > 1} only every K-th received frame is timed.
 *
 * <p>All per-frame paths allocate nothing and take no locks.
 */
public final class RxAccounting {
    /** Highest latency the histogram holds, ns (10 s). */
    public static final long MAX_LATENCY_NS = 10_000_000_000L;
    /** Default sequence window, in frames. */
    public static final int DEFAULT_WINDOW = 1 << 16;

    private final int stream;
    private final double nsPerTick;
    private final int sampleEvery;
    private final long[] bits;
    private final int window;
    private final long mask;
    private final Histogram latency;
    /** Bytes 12..19 as a little-endian long: ethertype IPv4, version 4 / IHL 5, IPv4 id = stream (TOS and length masked). */
    private final long w12Expect;

    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long W12_MASK = 0xFFFF_0000_00FF_FFFFL;
    /** Byte 23 (of bytes 20..27): protocol UDP. */
    private static final long W20_MASK = 0xFFL << 24, W20_EXPECT = (long) Frame.PROTO_UDP << 24;
    /** Bytes 42..43 (of bytes 36..43): the magic, big-endian. */
    private static final long W36_MASK = 0xFFFFL << 48,
            W36_EXPECT = (long) Short.toUnsignedInt(Short.reverseBytes(Frame.MAGIC)) << 48;

    private long firstSeq;
    /** One past the highest sequence number seen since reset: the bitmap covers [high - window, high). */
    private long high;
    private int sampleCountdown;

    private long frames, bytes, foreign, otherStream, stale, received, duplicates, reordered, late;
    private long latencyClamped, latencyNegative;

    /** Window of {@link #DEFAULT_WINDOW}, latency of every frame. */
    public RxAccounting(int stream, long tscHz) {
        this(stream, tscHz, DEFAULT_WINDOW, 1);
    }

    /**
     * @param stream the stream id this queue's TX side stamps (its queue id)
     * @param tscHz TSC frequency in Hz ({@code rte_get_tsc_hz()})
     * @param window sequence window in frames, a power of two &ge; 64
     * @param sampleEvery time one frame in this many (1 = all)
     */
    public RxAccounting(int stream, long tscHz, int window, int sampleEvery) {
        if (tscHz <= 0) throw new IllegalArgumentException("TSC Hz must be positive");
        if (window < 64 || Integer.bitCount(window) != 1) throw new IllegalArgumentException("window must be a power of two >= 64");
        if (sampleEvery < 1) throw new IllegalArgumentException("sampleEvery must be >= 1");
        this.stream = stream;
        this.nsPerTick = 1e9 / tscHz;
        this.sampleEvery = sampleEvery;
        this.window = window;
        this.mask = window - 1;
        this.bits = new long[window >>> 6];
        this.latency = new Histogram(1, MAX_LATENCY_NS, 3);
        this.w12Expect = 0x08L | 0x45L << 16 | (long) (stream >>> 8 & 0xFF) << 48 | (long) (stream & 0xFF) << 56;
        reset(0);
    }

    /**
     * Clears every counter and the histogram and starts measuring at sequence {@code firstSeq}:
     * frames of this stream with a lower sequence number are counted as {@code stale} only. Call
     * it at the end of warm-up with the TX side's next sequence number; no need to stop TX.
     */
    public void reset(long firstSeq) {
        this.firstSeq = firstSeq;
        this.high = firstSeq;
        Arrays.fill(bits, 0L);
        latency.reset();
        sampleCountdown = 1;
        frames = bytes = foreign = otherStream = stale = received = duplicates = reordered = late = 0;
        latencyClamped = latencyNegative = 0;
    }

    /**
     * Accounts a received burst: the {@code n} single-segment mbufs whose addresses are at native
     * address {@code pkts}, received at TSC {@code nowTsc}. Same books as {@link #onFrame} on
     * each frame in turn.
     *
     * <p>This is the RX loop's per-packet path, so it is written for the JIT: the common case
     * (our frame, this stream, the next sequence number) is decided with four loads and masked
     * compares, its state lives in locals for the whole burst, and memory is reached through the
     * constant {@link Mbufs#ALL}, which lets C2 drop every bounds, liveness and type check. Any
     * other frame goes to {@link #onFrame}. Measured at 64 B against testpmd io, within one
     * process start: 11-17 % more frames per second than calling a per-frame method with the
     * segment as a parameter (see bench/README.md).
     */
    public void onBurst(long pkts, int n, long nowTsc) {
        final MemorySegment mem = Mbufs.ALL;
        final long[] bits = this.bits;
        final long mask = this.mask;
        final long expect = w12Expect;
        long h = high;
        int countdown = sampleCountdown;
        long ok = 0, okBytes = 0;
        for (int i = 0; i < n; i++) {
            long m = mem.get(Mbufs.U64, pkts + 8L * i);
            long off = Mbufs.data(m);
            int dataLen = Mbufs.dataLen(m);
            if (dataLen >= Frame.MIN_DATA_LEN) {
                long w12 = mem.get(LE64, off + Frame.OFF_ETHERTYPE);   // ethertype, version/IHL, TOS, total length, id
                long w20 = mem.get(LE64, off + 20);                    // flags/fragment, TTL, protocol, checksum, src (2 B)
                long w36 = mem.get(LE64, off + Frame.OFF_UDP_DPORT);   // dst port, UDP length, UDP checksum, magic
                long seq = Frame.seq(mem, off);
                int ipLen = (int) ((w12 >>> 24) & 0xFF00 | (w12 >>> 40) & 0xFF);
                if ((w12 & W12_MASK) == expect && (w20 & W20_MASK) == W20_EXPECT && (w36 & W36_MASK) == W36_EXPECT
                        && seq == h && ipLen + Frame.OFF_IP <= dataLen && ipLen >= Frame.OFF_SEQ + 16 - Frame.OFF_IP) {
                    h = seq + 1;
                    bits[(int) ((seq & mask) >>> 6)] |= 1L << seq;
                    ok++;
                    okBytes += dataLen + Frame.FCS_LEN;
                    if (--countdown == 0) {
                        countdown = sampleEvery;
                        recordLatencyTicks(nowTsc - Frame.txTsc(mem, off));
                    }
                    continue;
                }
            }
            // Anything else: hand the state back, take the general path, pick the state up again.
            high = h;
            sampleCountdown = countdown;
            frames += ok;
            received += ok;
            bytes += okBytes;
            ok = okBytes = 0;
            onFrame(mem, off, dataLen, nowTsc);
            h = high;
            countdown = sampleCountdown;
        }
        high = h;
        sampleCountdown = countdown;
        frames += ok;
        received += ok;
        bytes += okBytes;
    }

    /**
     * Accounts one received frame of {@code dataLen} bytes at {@code mem[off..]}, received at
     * TSC {@code nowTsc} (one read per burst is fine): every case, in full. The RX loop uses
     * {@link #onBurst}, whose fast path must keep the same books (RxAccountingTest checks it).
     */
    public void onFrame(MemorySegment mem, long off, int dataLen, long nowTsc) {
        frames++;
        int s = Frame.parse(mem, off, dataLen);
        if (s == Frame.NOT_OURS) {
            foreign++;
            return;
        }
        if (s != stream) {
            otherStream++;
        } else {
            int v = onSeq(Frame.seq(mem, off));
            if (v == STALE || v == DUPLICATE) return;
        }
        received++;
        bytes += dataLen + Frame.FCS_LEN;
        if (--sampleCountdown == 0) {
            sampleCountdown = sampleEvery;
            recordLatencyTicks(nowTsc - Frame.txTsc(mem, off));
        }
    }

    static final int NEW = 0, REORDERED = 1, DUPLICATE = 2, LATE = 3, STALE = 4;

    /** Sequence-window bookkeeping for one frame of this stream; returns the verdict (package-private for tests). */
    int onSeq(long seq) {
        if (seq < firstSeq) {
            stale++;
            return STALE;
        }
        if (seq >= high) {
            long gap = seq - high; // sequence numbers skipped; their bits must read "not seen"
            if (gap >= window) {
                Arrays.fill(bits, 0L);
            } else {
                clearRange(high, seq); // seq's own bit is set below
            }
            high = seq + 1;
            setBit(seq);
            return NEW;
        }
        if (seq < high - window) {
            late++;
            reordered++;
            return LATE;
        }
        int w = (int) ((seq & mask) >>> 6);
        long b = 1L << seq; // shifts use the low 6 bits
        if ((bits[w] & b) != 0) {
            duplicates++;
            return DUPLICATE;
        }
        bits[w] |= b;
        reordered++;
        return REORDERED;
    }

    private void setBit(long seq) {
        bits[(int) ((seq & mask) >>> 6)] |= 1L << seq;
    }

    /** Clears bits for sequence numbers [from, to), to - from &lt; window. */
    private void clearRange(long from, long to) {
        while (from < to) {
            int w = (int) ((from & mask) >>> 6);
            int bit = (int) (from & 63);
            long n = Math.min(64 - bit, to - from);
            long m = (n == 64 ? -1L : ((1L << n) - 1)) << bit;
            bits[w] &= ~m;
            from += n;
        }
    }

    /** Records one latency sample given in TSC ticks. */
    public void recordLatencyTicks(long ticks) {
        if (ticks < 0) {
            latencyNegative++;
            return;
        }
        long ns = (long) (ticks * nsPerTick);
        if (ns > MAX_LATENCY_NS) {
            latencyClamped++;
            ns = MAX_LATENCY_NS;
        }
        latency.recordValue(ns);
    }

    /** Stream id this queue expects. */
    public int stream() { return stream; }
    /** Sequence number measurement started at. */
    public long firstSeq() { return firstSeq; }
    /** One past the highest sequence number received, or {@link #firstSeq()} if none. */
    public long nextExpectedSeq() { return high; }
    /** Every frame handed to {@link #onFrame}, whatever it was. */
    public long frames() { return frames; }
    /** Frames that were not ours. */
    public long foreign() { return foreign; }
    /** Our frames of another stream (received on the wrong queue). */
    public long otherStream() { return otherStream; }
    /** Our frames sent before the measurement started. */
    public long stale() { return stale; }
    /** Our measured frames, duplicates excluded: this stream's plus other streams'. */
    public long received() { return received; }
    /** Frame bytes (FCS included) of {@link #received()} frames. */
    public long receivedBytes() { return bytes; }
    /** Frames of this stream whose sequence number was already seen within the window. */
    public long duplicates() { return duplicates; }
    /** Frames of this stream that arrived after a higher sequence number (includes {@link #late()}). */
    public long reordered() { return reordered; }
    /** Frames older than the window: reordered by more than the window, or undetectable duplicates. */
    public long late() { return late; }
    /** Latency samples above {@link #MAX_LATENCY_NS}, recorded as that. */
    public long latencyClamped() { return latencyClamped; }
    /** Latency samples with RX TSC before TX TSC, dropped. */
    public long latencyNegative() { return latencyNegative; }
    /** Sequence window size in frames. */
    public int window() { return window; }
    /** Time one frame in this many. */
    public int sampleEvery() { return sampleEvery; }

    /**
     * The live latency histogram (ns). Read it only when the RX loop is stopped; copy it
     * ({@link Histogram#copy()}) to keep it past the next {@link #reset}.
     */
    public Histogram latency() {
        return latency;
    }
}
