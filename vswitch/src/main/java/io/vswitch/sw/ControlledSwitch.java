package io.vswitch.sw;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Cli;
import io.vswitch.ExitCode;
import io.vswitch.UserError;
import io.vswitch.ctl.ControlServer;
import io.vswitch.ctl.JsonRpc;
import io.vswitch.ctl.Params;
import io.vswitch.ctl.PortRequest;
import io.vswitch.ctl.RpcError;
import io.vswitch.datapath.LcoreCycles;
import io.vswitch.dpdk.DpdkException;
import io.vswitch.dpdk.PortEvents;
import io.vswitch.dpdk.Tsc;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The switch node with its control socket: {@code --ctl PATH} serves JSON-RPC 2.0 (one
 * request per line) with the methods {@code vswitchctl} uses, each a thin adapter from
 * params to a {@link SwitchNode} call and from its answer to JSON:
 *
 * <pre>
 *   port.add  {name,type,path|iface,queues,vlan,mac} ─► addPort   ─► the port (as in port.list)
 *   port.del  {name}                                 ─► delPort   ─► {name, removed: true}
 *   port.list                                        ─► ports     ─► {ports: [...]}
 *   port.stats [name]                                ─► counters  ─► {mbufs_in_use, mbufs, ports: [...]}
 *   pmd.stats  pmd.clear  (per lcore: busy %, cycles per frame, frames per burst, per rx queue share)
 *   fdb.show  [port]   fdb.flush [port]   ping   version
 * </pre>
 *
 * The server serves each client on its own virtual thread; port changes are serialised by
 * the node. A bad request is answered with a JSON-RPC error and changes nothing; the loops
 * forward on regardless.
 *
 * <p>With {@code --db FILE} ({@link PortDb}) every port.add that succeeds is recorded and every
 * port.del forgets it, under the node's lock, so file and switch agree; at start the recorded
 * ports are re-created before the command line's {@code --vdev}s. A recorded port that cannot
 * be re-created (its socket directory went away...) is logged, listed as failed and kept in
 * the file until port.del removes it: one missing guest does not keep the others off the switch.
 */
public final class ControlledSwitch extends SwitchNode {
    private final Config cfg;
    private ControlServer server;
    private PortDb db;
    /** Recorded ports that could not be re-created at start, with why; guarded by the node's lock. */
    private final Map<String, Failed> failed = new LinkedHashMap<>();

    record Failed(PortConfig config, String reason) {}

    /**
     * Told once the node runs (ports of the command line up, control socket open) and before its
     * loops, ports and pool go: for services that read the node, such as the metrics endpoint.
     */
    public interface Lifecycle {
        void started(SwitchNode node);

        void stopping();
    }

