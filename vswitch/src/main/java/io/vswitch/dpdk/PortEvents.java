package io.vswitch.dpdk;

import static io.vswitch.bindings.generated.rte_ethdev_h.*;

import io.vswitch.bindings.generated.rte_eth_vhost_h;
import io.vswitch.bindings.generated.rte_eth_vhost_queue_event;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Link and queue-state events, one log line each: "guest connected", "rx queue 1 enabled";
 * and handed to a {@link Listener} (the switch node: MACs of a gone guest flushed, tx queues
 * remapped to the ones a guest enabled).
 *
 * <p>ethdev calls the registered callback on DPDK's interrupt thread (a native thread the
 * upcall attaches to the JVM). The callback must never throw into C, so it catches all.
 */
public final class PortEvents {
    private static final Map<Integer, EthPort> PORTS = new ConcurrentHashMap<>();
    /** Vhost queue states the guest reported: key port << 16 | rx << 15 | queue. */
    private static final Map<Integer, Boolean> QUEUES = new ConcurrentHashMap<>();
    private static volatile Consumer<String> log = s -> {};
    private static volatile Listener listener;
    private static MemorySegment stub;

    /**
     * Told of every link and queue-state change, on the thread that runs the event (DPDK's
     * interrupt thread or the vhost library's): it must only hand the change over (put it on
     * a queue) and return, never block, lock the port's owner or call back into ethdev.
     */
    public interface Listener {
        /** Port {@code port}'s link changed; read its state with {@link EthPort#linkUp}. */
        void linkChanged(int port);

        /** The guest of vhost port {@code port} enabled or disabled queues ({@link #queueEnabled}). */
        void queuesChanged(int port);
    }

    /**
     * Sets the one listener (null: none). With a listener, link changes are its to log: it
     * logs them once it has acted on them; queue changes are logged here as before.
     */
    public static void listen(Listener l) {
        listener = l;
    }

    private PortEvents() {}

    private static final Map<Integer, String> NAMES = new ConcurrentHashMap<>();

    public static synchronized void watch(EthPort port, Consumer<String> logger) {
        watch(port, port.name, logger);
    }

    /** As {@link #watch(EthPort, Consumer)}, naming the port {@code displayName} in the log lines. */
    public static synchronized void watch(EthPort port, String displayName, Consumer<String> logger) {
        NAMES.put(port.id, displayName);
        log = logger;
        prepareStub();
        PORTS.put(port.id, port);
        rte_eth_dev_callback_register((short) port.id, RTE_ETH_EVENT_INTR_LSC, stub, MemorySegment.NULL);
        rte_eth_dev_callback_register((short) port.id, RTE_ETH_EVENT_QUEUE_STATE, stub, MemorySegment.NULL);
    }

    /** Makes the upcall stub the callbacks use (once; {@link Prelink} does it ahead of the first port). */
    static synchronized void prepareStub() {
        if (stub == null) {
            try {
                MethodHandle target = MethodHandles.lookup().findStatic(PortEvents.class, "onEvent",
                        MethodType.methodType(int.class, short.class, int.class, MemorySegment.class, MemorySegment.class));
                stub = rte_eth_dev_cb_fn$allocate(target, Arena.global());
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }

    public static synchronized void unwatch(EthPort port) {
        QUEUES.keySet().removeIf(k -> k >>> 16 == port.id);
        NAMES.remove(port.id);
        if (stub != null && PORTS.remove(port.id) != null) {
            rte_eth_dev_callback_unregister((short) port.id, RTE_ETH_EVENT_INTR_LSC, stub, MemorySegment.NULL);
            rte_eth_dev_callback_unregister((short) port.id, RTE_ETH_EVENT_QUEUE_STATE, stub, MemorySegment.NULL);
        }
    }

    private static int key(int port, boolean rx, int queue) {
        return port << 16 | (rx ? 1 << 15 : 0) | queue;
    }

    /**
     * Whether the guest of vhost port {@code port} enabled its {@code queue} (rx: the queue
     * the switch receives on, the guest's tx ring), as its last queue event said; null when it
     * said nothing yet (no guest, or not a vhost port).
     */
    public static Boolean queueEnabled(int port, boolean rx, int queue) {
        return QUEUES.get(key(port, rx, queue));
    }

    /** The log line of a link change: "vm0: guest connected (link up)". */
    public static String linkLine(String name, boolean vhost, boolean up) {
        return name + ": " + (vhost ? (up ? "guest connected" : "guest disconnected") : "link") + " (link "
                + (up ? "up" : "down") + ")";
    }

    @SuppressWarnings("unused") // upcall target
    private static int onEvent(short portId, int event, MemorySegment arg, MemorySegment ret) {
        try {
            EthPort p = PORTS.get(Short.toUnsignedInt(portId));
            String name = p == null ? "port " + Short.toUnsignedInt(portId) : NAMES.getOrDefault(p.id, p.name);
            if (event == RTE_ETH_EVENT_INTR_LSC) {
                boolean up = p != null && p.linkUp();
                boolean vhost = p != null && "net_vhost".equals(p.info().driver());
                if (vhost && !up) {
                    // a guest gone (disconnected, killed): vhost resets its vrings without a queue event
                    QUEUES.keySet().removeIf(k -> k >>> 16 == p.id);
                }
                Listener l = listener;
                if (l != null && p != null) {
                    l.linkChanged(p.id);
                } else {
                    log.accept(linkLine(name, vhost, up));
                }
            } else if (event == RTE_ETH_EVENT_QUEUE_STATE && p != null && "net_vhost".equals(p.info().driver())) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment ev = a.allocate(rte_eth_vhost_queue_event.$LAYOUT);
                    while (rte_eth_vhost_h.rte_eth_vhost_get_queue_event(portId, ev) == 0) {
                        QUEUES.put(key(p.id, rte_eth_vhost_queue_event.rx(ev),
                                Short.toUnsignedInt(rte_eth_vhost_queue_event.queue_id(ev))),
                                rte_eth_vhost_queue_event.enable(ev));
                        log.accept(name + ": guest " + (rte_eth_vhost_queue_event.rx(ev) ? "rx" : "tx") + " queue "
                                + Short.toUnsignedInt(rte_eth_vhost_queue_event.queue_id(ev)) + " "
                                + (rte_eth_vhost_queue_event.enable(ev) ? "enabled" : "disabled"));
                    }
                }
                Listener l = listener;
                if (l != null) {
                    l.queuesChanged(p.id);
                }
            }
        } catch (Throwable t) {
            try {
                log.accept("event handler error: " + t);
            } catch (Throwable ignored) {
                // nothing more we can do on the interrupt thread
            }
        }
        return 0;
    }
}
