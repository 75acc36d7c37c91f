package io.vswitch.dpdk;

import io.vswitch.bindings.generated.vsshim_h;

/**
 * What every poll loop shares, whatever it does to packets (reflect or switch): pin the
 * thread to its CPU and register it as a DPDK lcore, link the burst handles before the
 * loop so linkage is not charged to it, track the thread's allocated bytes from the first
 * iteration on (0 is the contract, the stats print it), record a failure for the control
 * thread, and stop on request.
 *
 * <p>The subclass's {@link #loop} checks {@link #running()} (a volatile read; the loop
 * never writes a volatile) once per round of its (port, queue) pairs, or, if it is driven
 * by commands of its own (the generator's), turns {@link #stop} into one with {@link #onStop}.
 * A loop that measures its allocation over a window of its own (the generator's) reads
 * {@link #currentThreadAllocatedBytes} at the window's ends.
 */
public abstract class LcoreLoop implements Runnable {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private final int cpu;
    private volatile boolean running = true;
    private volatile int lcoreId = -1;
    private volatile Throwable failure;
    private volatile boolean finished;
    private volatile long threadId = -1;
    private volatile long allocBaseline;
    private volatile long allocFinal = -1;
    private volatile int ealLcore = -1;
    private volatile Runnable onFailure;

    protected LcoreLoop(int cpu) {
        this.cpu = cpu;
    }

    /**
     * Before the thread starts: run as EAL lcore {@code lcoreId} (mapped to this loop's CPU by the
     * EAL arguments, never launched) instead of registering a new one, so DPDK's multi-process
     * channel stays on and dpdk-dumpcap can attach ({@link Lcore#pinAndTake}).
     */
    public final void standInForEalLcore(int lcoreId) {
        this.ealLcore = lcoreId;
    }

    /** The packet loop: returns when {@link #running()} turns false. */
    protected abstract void loop();

    /** Links and initialises whatever {@link #loop} calls, before allocation is counted. */
    protected void link() {
        DpdkIo.link();
        Mbufs.link();
    }

    protected final boolean running() {
        return running;
    }

    public final void stop() {
        running = false;
        onStop();
    }

    /**
     * Called by {@link #stop}, on the stopping thread, after {@link #running()} turned false:
     * for a loop that does not poll {@link #running()} to be told otherwise. Does nothing here.
     */
    protected void onStop() {}

    /**
     * Bytes the calling thread has allocated so far (a counter: take differences), or -1 if the
     * JVM does not count them. Call it in {@link #link} too, so its first-call costs fall
     * before the counting starts.
     */
    protected static long currentThreadAllocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    public final int lcoreId() {
        return lcoreId;
    }

    /** The CPU this loop is pinned to. */
    public final int cpu() {
        return cpu;
    }

    /** True once the loop has returned (stopped or failed): it polls nothing any more. */
    public final boolean finished() {
        return finished;
    }

    public final Throwable failure() {
        return failure;
    }

    /**
     * Runs {@code r} on this loop's thread when the loop fails, after {@link #failure} and
     * {@link #finished} are set; set it before the thread starts. The main thread can then wait
     * for a signal or a failure without waking up periodically on the poll loops' CPUs.
     */
    public final void onFailure(Runnable r) {
        this.onFailure = r;
    }

    /** Bytes this poll thread allocated since its loop started, or -1 before it started. */
    public final long allocatedInLoop() {
        long fin = allocFinal;
        if (fin >= 0) {
            return fin;
        }
        long id = threadId;
        long now = id < 0 ? -1 : THREADS.getThreadAllocatedBytes(id);
        return now < 0 ? -1 : now - allocBaseline;
    }

    /** On a Java platform thread: pin, register with EAL, loop. */
    @Override
    public final void run() {
        run(true);
    }

    /** On an EAL worker lcore (rte_eal_remote_launch, {@code --loop-threads eal}): EAL pinned it already. */
    public final void runOnEalLcore() {
        run(false);
    }

    private void run(boolean javaThread) {
        boolean taken = javaThread && ealLcore >= 0;
        try {
            lcoreId = taken ? Lcore.pinAndTake(cpu, ealLcore)
                    : javaThread ? Lcore.pinAndRegister(cpu) : vsshim_h.vs_lcore_id();
            link();
            threadId = Thread.currentThread().threadId();
            allocBaseline = THREADS.getCurrentThreadAllocatedBytes();
            loop();
            allocFinal = THREADS.getCurrentThreadAllocatedBytes() - allocBaseline;
        } catch (Throwable t) {
            failure = t;
        } finally {
            if (taken && lcoreId >= 0) {
                Lcore.release();
            } else if (javaThread && lcoreId >= 0) {
                Lcore.unregister();
            }
            finished = true;
            Runnable r = onFailure;
            if (failure != null && r != null) {
                r.run();
            }
        }
    }
}