    private final List<Lifecycle> lifecycle = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Adds a {@link Lifecycle} listener (before {@link #run}). */
    public void onLifecycle(Lifecycle l) {
        lifecycle.add(l);
    }

    public ControlledSwitch(Config cfg, PrintStream out) {
        super(cfg, out);
        this.cfg = cfg;
    }

    @Override
    protected void prepare(List<PortConfig> initial) {
        if (cfg.db() == null) {
            return;
        }
        db = PortDb.open(cfg.db());
        for (PortConfig pc : initial) {
            if (db.contains(pc.name())) {
                throw new UserError(ExitCode.USAGE, "--vdev " + pc.name() + ": --db " + db.file() + " records a port"
                        + " of that name: remove it (vswitchctl del-port " + pc.name() + ") or rename the --vdev");
            }
        }
    }

    @Override
    protected void onLoopsStarted() throws InterruptedException {
        if (db == null) {
            return;
        }
        List<PortConfig> recorded = db.ports();
        log("--db " + db.file() + ": " + recorded.size() + " recorded port" + (recorded.size() == 1 ? "" : "s"));
        synchronized (this) {
            for (PortConfig pc : recorded) {
                try {
                    addPort(pc);
                } catch (PortRefused e) {
                    failed.put(pc.name(), new Failed(pc, e.getMessage()));
                    log(pc.name() + ": recorded in --db but not re-created: " + e.getMessage() + " (it stays recorded;"
                            + " vswitchctl del-port " + pc.name() + " forgets it)");
                }
            }
        }
    }

    /** Adds a port and records it; a port that cannot be recorded is removed again. */
    Port addRecorded(PortConfig pc) throws InterruptedException {
        synchronized (this) {
            if (failed.containsKey(pc.name())) {
                throw new PortRefused(PortRefused.Reason.NAME_TAKEN, "a port named " + pc.name() + " is recorded in"
                        + " --db but failed at start (" + failed.get(pc.name()).reason() + "): del-port it first");
            }
            Port port = addPort(pc);
            if (db != null) {
                try {
                    db.put(port.config());
                } catch (UserError e) {
                    delPort(pc.name());
                    throw new PortRefused(PortRefused.Reason.CANNOT_CREATE, e.getMessage() + "; port " + pc.name()
                            + " not added");
                }
            }
            return port;
        }
    }

    /** Removes a port (live or failed at start) and forgets it. */
    void delRecorded(String name) throws InterruptedException {
        synchronized (this) {
            if (failed.remove(name) == null) {
                delPort(name);
            }
            if (db != null) {
                try {
                    db.remove(name);
                } catch (UserError e) {
                    throw new IllegalStateException("port " + name + " removed, but " + e.getMessage()
                            + ": it comes back at the next start");
                }
            }
        }
    }

    /** pmd-stats' baselines: the cycles of each loop at the last clear (zero before one); guarded by pmdLock. */
    private LcoreCycles.Snapshot[] pmdBase;
    private long pmdSince = System.nanoTime();
    private final Object pmdLock = new Object();

    /**
     * Per lcore: busy %, cycles per frame, frames per burst since the last {@link #pmdClear}, and
     * per rx queue it polls now, that queue's share of its busy cycles (pmd-stats-show and
     * pmd-rxq-show in one). Read on the control thread from the loops' counters.
     */
    ObjectNode pmdStats() {
        List<SwitchLoop> loops = loops();
        List<Port> ports = ports();
        ObjectNode o = JsonRpc.MAPPER.createObjectNode();
        synchronized (pmdLock) {
            o.put("seconds", Math.round((System.nanoTime() - pmdSince) / 1e6) / 1e3);
            o.put("tsc_hz", Tsc.hz());
            ArrayNode a = o.putArray("lcores");
            for (int l = 0; l < loops.size(); l++) {
                LcoreCycles.Snapshot s = loops.get(l).cycles().snapshot();
                if (pmdBase != null) {
                    s = s.minus(pmdBase[l]);
                }
                ObjectNode lc = a.addObject();
                lc.put("lcore", l);
                lc.put("cpu", cpuOf(l));
                lc.put("busy_pct", round2(s.busyPct()));
                lc.put("cycles_per_frame", round2(s.cyclesPerFrame()));
                lc.put("frames_per_burst", round2(s.framesPerBurst()));
                lc.put("busy_cycles", s.busy());
                lc.put("idle_cycles", s.idle());
                lc.put("frames", s.frames());
                lc.put("bursts", s.bursts());
                lc.put("polls", s.pollCount());
                int longest = s.longestBucket();
                ArrayNode hist = lc.putArray("poll_histogram");
                for (int k = 0; k <= longest; k++) {
                    ObjectNode b = hist.addObject();
                    putUnderUs(b, k);
                    b.put("polls", s.polls()[k]);
                }
                if (longest >= 0) {
                    putUnderUs(lc.putObject("longest_poll"), longest);
                }
                ArrayNode rxqs = lc.putArray("rxqs");
                for (Port p : ports) {
                    for (int q = 0; q < p.config().queues(); q++) {
                        if (lcoreOf(p, q) == l) {
                            rxqs.addObject().put("port", p.config().name()).put("port_id", p.id()).put("queue", q)
                                    .put("busy_share_pct", round2(s.busySharePct(p.id(), q)))
                                    .put("busy_cycles", s.rxqBusy(p.id(), q));
                        }
                    }
                }
            }
        }
        return o;
    }

    /** pmd-stats-clear: the counters now become the baseline (the loops' own counters only grow). */
    void pmdClear() {
        List<SwitchLoop> loops = loops();
        LcoreCycles.Snapshot[] base = new LcoreCycles.Snapshot[loops.size()];
        for (int l = 0; l < base.length; l++) {
            base[l] = loops.get(l).cycles().snapshot();
        }
        synchronized (pmdLock) {
            pmdBase = base;
            pmdSince = System.nanoTime();
        }
    }

    /** A poll-histogram bucket's exclusive upper bound: "under_us": 2^k, or null for the last (16.8 s and more). */
    private static void putUnderUs(ObjectNode o, int k) {
        double under = LcoreCycles.bucketUpperUs(k);
        if (Double.isInfinite(under)) {
            o.putNull("under_us");
        } else {
            o.put("under_us", (long) under);
        }
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** The recorded ports that failed at start. */
    synchronized List<Failed> failedPorts() {
        return List.copyOf(failed.values());
    }

    @Override
    protected void onStarted() {
        lifecycle.forEach(l -> l.started(this));
        if (cfg.ctl() == null) {
            return;
        }
        JsonRpc rpc = rpc(this, new Cli.Version().getVersion()[0]);
        rpc.onInternalError((method, t) -> log("control: " + method + " failed (a bug): " + t));
        try {
            server = ControlServer.start(cfg.ctl(), rpc, this::log);
        } catch (RuntimeException e) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "--ctl " + cfg.ctl() + ": " + e.getMessage());
        }
        log("control socket " + cfg.ctl() + " (vswitchctl --ctl " + cfg.ctl() + " show)");
    }

    @Override
    protected void onStopping() {
        lifecycle.forEach(Lifecycle::stopping);
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The methods, over {@code node}. */
    static JsonRpc rpc(ControlledSwitch node, String version) {
        JsonRpc rpc = new JsonRpc().registerBuiltins(version);
        rpc.register("port.add", p -> {
            PortConfig pc = PortDb.config(PortRequest.from(p));
            return view(node, call(() -> node.addRecorded(pc)));
        });
        rpc.register("port.del", p -> {
            p.only("name");
            String name = p.string("name");
            try {
                call(() -> {
                    node.delRecorded(name);
                    return null;
                });
            } catch (IllegalStateException e) {
                throw new RpcError(RpcError.INTERNAL_ERROR, e.getMessage());
            }
            return JsonRpc.MAPPER.createObjectNode().put("name", name).put("removed", true);
        });
        rpc.register("port.list", p -> {
            p.only();
            ObjectNode o = JsonRpc.MAPPER.createObjectNode();
            ArrayNode a = o.putArray("ports");
            for (Port port : node.ports()) {
                a.add(view(node, port));
            }
            for (Failed f : node.failedPorts()) {
                a.add(failedView(f));
            }
            return o;
        });
        rpc.register("port.stats", p -> {
            p.only("name");
            String name = p.optString("name");
            List<Port> ports = name == null ? node.ports() : List.of(call(() -> node.port(name)));
            ObjectNode o = JsonRpc.MAPPER.createObjectNode();
            o.put("mbufs_in_use", node.pool().inUse());
            o.put("mbufs", node.pool().size);
            ArrayNode a = o.putArray("ports");
            for (Port port : ports) {
                a.add(SwitchStats.portStats(node, port));
            }
            return o;
        });
        rpc.register("pmd.stats", p -> {
            p.only();
            return node.pmdStats();
        });
        rpc.register("pmd.clear", p -> {
            p.only();
            node.pmdClear();
            return JsonRpc.MAPPER.createObjectNode().put("cleared", node.loops().size());
        });
        rpc.register("fdb.show", p -> {
            p.only("port");
            String name = p.optString("port");
            return call(() -> SwitchStats.fdb(node, name, true));
        });
        rpc.register("fdb.flush", p -> {
            p.only("port");
            String name = p.optString("port");
            int n = call(() -> node.flushFdb(name));
            return JsonRpc.MAPPER.createObjectNode().put("flushed", n);
        });
        return rpc;
    }

    /** A recorded port that failed at start, as port.list gives it: what was asked for, and why it is not there. */
    static ObjectNode failedView(Failed f) {
        ObjectNode o = PortDb.params(f.config());
        o.put("link", "failed");
        o.put("error", f.reason());
        o.putArray("rxqs");
        return o;
    }

    /** A port as port.list and port.add give it. */
    static ObjectNode view(SwitchNode node, Port p) {
        PortConfig c = p.config();
        ObjectNode o = PortDb.params(c);               // as asked for; then what the switch made of it
        o.put("mac", p.eth.mac());
        o.put("port_id", p.id());
        o.put("device", p.device());
        o.put("link", p.eth.linkUp() ? "up" : "down");
        ArrayNode rxqs = o.putArray("rxqs");
        for (int q = 0; q < c.queues(); q++) {
            ObjectNode r = rxqs.addObject();
            r.put("queue", q);
            int l = node.lcoreOf(p, q);
            r.put("lcore", l);
            if (l >= 0) {
                r.put("cpu", node.cpuOf(l));
            }
            if (c.vhost()) {
                Boolean en = PortEvents.queueEnabled(p.id(), true, q);
                r.put("enabled", en != null && en);
            } else {
                r.put("enabled", true);
            }
        }
        ArrayNode txqs = o.putArray("txqs");                // the guest's rx rings: what the switch may send on
        for (int q = 0; q < p.txQueues(); q++) {
            Boolean en = c.vhost() ? PortEvents.queueEnabled(p.id(), false, q) : Boolean.TRUE;
            txqs.addObject().put("queue", q).put("enabled", en != null && en);
        }
        ArrayNode lcores = o.putArray("lcores");            // per lcore, the tx queue it sends on (-1: none enabled)
        for (int l = 0; l < node.loops().size(); l++) {
            lcores.addObject().put("lcore", l).put("cpu", node.cpuOf(l)).put("txq", node.txQueueOf(p, l))
                    .put("shared", node.txShared(p, l));
        }
        return o;
    }

    private interface Call<T> {
        T run() throws InterruptedException;
    }

    /** Runs a node call, turning its refusals into JSON-RPC errors. */
    private static <T> T call(Call<T> c) throws RpcError {
        try {
            return c.run();
        } catch (PortRefused e) {
            throw new RpcError(switch (e.reason()) {
                case NO_SUCH_PORT -> RpcError.NO_SUCH_PORT;
                case NAME_TAKEN -> RpcError.PORT_EXISTS;
                case CANNOT_CREATE -> RpcError.PORT_NOT_CREATED;
                case LIMIT -> RpcError.LIMIT_REACHED;
            }, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RpcError(RpcError.INTERNAL_ERROR, "interrupted");
        }
    }
}
