package io.vswitch.datapath;

import java.util.Arrays;

/**
 * Which tx queue of a port each lcore sends on, given the queues its guest enabled (a vhost
 * guest may enable fewer queue pairs than the port has: a VM with one vCPU, a virtio-user
 * configured with one queue). The remap Open vSwitch does on a vring state change, here
 * computed on the control thread and published in each lcore's plan:
 *
 * <pre>
 *   lcores 4, queues 4, enabled {0, 2}:
 *     1. an lcore keeps its own queue if enabled        lcore 0 -> 0, lcore 2 -> 2
 *     2. the others take enabled queues no lcore has     (none left)
 *     3. then share the enabled ones, round robin        lcore 1 -> 0, lcore 3 -> 2 (0 and 2 shared)
 *   enabled {}: every lcore -> -1 (frames for the port are dropped, drop_link_down)
 * </pre>
 *
 * A queue two lcores send on is {@link #shared}: they take its {@link TxLock} around each tx
 * burst. Pure function, for tests.
 */
public final class TxQueueMap {
    /** {@link #remap} of an lcore with no enabled queue to send on. */
    public static final int NONE = -1;

    private TxQueueMap() {}

    /**
     * @param lcores  the switch's lcores
     * @param enabled {@code enabled[q]}: whether the guest enabled tx queue q (its rx ring)
     * @return the queue lcore {@code l} sends on, by {@code l}; {@link #NONE} when nothing is enabled
     */
    public static int[] remap(int lcores, boolean[] enabled) {
        int[] map = new int[lcores];
        Arrays.fill(map, NONE);
        int[] on = new int[enabled.length];
        int n = 0;
        for (int q = 0; q < enabled.length; q++) {
            if (enabled[q]) {
                on[n++] = q;
            }
        }
        if (n == 0) {
            return map;
        }
        boolean[] taken = new boolean[enabled.length];
        for (int l = 0; l < lcores; l++) {
            if (l < enabled.length && enabled[l]) {
                map[l] = l;
                taken[l] = true;
            }
        }
        int free = 0;
        int k = 0;
        for (int l = 0; l < lcores; l++) {
            if (map[l] != NONE) {
                continue;
            }
            while (free < n && taken[on[free]]) {
                free++;
            }
            if (free < n) {
                map[l] = on[free];
                taken[on[free]] = true;
            } else {
                map[l] = on[k];
                k = (k + 1) % n;
            }
        }
        return map;
    }

    /** True when another lcore than {@code lcore} sends on the same queue in {@code map}. */
    public static boolean shared(int[] map, int lcore) {
        int q = map[lcore];
        if (q == NONE) {
            return false;
        }
        for (int l = 0; l < map.length; l++) {
            if (l != lcore && map[l] == q) {
                return true;
            }
        }
        return false;
    }
}
