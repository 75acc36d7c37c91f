package io.vswitch;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dpdk.Vdev;
import io.vswitch.dpdk.VhostSocket.FileKind;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Preflight}'s logic against a fake file system (what a non-root user, a read-only mount or a
 * live peer would answer), then its real probes where root is denied too. No DPDK.
 */
class PreflightTest {
    /** A file system of named paths; everything else is missing. */
    static final class FakeFs implements Preflight.Fs {
        final Map<Path, FileKind> kinds = new HashMap<>();
        final Map<Path, String> noCreate = new HashMap<>();
        final Map<Path, String> noWrite = new HashMap<>();
        final Map<Path, String> listeners = new HashMap<>();
        final Map<Path, IOException> unknowable = new HashMap<>();

        FakeFs dir(String... paths) {
            for (String p : paths) {
                kinds.put(Path.of(p), FileKind.DIRECTORY);
            }
            return this;
        }

        FakeFs put(String p, FileKind k) {
            kinds.put(Path.of(p), k);
            return this;
        }

        @Override
        public FileKind kind(Path p) {
            return kinds.getOrDefault(p, FileKind.MISSING);
        }

        @Override
        public String cannotCreateIn(Path dir) {
            return noCreate.get(dir);
        }

        @Override
        public String cannotWrite(Path file) {
            return noWrite.get(file);
        }

        @Override
        public String listener(Path p) throws IOException {
            if (unknowable.containsKey(p)) {
                throw unknowable.get(p);
            }
            return listeners.get(p);
        }
    }

    static final Path CWD = Path.of("/work/here");

    static List<Vdev> vdevs(String... specs) {
        return Arrays.stream(specs).map(Vdev::parse).toList();
    }

    static void refused(ExitCode code, String message, Executable check) {
        UserError e = assertThrows(UserError.class, check);
        assertEquals(code, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    }

    @Test
    void aVhostSocketPathOver107BytesIsRefusedOnceAbsolute() {
        FakeFs fs = new FakeFs().dir("/tmp", "/work/here");
        Preflight p = new Preflight(fs, CWD);
        String name107 = "/tmp/" + "a".repeat(102);
        assertDoesNotThrow(() -> p.vdevs(vdevs("net_vhost0,iface=" + name107)));
        refused(ExitCode.SOCKET, "is 108 bytes, longer than the 107 a Unix socket path can have: choose a shorter"
                + " iface= path", () -> p.vdevs(vdevs("net_vhost0,iface=" + name107 + "b")));
        // relative: measured against the working directory (11 bytes of "/work/here/")
        refused(ExitCode.SOCKET, "is 108 bytes", () -> p.vdevs(vdevs("net_vhost0,iface=" + "r".repeat(97))));
        // a client's path is cut short as well
        refused(ExitCode.SOCKET, "longer than the 107", () -> p.vdevs(vdevs("net_vhost0,client=1,iface=" + name107 + "b")));
    }

    @Test
    void twoPortsOnOneSocketPathAreRefusedAfterNormalising() {
        Preflight p = new Preflight(new FakeFs().dir("/tmp", "/work/here"), CWD);
        refused(ExitCode.SOCKET, "--vdev net_vhost1: socket path /tmp/s.sock is net_vhost0's too: give each port its own"
                + " iface= path", () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/s.sock", "net_vhost1,iface=/tmp/../tmp/./s.sock")));
        refused(ExitCode.SOCKET, "is net_vhost0's too", () -> p.vdevs(vdevs("net_vhost0,iface=/work/here/s",
                "net_vhost1,iface=s,client=1")));
        refused(ExitCode.USAGE, "--vdev net_vhost0 is given twice", () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/a",
                "net_vhost0,iface=/tmp/b")));
        assertDoesNotThrow(() -> p.vdevs(vdevs("net_vhost0,iface=/tmp/a", "net_vhost1,iface=/tmp/b", "net_tap0,iface=x")));
    }

