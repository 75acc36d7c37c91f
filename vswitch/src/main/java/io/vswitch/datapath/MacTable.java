package io.vswitch.datapath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The switch's forwarding database: (MAC, VLAN) -> (port, last seen), shared by
 * every lcore without locks, fixed in size, allocating nothing on lookup or
 * learn.
 *
 * <h2>Layout</h2>
 * One {@code long[]}, cut into buckets of {@value #WAYS} slots; a slot is two
 * longs, key then value, so a bucket is two cache lines. A (MAC, VLAN) can only
 * live in the bucket its hash picks (set-associative, no probe chains), so a
 * slot can be emptied or reused without breaking anybody's search.
 *
 * <pre>
 *   bucket b:  [k0 v0][k1 v1] ... [k7 v7]          16 longs, 128 B
 *
 *   key   63  62..60   59..48   47.........0       0 = EMPTY, 1 = BUSY
 *         1   000      VLAN     MAC
 *   value 63..48       47.............0            0 = in transition
 *         port + 1     last seen, ns >>> 16 (65.5 us units, mod 2^48)
 * </pre>
 *
 * <h2>Concurrency and memory ordering</h2>
 * Every store to the array is a release store or a CAS; every load is an
 * acquire load (on x86 these are plain moves: the lookup costs no fences).
 * <ul>
 * <li><b>Lookup</b> reads the key, then the value, then the key again; it
 *     uses the value only if the key is unchanged and the value is neither 0
 *     nor expired. A slot being reused for another key shows BUSY or the new
 *     key on the second read, so a reader never pairs a key with another key's
 *     port. A reader that races with a change misses and the caller floods,
 *     which is always safe for a switch.</li>
 * <li><b>Claiming a slot</b> for a new key: an EMPTY slot by
 *     CAS(key, EMPTY, BUSY); an expired slot by CAS(value, old, 0) then key =
 *     BUSY. Then value = new (release), then key = new (release). The CAS makes
 *     the claimer the slot's single writer until it publishes.</li>
 * <li><b>Refresh / move</b> of a present key: CAS(value, seen, new). It loses
 *     to a concurrent claim or expiry (their CAS on the value), and then the
 *     frame simply is not learned; the next one is. A known key on the same
 *     port is rewritten at most once per refresh interval (1 s, or max age /
 *     16 if shorter) so hot MACs keep their cache line shared across lcores.</li>
 * <li>A learner that meets a slot in transition gives up ({@link #LEARN_BUSY})
 *     instead of waiting: no lcore ever waits for another.</li>
 * <li>Two lcores learning the same new MAC in the same instant may, rarely,
 *     claim two slots. Both lookups and learns use the first match in the
 *     bucket, so the other copy is never read or refreshed; it ages out and is
 *     reclaimed like any stale entry.</li>
 * </ul>
 *
 * <h2>Capacity and aging</h2>
 * At most {@code capacity} slots are in use (an atomic count, changed only
 * when an EMPTY slot is claimed or swept); the array has twice as many slots,
 * rounded up to a power-of-two number of buckets, so buckets rarely fill before
 * the count does. When the table or the bucket is full a new source is not
 * learned ({@link #LEARN_FULL}, counted) and the caller floods; memory never
 * grows. A random per-table hash seed keeps a guest from aiming MACs at one
 * bucket. An entry older than the maximum age is ignored by lookups at once,
 * reused in place by a learner that needs its slot, and emptied by
 * {@link #expire}, which the control thread should call about once a second.
 * Time is always passed in ({@code nowNanos}, e.g. {@link System#nanoTime()}),
 * so tests use a fake clock.
 */
public final class MacTable {
    /** Slots per bucket. */
    public static final int WAYS = 8;
    /** Default maximum age: 300 s, as Open vSwitch and most switches. */
    public static final long DEFAULT_MAX_AGE_NANOS = 300_000_000_000L;

    /** {@link #learn} result: the source was known on this port (maybe refreshed). */
    public static final int LEARN_KNOWN = 0;
    /** {@link #learn} result: a new entry (or one that had expired). */
    public static final int LEARN_NEW = 1;
    /** {@link #learn} result: the source was known on another port and moved. */
    public static final int LEARN_MOVED = 2;
    /** {@link #learn} result: not learned, table or bucket full (counted as a learn failure). */
    public static final int LEARN_FULL = -1;
    /** {@link #learn} result: not learned, another lcore was changing the slot (benign, not counted). */
    public static final int LEARN_BUSY = -2;

    /** Largest port id a table can store (value holds port + 1 in 16 bits). */
    public static final int MAX_PORT = 0xFFFE;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long EMPTY = 0;
    private static final long BUSY = 1;
    private static final long PRESENT = 1L << 63;
    private static final long MASK48 = (1L << 48) - 1;
    private static final int TIME_SHIFT = 16;
    private static final int STRIPES = 16;          // learn-failure counter stripes
    private static final int PAD = 8;               // longs per cache line

    private final long[] slots;
    private final int bucketMask;
    private final int capacity;
    private final long seed;
    private final long maxAgeNanos;
    private final long maxAgeUnits;
    private final long refreshUnits;
    /** Where {@link #expireSome} continues: an even index into {@link #slots}; the control thread's only. */
    private int sweepCursor;
    /** [0] = entries (atomic); [PAD * (1 + s)] = learn failures of stripe s. */
    private final long[] counts = new long[PAD * (STRIPES + 1)];

    /** A table of {@code capacity} entries, the default age and a random hash seed. */
    public MacTable(int capacity) {
        this(capacity, DEFAULT_MAX_AGE_NANOS);
    }

    /** A table of {@code capacity} entries aging after {@code maxAgeNanos}, with a random hash seed. */
    public MacTable(int capacity, long maxAgeNanos) {
        this(capacity, maxAgeNanos, new SecureRandom().nextLong());
    }

    /**
     * @param capacity    maximum number of entries, at least 1
     * @param maxAgeNanos entries not seen for longer are forgotten, at least 1 ms
     * @param seed        hash seed (tests pass a constant to be reproducible)
     */
    public MacTable(int capacity, long maxAgeNanos, long seed) {
        if (capacity < 1 || capacity > (1 << 26)) {
            throw new IllegalArgumentException("MAC table capacity " + capacity + " is out of range (1-" + (1 << 26) + ")");
        }
        if (maxAgeNanos < 1_000_000L) {
            throw new IllegalArgumentException("MAC age " + maxAgeNanos + " ns is below 1 ms");
        }
        int buckets = Integer.highestOneBit(Math.max(1, (2 * capacity + WAYS - 1) / WAYS) * 2 - 1);
        this.slots = new long[buckets * WAYS * 2];
        this.bucketMask = buckets - 1;
        this.capacity = capacity;
        this.seed = seed;
        this.maxAgeNanos = maxAgeNanos;
        this.maxAgeUnits = maxAgeNanos >>> TIME_SHIFT;
        this.refreshUnits = Math.min(1_000_000_000L, maxAgeNanos / 16) >>> TIME_SHIFT;
    }

    /** Packs a 48-bit MAC (first octet most significant) and a 12-bit VLAN into a key. */
    public static long key(long mac, int vlan) {
        return PRESENT | ((long) (vlan & 0xFFF) << 48) | (mac & MASK48);
    }

    private int bucketBase(long key) {
        long h = key ^ seed;                         // murmur3 fmix64
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return ((int) h & bucketMask) * (WAYS * 2);
    }

    private static long stamp(long nowNanos) {
        return (nowNanos >>> TIME_SHIFT) & MASK48;
    }

    /** Age of a value in time units, sign-extended so a stamp slightly in the future is young. */
    private static long age(long value, long nowNanos) {
        return ((stamp(nowNanos) - (value & MASK48)) << 16) >> 16;
    }

    private boolean expired(long value, long nowNanos) {
        return age(value, nowNanos) > maxAgeUnits;
    }

    /**
     * The port {@code mac} was last seen on in {@code vlan}, or -1 if unknown
     * or aged out.
     */
    public int lookup(long mac, int vlan, long nowNanos) {
        long k = key(mac, vlan);
        int base = bucketBase(k);
        for (int i = base; i < base + WAYS * 2; i += 2) {
            if ((long) SLOT.getAcquire(slots, i) == k) {
                long v = (long) SLOT.getAcquire(slots, i + 1);
                if ((long) SLOT.getAcquire(slots, i) != k || v == 0 || expired(v, nowNanos)) {
                    return -1;
                }
                return (int) (v >>> 48) - 1;
            }
        }
        return -1;
    }

    /**
     * Records that {@code mac} in {@code vlan} was seen on {@code port} at
     * {@code nowNanos}.
     *
     * @param port 0..{@value #MAX_PORT} (not checked)
     * @return {@link #LEARN_KNOWN}, {@link #LEARN_NEW}, {@link #LEARN_MOVED},
     *         {@link #LEARN_FULL} or {@link #LEARN_BUSY}
     */
    public int learn(long mac, int vlan, int port, long nowNanos) {
        long k = key(mac, vlan);
        long nv = ((long) (port + 1) << 48) | stamp(nowNanos);
        int base = bucketBase(k);
        int empty = -1;
        int stale = -1;
        long staleValue = 0;
        for (int i = base; i < base + WAYS * 2; i += 2) {
            long sk = (long) SLOT.getAcquire(slots, i);
            if (sk == k) {
                long v = (long) SLOT.getAcquire(slots, i + 1);
                if (v == 0) {
                    return LEARN_BUSY;
                }
                boolean wasExpired = expired(v, nowNanos);
                boolean moved = (v >>> 48) != (nv >>> 48);
                if (!moved && !wasExpired && age(v, nowNanos) < refreshUnits) {
                    return LEARN_KNOWN;
                }
                if (!SLOT.compareAndSet(slots, i + 1, v, nv)) {
                    return LEARN_BUSY;
                }
                return wasExpired ? LEARN_NEW : moved ? LEARN_MOVED : LEARN_KNOWN;
            }
            if (sk == EMPTY) {
                if (empty < 0) {
                    empty = i;
                }
            } else if (sk != BUSY && stale < 0) {
                long v = (long) SLOT.getAcquire(slots, i + 1);
                if (v != 0 && expired(v, nowNanos)) {
                    stale = i;
                    staleValue = v;
                }
            }
        }
        if (stale >= 0) {                                // reuse in place: count unchanged
            if (!SLOT.compareAndSet(slots, stale + 1, staleValue, 0L)) {
                return LEARN_BUSY;
            }
            SLOT.setRelease(slots, stale, BUSY);
            SLOT.setRelease(slots, stale + 1, nv);
            SLOT.setRelease(slots, stale, k);
            return LEARN_NEW;
        }
        if (empty >= 0) {
            if ((long) SLOT.getAndAdd(counts, 0, 1L) >= capacity) {
                SLOT.getAndAdd(counts, 0, -1L);
                return fail();
            }
            if (!SLOT.compareAndSet(slots, empty, EMPTY, BUSY)) {
                SLOT.getAndAdd(counts, 0, -1L);
                return LEARN_BUSY;
            }
            SLOT.setRelease(slots, empty + 1, nv);
            SLOT.setRelease(slots, empty, k);
            return LEARN_NEW;
        }
        return fail();
    }

    private int fail() {
        int s = (int) Thread.currentThread().threadId() & (STRIPES - 1);
        SLOT.getAndAdd(counts, PAD * (1 + s), 1L);
        return LEARN_FULL;
    }

    /**
     * Empties every entry older than the maximum age; call from one control
     * thread about once a second. Runs concurrently with lookups and learns.
     *
     * @return the number of entries removed
     */
    public int expire(long nowNanos) {
        return removeWhere(v -> expired(v, nowNanos));
    }

    /**
     * The incremental form of {@link #expire}: examines the next {@code slots} slots after where
     * the last call stopped (wrapping), so a sweep is spread over several wake-ups of the control
     * thread. A whole-table sweep (16,384 slots for 8,192 entries) held the control thread for
     * 160-300 us each second, on the poll loop's CPU when they share one. Lookups already ignore an
     * aged entry; the sweep only frees its slot. Same concurrency as {@link #expire}; one caller.
     *
     * @return the number of entries removed
     */
    public int expireSome(long nowNanos, int slots) {
        final long[] a = this.slots;
        int i = sweepCursor;
        int removed = 0;
        for (int n = Math.min(slots, a.length / 2); n > 0; n--) {
            if ((long) SLOT.getAcquire(a, i) < 0) {              // neither EMPTY nor BUSY
                long v = (long) SLOT.getAcquire(a, i + 1);
                if (v != 0 && expired(v, nowNanos) && remove(i, v)) {
                    removed++;
                }
            }
            i += 2;
            if (i == a.length) {
                i = 0;
            }
        }
        sweepCursor = i;
        return removed;
    }

    /**
     * Slots for each call of {@link #expireSome} made every {@code periodNanos} so that a whole
     * sweep takes at most an eighth of the maximum age (and at least one period): with the
     * default 300 s and 8,192 entries (16,384 slots), 443 slots a second; with an age of one period, all.
     */
    public int sweepSlots(long periodNanos) {
        int total = slots.length / 2;
        long steps = Math.max(1, maxAgeNanos / 8 / Math.max(1, periodNanos));
        return (int) Math.min(total, (total + steps - 1) / steps);
    }

    /**
     * Empties every entry on {@code port}, or every entry when {@code port} is negative
     * (the analogue of {@code ovs-appctl fdb/flush}); like {@link #expire}, from the control
     * thread, concurrently with lookups and learns (a learn racing with it may keep or
     * re-add an entry: the caller first makes sure no lcore receives from the port).
     *
     * @return the number of entries removed
     */
    public int flush(int port) {
        return removeWhere(v -> port < 0 || (int) (v >>> 48) - 1 == port);
    }

    /** Empties every present entry whose value passes {@code test} ({@link #remove}). For the control thread. */
    private int removeWhere(java.util.function.LongPredicate test) {
        int removed = 0;
        for (int i = 0; i < slots.length; i += 2) {
            long sk = (long) SLOT.getAcquire(slots, i);
            if (sk >= 0) {                               // EMPTY or BUSY
                continue;
            }
            long v = (long) SLOT.getAcquire(slots, i + 1);
            if (v != 0 && test.test(v) && remove(i, v)) {
                removed++;
            }
        }
        return removed;
    }

    /**
     * Empties the entry at key index {@code i} if its value is still {@code v}: the value is taken
     * by CAS (so a concurrent learn or claim of the slot wins or loses whole), then the key is
     * released as EMPTY and the count dropped. For the control thread.
     */
    private boolean remove(int i, long v) {
        if (!SLOT.compareAndSet(slots, i + 1, v, 0L)) {
            return false;
        }
        SLOT.setRelease(slots, i, EMPTY);
        SLOT.getAndAdd(counts, 0, -1L);
        return true;
    }

    /** Slots in use, including entries that have aged but were not yet expired or reused. */
    public long entries() {
        return (long) SLOT.getOpaque(counts, 0);
    }

    /** Entries not aged out at {@code nowNanos} (scans the table; for stats, not the fast path). */
    public int liveEntries(long nowNanos) {
        int n = 0;
        for (int i = 0; i < slots.length; i += 2) {
            long sk = (long) SLOT.getAcquire(slots, i);
            long v = (long) SLOT.getAcquire(slots, i + 1);
            if (sk < 0 && v != 0 && !expired(v, nowNanos)) {
                n++;
            }
        }
        return n;
    }

    /** Sources not learned because the table or their bucket was full, since creation. */
    public long learnFailures() {
        long n = 0;
        for (int s = 0; s < STRIPES; s++) {
            n += (long) SLOT.getOpaque(counts, PAD * (1 + s));
        }
        return n;
    }

    /** The maximum number of entries. */
    public int capacity() {
        return capacity;
    }

    /** The maximum age in nanoseconds. */
    public long maxAgeNanos() {
        return maxAgeNanos;
    }

    /**
     * One live entry: the analogue of a line of {@code ovs-appctl fdb/show}.
     *
     * @param port       the port the source was last seen on
     * @param vlan       its VLAN (0 = untagged)
     * @param mac        the 48-bit MAC, first octet most significant ({@link #formatMac})
     * @param ageSeconds seconds since it was last seen, rounded
     */
    public record Entry(int port, int vlan, long mac, long ageSeconds) {}

    /**
     * The entries not aged out at {@code nowNanos}, sorted by port, VLAN and MAC (what
     * {@code ovs-appctl fdb/show} lists). Not for the fast path (allocates); safe to call
     * while lcores forward.
     */
    public List<Entry> entries(long nowNanos) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < slots.length; i += 2) {
            long k = (long) SLOT.getAcquire(slots, i);
            long v = (long) SLOT.getAcquire(slots, i + 1);
            if (k < 0 && v != 0 && (long) SLOT.getAcquire(slots, i) == k && !expired(v, nowNanos)) {
                long ageNanos = Math.max(0, age(v, nowNanos)) << TIME_SHIFT;
                out.add(new Entry((int) (v >>> 48) - 1, (int) (k >>> 48) & 0xFFF, k & MASK48,
                        (ageNanos + 500_000_000L) / 1_000_000_000L));
            }
        }
        out.sort(Comparator.comparingInt(Entry::port).thenComparingInt(Entry::vlan).thenComparingLong(Entry::mac));
        return out;
    }

    /** {@code 0x525400000001L} -> {@code "52:54:00:00:00:01"}. */
    public static String formatMac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int b = (int) (mac >>> shift) & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            if (shift > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
