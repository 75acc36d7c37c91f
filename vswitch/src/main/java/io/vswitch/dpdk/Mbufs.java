package io.vswitch.dpdk;

import io.vswitch.bindings.generated.rte_mbuf;
import io.vswitch.bindings.generated.rte_mbuf_h;
import io.vswitch.bindings.generated.vsshim_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Hot-path access to mbufs by address, through one long-lived segment that spans the
 * address space: no {@code reinterpret}, no segment object per packet.
 *
 * <pre>
 *   rte_mbuf @ m:  buf_addr ──► [ headroom | data_off ─► packet bytes (data_len) ... ]
 * </pre>
 * Offsets are the generated constants (checked against gcc by LayoutTest).
 */
public final class Mbufs {
    private Mbufs() {}

    /** Everything: packet data and mbuf headers are addressed absolutely within it. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /*
     * Native order, declared unaligned: mbuf fields are naturally aligned anyway, and an aligned
     * layout makes every access test the address's low bits first.
     */
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    public static final long BUF_ADDR = rte_mbuf.buf_addr$OFFSET;
    public static final long DATA_OFF = rte_mbuf.data_off$OFFSET;
    public static final long DATA_LEN = rte_mbuf.data_len$OFFSET;
    public static final long PKT_LEN = rte_mbuf.pkt_len$OFFSET;
    public static final long NB_SEGS = rte_mbuf.nb_segs$OFFSET;
    public static final long PORT = rte_mbuf.port$OFFSET;
    public static final long NEXT = rte_mbuf.next$OFFSET;

    /**
     * vs_mbuf_refcnt_update bound with the mbuf as a {@code long} (a pointer and a 64-bit
     * integer travel in the same register on x86-64 and AArch64), so the hot path passes
     * an address without making a segment for it. Critical: it neither blocks nor upcalls.
     */
    private static final MethodHandle REFCNT_UPDATE = Linker.nativeLinker().downcallHandle(
            vsshim_h.vs_mbuf_refcnt_update$address(),
            FunctionDescriptor.of(ValueLayout.JAVA_SHORT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_SHORT),
            Linker.Option.critical(false));

    /** Address of the first packet byte of mbuf {@code m} (rte_pktmbuf_mtod). */
    public static long data(long m) {
        return ALL.get(U64, m + BUF_ADDR) + Short.toUnsignedLong(ALL.get(U16, m + DATA_OFF));
    }

    /** Bytes in the first segment. */
    public static int dataLen(long m) {
        return Short.toUnsignedInt(ALL.get(U16, m + DATA_LEN));
    }

    public static int pktLen(long m) {
        return ALL.get(U32, m + PKT_LEN);
    }

    /** Sets data_len and pkt_len of a single-segment mbuf. */
    public static void setLen(long m, int len) {
        ALL.set(U16, m + DATA_LEN, (short) len);
        ALL.set(U32, m + PKT_LEN, len);
    }

    /**
     * Adds {@code extra} references to every segment of mbuf {@code m}
     * (rte_pktmbuf_refcnt_update): after it, the mbuf can be handed to {@code extra} + 1
     * tx bursts or frees, each of which drops one reference. Allocates nothing.
     */
    public static void addReferences(long m, int extra) {
        try {
            do {
                short unused = (short) REFCNT_UPDATE.invokeExact(m, (short) extra);
                m = ALL.get(U64, m + NEXT);
            } while (m != 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable", t);
        }
    }

    public static final long OL_FLAGS = rte_mbuf.ol_flags$OFFSET;
    public static final long REFCNT = rte_mbuf.refcnt$OFFSET;
    public static final long POOL = rte_mbuf.pool$OFFSET;

    /**
     * Readies {@code n} received mbufs (addresses at native {@code pkts}) to be transmitted
     * again, as {@code rte_pktmbuf_alloc} would leave fresh ones (headroom, no offload flags),
     * if every one is a plain single-segment mbuf of {@code pool} held only by the caller;
     * otherwise changes nothing and returns false (the caller frees them instead).
     */
    public static boolean recycle(long pkts, int n, long pool) {
        final MemorySegment mem = ALL;
        for (int i = 0; i < n; i++) {
            long m = mem.get(U64, pkts + 8L * i);
            if (mem.get(U16, m + NB_SEGS) != 1 || mem.get(U16, m + REFCNT) != 1 || mem.get(U64, m + POOL) != pool) return false;
        }
        for (int i = 0; i < n; i++) {
            long m = mem.get(U64, pkts + 8L * i);
            mem.set(U64, m + OL_FLAGS, 0L);
            mem.set(U16, m + DATA_OFF, (short) rte_mbuf_h.RTE_PKTMBUF_HEADROOM);
        }
        return true;
    }

    /**
     * Allocates {@code n} mbufs from {@code pool} (rte_mempool *) into native
     * {@code pkts[0..n)} (rte_pktmbuf_alloc_bulk): all or none. Returns 0, or a negative
     * errno when the pool (and its cache) cannot give {@code n}. Critical handle, no
     * allocation: a loop may call it once per burst.
     */
    public static int allocBulk(MemorySegment pool, MemorySegment pkts, int n) {
        return vsshim_h.vs_pktmbuf_alloc_bulk(pool, pkts, n);
    }

    /** The reference count of mbuf {@code m}'s first segment. */
    public static int refcnt(long m) {
        return Short.toUnsignedInt(ALL.get(U16, m + rte_mbuf.refcnt$OFFSET));
    }

    /** Links the downcalls the hot path uses, so a poll loop's first burst does not pay for it. */
    public static void link() {
        REFCNT_UPDATE.type();
        // the accessors' first calls link their var handles (short, int, long; get and set):
        // done here, off the measured loop, on a scratch mbuf header
        long m = SCRATCH.address();
        setLen(m, 60);
        if (dataLen(m) + pktLen(m) != 120 || data(m) != 0) {
            throw new IllegalStateException("mbuf accessors read back wrong values");
        }
        // flooding is rare: have the JVM customise the refcnt handle now, not on its 128th call
        // in the loop (see DpdkIo.link). The scratch header has refcnt 0 and no next segment.
        DpdkIo.untilCustomized(() -> addReferences(m, 0));
    }

    private static final MemorySegment SCRATCH = java.lang.foreign.Arena.global().allocate(rte_mbuf.$LAYOUT);
}