    @Test
    void whatHoldsTheSocketPathDecides() {
        FakeFs fs = new FakeFs().dir("/tmp").put("/tmp/file", FileKind.REGULAR).put("/tmp/d", FileKind.DIRECTORY)
                .put("/tmp/stale", FileKind.SOCKET).put("/tmp/live", FileKind.SOCKET).put("/tmp/link", FileKind.SYMLINK)
                .put("/tmp/odd", FileKind.SOCKET);
        fs.listeners.put(Path.of("/tmp/live"), "pid 42, dpdk-testpmd");
        fs.unknowable.put(Path.of("/tmp/odd"), new java.nio.file.AccessDeniedException("/tmp/odd"));
        Preflight p = new Preflight(fs, CWD);
        refused(ExitCode.SOCKET, "/tmp/file is a regular file, not a socket (vswitch never deletes it): remove it yourself",
                () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/file")));
        refused(ExitCode.SOCKET, "/tmp/d is a directory, not a socket", () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/d")));
        refused(ExitCode.SOCKET, "/tmp/link is a symbolic link, not a socket", () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/link")));
        refused(ExitCode.SOCKET, "/tmp/file is a regular file, not a socket", () -> p.vdevs(vdevs(
                "net_vhost0,iface=/tmp/file,client=1")));          // a client could never connect there
        refused(ExitCode.SOCKET, "socket /tmp/live is in use by another process (pid 42, dpdk-testpmd): stop it or choose"
                + " another iface= path", () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/live")));
        refused(ExitCode.SOCKET, "cannot tell whether socket /tmp/odd is in use (Permission denied)",
                () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/odd")));
        // a stale socket is left for the start ladder to take over; a client connects to a live one
        assertDoesNotThrow(() -> p.vdevs(vdevs("net_vhost0,iface=/tmp/stale", "net_vhost1,iface=/tmp/live,client=1")));
    }

    @Test
    void theSocketDirectoryMustExistAndTakeFiles() {
        FakeFs fs = new FakeFs().dir("/tmp", "/ro", "/home/user").put("/tmp/f", FileKind.REGULAR);
        fs.noCreate.put(Path.of("/ro"), "Read-only file system");
        fs.noCreate.put(Path.of("/home/user"), "Permission denied");     // what a non-root user meets
        Preflight p = new Preflight(fs, CWD);
        refused(ExitCode.SOCKET, "--vdev net_vhost0: socket directory /tmp/no does not exist: create it or choose another"
                + " iface= path", () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/no/s")));
        refused(ExitCode.SOCKET, "does not exist: create it (the guest's QEMU listens there)",
                () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/no/s,client=1")));
        refused(ExitCode.SOCKET, "socket directory /tmp/f is a regular file, not a directory",
                () -> p.vdevs(vdevs("net_vhost0,iface=/tmp/f/s")));
        refused(ExitCode.SOCKET, "cannot create the socket in /ro (Read-only file system): choose a directory vswitch may"
                + " create files in", () -> p.vdevs(vdevs("net_vhost0,iface=/ro/s")));
        refused(ExitCode.SOCKET, "cannot create the socket in /home/user (Permission denied)",
                () -> p.vdevs(vdevs("net_vhost0,iface=/home/user/s")));
        // the client does not create the socket: the guest does
        assertDoesNotThrow(() -> p.vdevs(vdevs("net_vhost0,iface=/ro/s,client=1")));
    }

    static Map<String, Path> outputs(String... optionAndPath) {
        Map<String, Path> m = new LinkedHashMap<>();
        for (int i = 0; i < optionAndPath.length; i += 2) {
            m.put(optionAndPath[i], optionAndPath[i + 1] == null ? null : Path.of(optionAndPath[i + 1]));
        }
        return m;
    }

    @Test
    void everyOutputFileIsCheckedBeforeStart() {
        FakeFs fs = new FakeFs().dir("/out", "/ro", "/out/d").put("/out/f", FileKind.REGULAR)
                .put("/out/locked.json", FileKind.REGULAR).put("/out/sock", FileKind.SOCKET);
        fs.noCreate.put(Path.of("/ro"), "Permission denied");
        fs.noWrite.put(Path.of("/out/locked.json"), "not writable");
        Preflight p = new Preflight(fs, CWD);
        Function<String, Executable> stats = path -> () -> p.outputs(outputs("--stats-json", path, "--fdb-json", null));
        refused(ExitCode.OUTPUT, "--stats-json /nodir/s.json: directory /nodir does not exist: create it or choose another"
                + " file", stats.apply("/nodir/s.json"));
        refused(ExitCode.OUTPUT, "--stats-json /out/f/s.json: /out/f is a regular file, not a directory",
                stats.apply("/out/f/s.json"));
        refused(ExitCode.OUTPUT, "--stats-json /out/d is a directory: name a file", stats.apply("/out/d"));
        refused(ExitCode.OUTPUT, "--stats-json /out/sock is a socket: name a regular file", stats.apply("/out/sock"));
        refused(ExitCode.OUTPUT, "--stats-json /out/locked.json cannot be written (not writable)",
                stats.apply("/out/locked.json"));
        refused(ExitCode.OUTPUT, "--stats-json /ro/s.json: cannot create files in /ro (Permission denied)",
                stats.apply("/ro/s.json"));
        refused(ExitCode.OUTPUT, "--fdb-json /nodir/f.json: directory /nodir does not exist",
                () -> p.outputs(outputs("--stats-json", "/out/s.json", "--fdb-json", "/nodir/f.json")));
        refused(ExitCode.USAGE, "--stats-json and --fdb-json name the same file /out/x.json: give each its own",
                () -> p.outputs(outputs("--stats-json", "/out/x.json", "--fdb-json", "/out/./x.json")));
        assertDoesNotThrow(() -> p.outputs(outputs("--stats-json", "/out/s.json", "--fdb-json", "/out/f")));
        assertDoesNotThrow(() -> p.outputs(outputs("--stats-json", null, "--fdb-json", null)));
    }

    @Test
    void aSwitchAnsweringOnTheControlSocketIsAnotherVswitch() {
        FakeFs fs = new FakeFs().dir("/run", "/run/vswitch", "/ro").put("/run/vswitch/live.ctl", FileKind.SOCKET)
                .put("/run/vswitch/stale.ctl", FileKind.SOCKET).put("/run/vswitch/file", FileKind.REGULAR)
                .put("/run/vswitch/odd.ctl", FileKind.SOCKET);
        fs.listeners.put(Path.of("/run/vswitch/live.ctl"), "pid 4242, vswitch");
        fs.listeners.put(Path.of("/run/vswitch/socat.ctl"), "pid 77, socat");
        fs.put("/run/vswitch/socat.ctl", FileKind.SOCKET);
        fs.unknowable.put(Path.of("/run/vswitch/odd.ctl"), new java.nio.file.AccessDeniedException("x"));
        fs.noCreate.put(Path.of("/ro"), "Read-only file system");
        Preflight p = new Preflight(fs, CWD);
        refused(ExitCode.ALREADY_RUNNING, "another vswitch is serving /run/vswitch/live.ctl (pid 4242, vswitch): stop it,"
                + " or use another --ctl", () -> p.ctl(Path.of("/run/vswitch/live.ctl")));
        refused(ExitCode.SOCKET, "--ctl /run/vswitch/socat.ctl is in use by another process (pid 77, socat)",
                () -> p.ctl(Path.of("/run/vswitch/socat.ctl")));
        refused(ExitCode.SOCKET, "cannot tell whether a vswitch is serving /run/vswitch/odd.ctl (Permission denied)",
                () -> p.ctl(Path.of("/run/vswitch/odd.ctl")));
        refused(ExitCode.SOCKET, "--ctl /run/vswitch/file is a regular file, not a control socket (vswitch never deletes"
                + " it)", () -> p.ctl(Path.of("/run/vswitch/file")));
        refused(ExitCode.SOCKET, "--ctl /run/vswitch/file/x/y.ctl: /run/vswitch/file is a regular file, not a directory",
                () -> p.ctl(Path.of("/run/vswitch/file/x/y.ctl")));
        refused(ExitCode.SOCKET, "--ctl /ro/a/b.ctl: cannot create files in /ro (Read-only file system)",
                () -> p.ctl(Path.of("/ro/a/b.ctl")));
        refused(ExitCode.SOCKET, "bytes, longer than the 106", () -> p.ctl(Path.of("/run/" + "c".repeat(102))));
        // stale (nobody answers): taken over later; missing directories under one that takes files: created later
        assertDoesNotThrow(() -> p.ctl(Path.of("/run/vswitch/stale.ctl")));
        assertDoesNotThrow(() -> p.ctl(Path.of("/run/new/dir/vs.ctl")));
        assertDoesNotThrow(() -> p.ctl(null));
    }

    // ------------------------------------------------------------------ the real file system

    /** Root's permission bits let it write anywhere; these places refuse root too, and the probe sees it. */
    @Test
    void theRealProbeSeesWhatRootIsDenied(@TempDir Path tmp) throws Exception {
        Preflight p = Preflight.real();
        Path file = Files.createFile(tmp.resolve("file"));
        refused(ExitCode.SOCKET, "socket directory " + file + " is a regular file, not a directory",
                () -> p.vdevs(vdevs("net_vhost0,iface=" + file.resolve("s.sock"))));
        refused(ExitCode.SOCKET, "cannot create the socket in /proc (", () -> p.vdevs(vdevs("net_vhost0,iface=/proc/s.sock")));
        refused(ExitCode.SOCKET, "cannot create the socket in /sys (", () -> p.vdevs(vdevs("net_vhost0,iface=/sys/s.sock")));
        refused(ExitCode.OUTPUT, "cannot create files in /proc (", () -> p.outputs(outputs("--stats-json", "/proc/s.json")));
        assertDoesNotThrow(() -> p.vdevs(vdevs("net_vhost0,iface=" + tmp.resolve("ok.sock"))));
        assertDoesNotThrow(() -> p.outputs(outputs("--stats-json", tmp.resolve("s.json").toString())));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(file), s.toList(), "the probes leave nothing behind");
        }
        assertEquals(0, Files.size(file), "the user's file untouched");
    }

    @Test
    void theRealProbeTellsALiveSocketFromAStaleOne(@TempDir Path tmp) throws Exception {
        Preflight p = Preflight.real();
        Path ctl = tmp.resolve("vs.ctl");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(ctl));
            refused(ExitCode.SOCKET, ctl + " is in use by another process (pid " + ProcessHandle.current().pid(),
                    () -> p.ctl(ctl));     // this test JVM is not a vswitch
            refused(ExitCode.SOCKET, "socket " + ctl + " is in use by another process (pid "
                    + ProcessHandle.current().pid(), () -> p.vdevs(vdevs("net_vhost0,iface=" + ctl)));
        }
        assertTrue(Files.exists(ctl), "closing a channel leaves its socket file: a stale socket");
        assertDoesNotThrow(() -> p.ctl(ctl));
        assertDoesNotThrow(() -> p.vdevs(vdevs("net_vhost0,iface=" + ctl)));
        assertTrue(Files.exists(ctl), "the checks never remove anything");
    }
}
