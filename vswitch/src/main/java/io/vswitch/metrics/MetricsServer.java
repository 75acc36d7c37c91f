package io.vswitch.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vswitch.ExitCode;
import io.vswitch.UserError;
import io.vswitch.sw.ControlledSwitch;
import io.vswitch.sw.SwitchNode;
import io.vswitch.sw.SwitchSnapshot;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code --metrics ADDRESS:PORT}: the Prometheus endpoint of a switch, served by the official
 * Java client's HTTP server ({@code /metrics}, in the text format, OpenMetrics or protobuf as
 * the scraper asks) from a registry that holds only the {@link SwitchCollector}.
 *
 * <p>The socket is bound before EAL starts ({@link #start}), so a port in use is one line and exit
 * 14 with nothing started. Until the switch runs, and from the moment it starts stopping, a
 * scrape finds no metrics: the node tells it through {@link ControlledSwitch.Lifecycle}, and
 * {@link #stopping} waits for a scrape in progress, so none reads a port or the pool after they
 * are gone. Scrapes are served one at a time on one daemon thread.
 */
public final class MetricsServer implements AutoCloseable, ControlledSwitch.Lifecycle, Supplier<SwitchSnapshot> {
    private final HTTPServer http;
    private final ExecutorService executor;
    private SwitchNode node;                  // guarded by this: set while the switch runs

    private MetricsServer(HTTPServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
    }

    /** Listens on {@code addr} and serves {@code node}'s metrics while it runs. */
    public static MetricsServer start(MetricsAddress addr, ControlledSwitch node) {
        MetricsServer s = listen(addr, null);
        node.onLifecycle(s);
        return s;
    }

    /**
     * Listens on {@code addr}, serving the collector over {@code source} (or over the node this
     * server is told of when {@code source} is null).
     */
    static MetricsServer listen(MetricsAddress addr, Supplier<SwitchSnapshot> source) {
        PrometheusRegistry registry = new PrometheusRegistry();
        ExecutorService ex = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("metrics")
                .unstarted(r));
        MetricsServer[] self = new MetricsServer[1];
        registry.register(new SwitchCollector(source != null ? source : () -> self[0].get()));
        try {
            HTTPServer.Builder b = HTTPServer.builder().port(addr.port()).registry(registry).executorService(ex);
            if (addr.host() != null) {
                b.inetAddress(InetAddress.getByName(addr.host()));
            }
            self[0] = new MetricsServer(b.buildAndStart(), ex);
            return self[0];
        } catch (IOException | RuntimeException e) {
            ex.shutdownNow();
            throw new UserError(ExitCode.METRICS, "--metrics " + addr + ": " + why(e, addr));
        }
    }

    private static String why(Exception e, MetricsAddress addr) {
        Throwable t = e;
        while (t.getCause() != null && !(t instanceof BindException) && !(t instanceof UnknownHostException)) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        if (t instanceof UnknownHostException) {
            return "no such host " + addr.host() + ": give an address of this host (127.0.0.1, or :" + addr.port()
                    + " for all)";
        }
        if (m.contains("in use")) {
            return "port " + addr.port() + " is in use by another process: stop it or choose another port";
        }
        if (m.contains("assign requested address")) {
            return addr.host() + " is not an address of this host: give one of its addresses (127.0.0.1, or :"
                    + addr.port() + " for all)";
        }
        if (m.contains("ermission denied")) {
            return "not allowed to listen on port " + addr.port() + " (ports below 1024 need root): choose another port";
        }
        return "cannot listen (" + m + "): choose another address or port";
    }

    /** The port it listens on. */
    public int port() {
        return http.getPort();
    }

    @Override
    public synchronized SwitchSnapshot get() {
        return node == null ? null : SwitchSnapshot.of(node);
    }

    @Override
    public synchronized void started(SwitchNode n) {
        node = n;
    }

    @Override
    public synchronized void stopping() {
        node = null;                          // waits for a scrape in progress: it holds this lock
    }

    @Override
    public void close() {
        stopping();
        http.close();
        executor.shutdownNow();
    }
}
