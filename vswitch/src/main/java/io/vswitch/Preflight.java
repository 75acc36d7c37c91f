package io.vswitch;

import io.vswitch.ctl.ControlServer;
import io.vswitch.dpdk.SocketOwner;
import io.vswitch.dpdk.Vdev;
import io.vswitch.dpdk.VhostSocket.FileKind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The checks {@code vswitch} (reflector and switch) runs on its command line before EAL starts,
 * so that a path it cannot use is one line naming the fix, with nothing started, created or
 * removed: EAL, its runtime directory, a socket file, an output file.
 *
 * <ul>
 *   <li>every vhost {@code --vdev}: an {@code iface=} path, at most 107 bytes once absolute (DPDK
 *       would cut it short silently and bind the truncated name), no two ports on one path
 *       (after normalising), no device name twice; a server socket's directory exists and a file
 *       can be created in it, and the path is free or a stale socket (a regular file or a
 *       directory there is the user's and is refused, a socket something answers on is in use);
 *       a client socket's directory exists and the path, if anything is there, is a socket
 *       (exit 4, {@link ExitCode#SOCKET})</li>
 *   <li>every output file ({@code --stats-json}, {@code --fdb-json}): not a directory, writable if
 *       it exists, its directory exists and a file can be created in it (exit 11,
 *       {@link ExitCode#OUTPUT}); two outputs on one file is a usage error (exit 2)</li>
 *   <li>the switch's {@code --ctl}: short enough, not held by another kind of file, its directory
 *       (or the nearest one that exists, {@link ControlServer} creates the rest) takes files; a
 *       vswitch answering on it is exit 12 ({@link ExitCode#ALREADY_RUNNING}, naming its pid),
 *       another program exit 4; a socket nobody answers on is stale and the control server takes
 *       it over once the ports are up. (Two switches started at the same instant can both pass;
 *       the control server's own check still stops the second, later.)</li>
 * </ul>
 *
 * "A file can be created" is asked of the directory itself, by creating and removing an empty
 * probe file: permission bits alone would say yes to root on a read-only file system, an
 * immutable directory or /proc, where the socket would still fail. The checks only read, except
 * for that probe; removing a stale vhost socket is left to the start ladder
 * ({@link io.vswitch.dpdk.VhostSocket#prepareServerPath}).
 */
public final class Preflight {
    /** The longest vhost socket path: sizeof(sockaddr_un.sun_path) - 1. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    /** What the checks ask of the file system (a fake in unit tests). */
    public interface Fs {
        /** What {@code p} holds, not following a symbolic link. */
        FileKind kind(Path p);

        /** Null when a file can be created in the directory {@code dir}, else why not (e.g. "Read-only file system"). */
        String cannotCreateIn(Path dir);

        /** Null when the existing file {@code file} can be written, else why not. */
        String cannotWrite(Path file);

        /**
         * Null when nothing answers on the socket {@code p} (connection refused: a stale socket);
         * else who does ("pid 123, java", or "" when unknown).
         *
         * @throws IOException when it cannot be told (e.g. permission denied)
         */
        String listener(Path p) throws IOException;
    }

    /** The real file system. */
    public static final Fs REAL = new Fs() {
        @Override
        public FileKind kind(Path p) {
            return FileKind.of(p);
        }

        @Override
        public String cannotCreateIn(Path dir) {
            try {
                Path probe = Files.createTempFile(dir, ".vswitch-probe-", "");
                Files.delete(probe);
                return null;
            } catch (IOException | SecurityException e) {
                return reason(e);
            }
        }

        @Override
        public String cannotWrite(Path file) {
            return Files.isWritable(file) ? null : "not writable";
        }

        @Override
        public String listener(Path p) throws IOException {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
                return SocketOwner.of(p).map(SocketOwner.Owner::toString).orElse("");
            } catch (ConnectException e) {
                return null;
            }
        }
    };

    private final Fs fs;
    private final Path cwd;

    public Preflight(Fs fs, Path cwd) {
        this.fs = Objects.requireNonNull(fs);
        this.cwd = cwd.toAbsolutePath();
    }

    /** Checks against the real file system, relative paths against the working directory. */
    public static Preflight real() {
        return new Preflight(REAL, Path.of("").toAbsolutePath());
    }

    private Path abs(Path p) {
        return cwd.resolve(p).normalize();
    }

    // ------------------------------------------------------------------ vhost ports

    /** The {@code --vdev}s: names unique; every vhost socket path usable (see the class comment). */
    public void vdevs(Iterable<Vdev> vdevs) {
        Map<String, String> names = new HashMap<>();
        Map<Path, String> paths = new LinkedHashMap<>();
        for (Vdev v : vdevs) {
            if (names.putIfAbsent(v.name(), v.spec()) != null) {
                throw new UserError(ExitCode.USAGE, "--vdev " + v.name() + " is given twice: number each device"
                        + " differently (" + v.driver() + "0, " + v.driver() + "1, ...)");
            }
            if (!v.isVhost()) {
                continue;
            }
            if (v.iface() == null || v.iface().isEmpty()) {
                throw new UserError(ExitCode.USAGE, "--vdev " + v.spec() + ": net_vhost needs iface=/path/to/socket");
            }
            Path p = abs(Path.of(v.iface()));
            String what = "--vdev " + v.name() + ": ";
            int bytes = p.toString().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_SOCKET_PATH_BYTES) {
                throw new UserError(ExitCode.SOCKET, what + "socket path " + p + " is " + bytes + " bytes, longer than the "
                        + MAX_SOCKET_PATH_BYTES + " a Unix socket path can have: choose a shorter iface= path");
            }
            String other = paths.putIfAbsent(p, v.name());
            if (other != null) {
                throw new UserError(ExitCode.SOCKET, what + "socket path " + p + " is " + other + "'s too: give each port"
                        + " its own iface= path");
            }
            Path dir = p.getParent();
            FileKind d = fs.kind(dir);
            if (d == FileKind.MISSING) {
                throw new UserError(ExitCode.SOCKET, what + "socket directory " + dir + " does not exist: create it"
                        + (v.client() ? " (the guest's QEMU listens there)" : "") + " or choose another iface= path");
            }
            if (d != FileKind.DIRECTORY && !(d == FileKind.SYMLINK && Files.isDirectory(dir))) {
                throw new UserError(ExitCode.SOCKET, what + "socket directory " + dir + " is " + d.what + ", not a"
                        + " directory: choose another iface= path");
            }
            FileKind k = fs.kind(p);
            if (k != FileKind.MISSING && k != FileKind.SOCKET) {
                throw new UserError(ExitCode.SOCKET, what + p + " is " + k.what + ", not a socket (vswitch never deletes"
                        + " it): remove it yourself or choose another iface= path");
            }
            if (v.client()) {
                continue;                          // the guest owns the socket: it may come later
            }
            if (k == FileKind.SOCKET) {
                String who;
                try {
                    who = fs.listener(p);
                } catch (IOException e) {
                    throw new UserError(ExitCode.SOCKET, what + "cannot tell whether socket " + p + " is in use ("
                            + reason(e) + "): remove it if nothing listens on it, or choose another iface= path");
                }
                if (who != null) {
                    throw new UserError(ExitCode.SOCKET, what + "socket " + p + " is in use by another process ("
                            + (who.isEmpty() ? "a running vswitch or testpmd?" : who) + "): stop it or choose another"
                            + " iface= path");
                }
            }
            String why = fs.cannotCreateIn(dir);
            if (why != null) {
                throw new UserError(ExitCode.SOCKET, what + "cannot create the socket in " + dir + " (" + why + "):"
                        + " choose a directory vswitch may create files in");
            }
        }
    }

    // ------------------------------------------------------------------ output files

    /**
     * The output files, by option ({@code "--stats-json" -> path}, null paths skipped): each can be
     * written, and no two are the same file.
     */
    public void outputs(Map<String, Path> files) {
        Map<Path, String> seen = new HashMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            String option = e.getKey();
            Path f = abs(e.getValue());
            String other = seen.putIfAbsent(f, option);
            if (other != null) {
                throw new UserError(ExitCode.USAGE, other + " and " + option + " name the same file " + f + ": give each"
                        + " its own");
            }
            String what = option + " " + f;
            FileKind k = fs.kind(f);
            if (k == FileKind.DIRECTORY || k == FileKind.SYMLINK && Files.isDirectory(f)) {
                throw new UserError(ExitCode.OUTPUT, what + " is a directory: name a file");
            }
            if (k != FileKind.MISSING && k != FileKind.REGULAR && k != FileKind.SYMLINK) {
                throw new UserError(ExitCode.OUTPUT, what + " is " + k.what + ": name a regular file");
            }
            Path dir = f.getParent();
            FileKind d = fs.kind(dir);
            if (d == FileKind.MISSING) {
                throw new UserError(ExitCode.OUTPUT, what + ": directory " + dir + " does not exist: create it or choose"
                        + " another file");
            }
            if (d != FileKind.DIRECTORY && !(d == FileKind.SYMLINK && Files.isDirectory(dir))) {
                throw new UserError(ExitCode.OUTPUT, what + ": " + dir + " is " + d.what + ", not a directory: choose"
                        + " another file");
            }
            if (k != FileKind.MISSING) {
                String why = fs.cannotWrite(f);
                if (why != null) {
                    throw new UserError(ExitCode.OUTPUT, what + " cannot be written (" + why + "): choose another file");
                }
            }
            String why = fs.cannotCreateIn(dir);
            if (why != null) {
                throw new UserError(ExitCode.OUTPUT, what + ": cannot create files in " + dir + " (" + why + "): choose"
                        + " a directory vswitch may write to");
            }
        }
    }

    // ------------------------------------------------------------------ control socket

    /**
     * The switch's {@code --ctl}: usable, and no switch answering on it. Run before EAL, so that a
     * second switch on the same control socket stops before it creates any port (and so before it
     * could take the first one's vhost socket paths).
     */
    public void ctl(Path ctl) {
        if (ctl == null) {
            return;
        }
        Path p = abs(ctl);
        int bytes = p.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > ControlServer.MAX_PATH_BYTES) {
            throw new UserError(ExitCode.SOCKET, "--ctl " + p + " is " + bytes + " bytes, longer than the "
                    + ControlServer.MAX_PATH_BYTES + " a Java Unix socket path can have: use a shorter path");
        }
        FileKind k = fs.kind(p);
        if (k == FileKind.SOCKET) {
            String who;
            try {
                who = fs.listener(p);
            } catch (IOException e) {
                throw new UserError(ExitCode.SOCKET, "cannot tell whether a vswitch is serving " + p + " (" + reason(e)
                        + "): remove it if none is, or use another --ctl");
            }
            if (who != null && (who.isEmpty() || who.endsWith(", vswitch"))) {
                throw new UserError(ExitCode.ALREADY_RUNNING, "another vswitch is serving " + p
                        + (who.isEmpty() ? "" : " (" + who + ")") + ": stop it, or use another --ctl");
            }
            if (who != null) {
                throw new UserError(ExitCode.SOCKET, "--ctl " + p + " is in use by another process (" + who + "): stop"
                        + " it, or use another --ctl");
            }
            // stale: nobody answers; the control server takes it over once the ports are up
        } else if (k != FileKind.MISSING) {
            throw new UserError(ExitCode.SOCKET, "--ctl " + p + " is " + k.what + ", not a control socket (vswitch never"
                    + " deletes it): remove it yourself or use another --ctl");
        }
        Path dir = p.getParent();
        while (dir.getParent() != null && fs.kind(dir) == FileKind.MISSING) {
            dir = dir.getParent();                 // the control server creates the missing ones
        }
        FileKind d = fs.kind(dir);
        if (d != FileKind.DIRECTORY && !(d == FileKind.SYMLINK && Files.isDirectory(dir))) {
            throw new UserError(ExitCode.SOCKET, "--ctl " + p + ": " + dir + " is " + d.what + ", not a directory: use"
                    + " another --ctl");
        }
        String why = fs.cannotCreateIn(dir);
        if (why != null) {
            throw new UserError(ExitCode.SOCKET, "--ctl " + p + ": cannot create files in " + dir + " (" + why + "): use"
                    + " another --ctl");
        }
    }

    /** An I/O failure's reason, without the path Java puts in front. */
    static String reason(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
