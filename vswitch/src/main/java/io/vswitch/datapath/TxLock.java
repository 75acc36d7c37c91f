package io.vswitch.datapath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A spin lock for one tx queue of one port that two or more lcores send on: taken only by
 * the lcores whose plan says the queue is shared (a guest enabled fewer of its rx queues
 * than the switch has lcores, so they send on the enabled ones, as Open vSwitch remaps its
 * vhost tx queues), held for one {@code rte_eth_tx_burst}. An lcore with a queue of its own
 * never touches it. Padded to its own cache lines; allocation-free.
 */
public final class TxLock {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TxLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7;
    private volatile int state;
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    /** Spins until the lock is this thread's (test and test-and-set). */
    public void lock() {
        while (!STATE.compareAndSet(this, 0, 1)) {
            while (state != 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** Releases it (a release store: the tx burst's writes happen before the next holder's). */
    public void unlock() {
        STATE.setRelease(this, 0);
    }

    /** True while some lcore holds it (for tests). */
    public boolean held() {
        return state != 0;
    }
}
