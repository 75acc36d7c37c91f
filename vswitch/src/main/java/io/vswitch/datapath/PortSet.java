package io.vswitch.datapath;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * The switch's ports as one plan of the loops sees them: which port ids are live, in id
 * order (the flood list), and each one's VLAN role: a trunk (frames keep their tags; VLAN
 * 0 is untagged traffic) or an access port of VLAN 1..4094 (frames arrive and leave
 * untagged and only ever meet frames of that VLAN); and whether it is down (a vhost port
 * whose guest is gone: it stays live, its rx is polled, but frames for it are freed and
 * counted, {@code drop_link_down}, instead of being offered to a ring nobody reads). Immutable.
 *
 * <pre>
 *   ids    [0, 2, 5]                       live ports, flood order
 *   vlanOf [0, -1, 10, -1, -1, 10, -1 ...] by port id: -1 not live, 0 trunk, V access port of V
 *   down   [f, f, t, f, f, f, f ...]       by port id: port 2's guest is gone
 * </pre>
 */
public final class PortSet {
    /** {@link #accessVlan} of a trunk port. */
    public static final int TRUNK = 0;
    /** {@link #accessVlan} of a port id that is not live. */
    public static final int NOT_LIVE = -1;

    private final int[] ids;
    private final int[] vlanOf;
    private final boolean[] down;

    private PortSet(int[] ids, int[] vlanOf, boolean[] down) {
        this.ids = ids;
        this.vlanOf = vlanOf;
        this.down = down;
    }

    /** No ports (port ids below {@code limit}). */
    public static PortSet empty(int limit) {
        return of(limit, Map.of());
    }

    /** Ports {@code 0..n-1}, all trunks. */
    public static PortSet trunks(int n) {
        int[] v = new int[n];
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        return new PortSet(ids, v, new boolean[n]);
    }

    /**
     * @param limit  one more than the largest port id there can be
     * @param ports  live port id to VLAN role ({@link #TRUNK} or an access VLAN 1..4094)
     */
    public static PortSet of(int limit, Map<Integer, Integer> ports) {
        return of(limit, ports, Set.of());
    }

    /**
     * @param limit  one more than the largest port id there can be
     * @param ports  live port id to VLAN role ({@link #TRUNK} or an access VLAN 1..4094)
     * @param down   live ports whose link is down
     */
    public static PortSet of(int limit, Map<Integer, Integer> ports, Set<Integer> down) {
        int[] v = new int[limit];
        Arrays.fill(v, NOT_LIVE);
        for (Map.Entry<Integer, Integer> e : ports.entrySet()) {
            int p = e.getKey();
            int vlan = e.getValue();
            if (p < 0 || p >= limit) {
                throw new IllegalArgumentException("port id " + p + " is out of range 0.." + (limit - 1));
            }
            if (vlan < 0 || vlan > 4094) {
                throw new IllegalArgumentException("port " + p + ": VLAN " + vlan + " is out of range 1..4094");
            }
            v[p] = vlan;
        }
        boolean[] d = new boolean[limit];
        for (int p : down) {
            if (!ports.containsKey(p)) {
                throw new IllegalArgumentException("port " + p + " is down but not live");
            }
            d[p] = true;
        }
        return new PortSet(Arrays.stream(ports.keySet().stream().mapToInt(Integer::intValue).toArray()).sorted()
                .toArray(), v, d);
    }

    /** Number of live ports. */
    public int size() {
        return ids.length;
    }

    /** The {@code i}-th live port id, in id order. */
    public int id(int i) {
        return ids[i];
    }

    /** True when {@code port} is live. */
    public boolean live(int port) {
        return port >= 0 && port < vlanOf.length && vlanOf[port] >= 0;
    }

    /** True when live {@code port} is down: frames for it are dropped ({@code drop_link_down}). */
    public boolean down(int port) {
        return port >= 0 && port < down.length && down[port];
    }

    /** {@link #TRUNK}, the access VLAN of {@code port}, or {@link #NOT_LIVE}. */
    public int accessVlan(int port) {
        return port >= 0 && port < vlanOf.length ? vlanOf[port] : NOT_LIVE;
    }

    /** One more than the largest port id there can be. */
    public int limit() {
        return vlanOf.length;
    }
}
