package io.vswitch.sw;

import io.vswitch.datapath.PortCounters;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Restart-to-traffic, as the switch sees it: one log line per port when the switch first sends
 * a frame to it after start ("a: first frame forwarded to it 412 ms after the process started"),
 * so a restart's cost can be read from the log (bench/restart-time.sh does).
 *
 * <p>A daemon thread reads the ports' tx counters every {@link #PERIOD_MILLIS} ms, as the
 * stats do; the poll loops are not involved. It ends once every port has had its line (and
 * the start is over: the ports of --db and --vdev are all in), or {@link #WATCH_SECONDS} after
 * start, whichever comes first: a port that gets no traffic gets no line.
 */
final class FirstTraffic {
    static final long PERIOD_MILLIS = 2;
    static final long WATCH_SECONDS = 60;

    private FirstTraffic() {}

    /** Starts watching {@code node}; {@code startDone} says when the start's ports are all added. */
    static Thread start(SwitchNode node, BooleanSupplier startDone, Consumer<String> log) {
        Instant processStart = ProcessHandle.current().info().startInstant().orElse(null);
        long deadline = System.nanoTime() + WATCH_SECONDS * 1_000_000_000L;
        return Thread.ofPlatform().daemon().name("first-traffic").start(() -> {
            Set<SwitchNode.Port> seen = new HashSet<>();
            try {
                while (System.nanoTime() - deadline < 0) {
                    boolean done = startDone.getAsBoolean();   // read before the ports: they were all added then
                    List<SwitchNode.Port> ports = node.ports();
                    for (SwitchNode.Port p : ports) {
                        if (!seen.contains(p) && node.counter(p, PortCounters.TX_PACKETS) > 0) {
                            seen.add(p);
                            log.accept(p.config().name() + ": first frame forwarded to it" + (processStart == null
                                    ? "" : " " + Duration.between(processStart, Instant.now()).toMillis()
                                    + " ms after the process started"));
                        }
                    }
                    if (done && !ports.isEmpty() && seen.containsAll(ports)) {
                        return;
                    }
                    Thread.sleep(PERIOD_MILLIS);
                }
            } catch (InterruptedException ignored) {
                // shutting down
            }
        });
    }
}
