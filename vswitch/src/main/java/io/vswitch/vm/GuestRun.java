package io.vswitch.vm;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One guest: build the image if needed, start QEMU, pin each vCPU thread to its host CPU,
 * wait for the guest to power off, and parse its {@code VSRESULT} lines.
 * <pre>
 *   VmSpec spec = new VmSpec(); spec.mode = "dpdk"; spec.queues = 2; spec.sockets.add(sock);
 *   GuestRun.Outcome o = GuestRun.run(spec, System.out);
 *   o.results().get(0).getLong("rx_pkts");
 * </pre>
 * {@link #start} gives the running VM (for callers that must look at it while it runs).
 */
public final class GuestRun implements AutoCloseable {
    /**
     * @param results      VSRESULT lines from the serial console
     * @param vcpuThreads  vCPU index -> host thread id
     * @param pinning      vCPU index -> host CPU (empty when not pinned)
     * @param exitCode     QEMU's exit code, -1 when it was killed after the timeout
     */
    public record Outcome(List<GuestResult> results, Map<Integer, Long> vcpuThreads, Map<Integer, Integer> pinning,
                          Path runDir, Path serialLog, int exitCode, List<String> notes) {
        public boolean ok() { return !results.isEmpty() && results.stream().allMatch(GuestResult::ok) && exitCode == 0; }

        /** The one result of a run (the guest init prints exactly one). */
        public GuestResult result() {
            if (results.isEmpty()) throw new IllegalStateException("the guest printed no VSRESULT line; see " + serialLog + " and " + runDir.resolve("qemu.log"));
            return results.getLast();
        }
    }

    private final VmSpec spec;
    private final QemuCommandLine cmd;
    private final Path runDir;
    private final Path serial;
    private final Process qemu;
    private final Map<Integer, Long> threads = new LinkedHashMap<>();
    private final Map<Integer, Integer> pinning = new LinkedHashMap<>();
    private final PrintStream log;

    private GuestRun(VmSpec spec, QemuCommandLine cmd, Path runDir, Path serial, Process qemu, PrintStream log) {
        this.spec = spec; this.cmd = cmd; this.runDir = runDir; this.serial = serial; this.qemu = qemu; this.log = log;
    }

    /** Boots the guest and waits for it to power off. */
    public static Outcome run(VmSpec spec, PrintStream log) throws IOException {
        try (GuestRun r = start(spec, log)) {
            return r.await();
        }
    }

    /** Starts QEMU, pins the vCPUs (QEMU starts paused when pinning), and lets the guest run. */
    public static GuestRun start(VmSpec spec, PrintStream log) throws IOException {
        QemuInfo info = QemuInfo.probe(spec.qemu);
        Path kernel = spec.kernel, initrd = spec.initrd;
        if (kernel == null || initrd == null) {
            GuestImage.Image img = GuestImage.ensure();
            if (kernel == null) kernel = img.kernel();
            if (initrd == null) initrd = img.initrd();
        }
        for (Path sock : spec.effectiveSockets()) {
            if (!spec.server && !Files.exists(sock) && spec.reconnect == 0) {
                throw new IOException("vhost-user socket " + sock + " does not exist: start the switch first (bin/vswitch), or use --server");
            }
        }
        Path runDir = spec.runDir != null ? Files.createDirectories(spec.runDir) : Files.createTempDirectory("vswitch-vm-");
        Path serial = runDir.resolve("serial.log");
        Path qmp = runDir.resolve("qmp.sock");
        Files.deleteIfExists(serial);
        Files.deleteIfExists(qmp);
        QemuCommandLine cmd = QemuCommandLine.build(spec, info, new QemuCommandLine.Paths(kernel, initrd, serial, qmp));
        log.println("vswitch-vm: QEMU " + info.version() + ", run dir " + runDir);
        for (String n : cmd.notes()) log.println("vswitch-vm: " + n);
        if (spec.wantsIommu()) log.println("vswitch-vm: NOTE the backend's vhost vdev must have iommu-support=1");
        if (spec.server) log.println("vswitch-vm: waiting for the switch to connect to " + spec.effectiveSockets()
                + " (a vhost-user-client port) before the guest boots");
        Process p = new ProcessBuilder(cmd.argv())
                .redirectErrorStream(true)
                .redirectOutput(runDir.resolve("qemu.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        GuestRun r = new GuestRun(spec, cmd, runDir, serial, p, log);
        try {
            r.pinAndGo(qmp);
        } catch (IOException | RuntimeException e) {
            r.close();
            throw new IOException("starting the guest failed: " + e.getMessage() + r.tail(), e);
        }
        return r;
    }

    private void pinAndGo(Path qmpSock) throws IOException {
        // with --vhost-server QEMU answers QMP only after the switch's first connection: wait as long as for the guest
        long qmpTimeoutMs = spec.server ? Math.max(30, spec.timeout) * 1000L : 30_000;
        Qmp connected;
        try {
            connected = Qmp.connect(qmpSock, qmpTimeoutMs, qemu.toHandle());
        } catch (IOException e) {
            if (!spec.server || !qemu.isAlive()) throw e;
            throw new IOException("QEMU still waits for the switch to connect to " + spec.effectiveSockets()
                    + " after " + qmpTimeoutMs / 1000 + " s: add a vhost-user-client port for it (--vdev net_vhost0,iface=SOCK,client=1)", e);
        }
        try (Qmp q = connected) {
            List<Qmp.Vcpu> vcpus = q.vcpus();
            if (vcpus.size() != spec.vcpus) throw new IOException("QMP reports " + vcpus.size() + " vCPUs, expected " + spec.vcpus);
            for (Qmp.Vcpu v : vcpus) threads.put(v.index(), v.threadId());
            if (!spec.pin.isEmpty()) {
                for (Qmp.Vcpu v : vcpus) {
                    int cpu = spec.pin.get(v.index());
                    BitSet want = new BitSet();
                    want.set(cpu);
                    Affinity.set(v.threadId(), want);
                    BitSet got = Affinity.get(v.threadId());
                    if (!got.equals(want)) throw new IOException("vCPU " + v.index() + " thread " + v.threadId() + ": affinity is " + got + " after setting " + want);
                    pinning.put(v.index(), cpu);
                    log.println("vswitch-vm: vCPU " + v.index() + " (thread " + v.threadId() + ") -> host CPU " + cpu + " (verified with sched_getaffinity)");
                }
                q.execute("{\"execute\":\"cont\"}");
            } else {
                for (Qmp.Vcpu v : vcpus) log.println("vswitch-vm: vCPU " + v.index() + " thread " + v.threadId() + " (not pinned; --pin to pin)");
            }
        }
    }

    public long pid() { return qemu.pid(); }

    public Map<Integer, Long> vcpuThreads() { return Map.copyOf(threads); }

    public Map<Integer, Integer> pinning() { return Map.copyOf(pinning); }

    public Path serialLog() { return serial; }

    public QemuCommandLine commandLine() { return cmd; }

    /** Waits up to the spec's timeout for the guest to power off, then collects the results. */
    public Outcome await() throws IOException {
        int rc;
        try {
            if (qemu.waitFor(spec.timeout, TimeUnit.SECONDS)) {
                rc = qemu.exitValue();
            } else {
                log.println("vswitch-vm: guest did not power off within " + spec.timeout + " s; killing QEMU");
                close();
                rc = -1;
            }
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        removeServerSockets();
        List<GuestResult> res = GuestResult.fromLog(serial);
        if (res.isEmpty() || rc != 0) log.println("vswitch-vm: QEMU exit " + rc + ", " + res.size() + " result line(s)" + tail());
        return new Outcome(res, Map.copyOf(threads), Map.copyOf(pinning), runDir, serial, rc, cmd.notes());
    }

    private String tail() {
        StringBuilder b = new StringBuilder();
        for (Path f : List.of(runDir.resolve("qemu.log"), serial)) {
            try {
                if (!Files.exists(f)) continue;
                List<String> l = List.of(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).split("\r?\n"));
                b.append("\n--- last lines of ").append(f).append(" ---\n");
                b.append(String.join("\n", l.subList(Math.max(0, l.size() - 15), l.size())));
            } catch (IOException ignored) {
                // best effort
            }
        }
        return b.toString();
    }

    /** Stops QEMU if it still runs (SIGTERM, then SIGKILL after 5 s). */
    @Override
    public void close() {
        if (qemu.isAlive()) {
            qemu.destroy();
            try {
                if (!qemu.waitFor(5, TimeUnit.SECONDS)) {
                    qemu.destroyForcibly();
                    qemu.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                qemu.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        removeServerSockets();
    }

    /** With --vhost-server the sockets were QEMU's, and QEMU leaves them behind when it ends: remove them. */
    private void removeServerSockets() {
        if (!spec.server || qemu.isAlive()) return;
        for (Path s : spec.effectiveSockets()) {
            try {
                if (Files.readAttributes(s, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther()) {
                    Files.deleteIfExists(s);
                }
            } catch (IOException ignored) {
                // not ours to worry about
            }
        }
    }
}
