package io.vswitch.dpdk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The checks a vhost-user server socket path needs before EAL tries to bind it (EAL's own
 * failure is a bare "bind: Address already in use" deep in its log).
 */
public final class VhostSocket {
    private VhostSocket() {}

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** What a path holds (not following a symbolic link), for the checks and their messages. */
    public enum FileKind {
        MISSING("nothing"), SOCKET("a socket"), REGULAR("a regular file"), DIRECTORY("a directory"),
        SYMLINK("a symbolic link"), OTHER("a special file");

        /** "a regular file", for messages. */
        public final String what;

        FileKind(String what) {
            this.what = what;
        }

        public static FileKind of(Path p) {
            java.nio.file.attribute.BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                return MISSING;
            }
            if (a.isRegularFile()) {
                return REGULAR;
            }
            if (a.isDirectory()) {
                return DIRECTORY;
            }
            if (a.isSymbolicLink()) {
                return SYMLINK;
            }
            try {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                return (mode & S_IFMT) == S_IFSOCK ? SOCKET : OTHER;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return OTHER;
            }
        }
    }

    /**
     * Returns a note when a stale socket was removed, null when the path was free; throws
     * a DpdkException when the path is unusable.
     */
    public static String prepareServerPath(String iface) {
        Path p = Path.of(iface);
        Path dir = p.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            FileKind k = FileKind.of(dir);
            throw new DpdkException(DpdkException.Kind.SOCKET, "vhost socket directory " + dir + (k == FileKind.MISSING
                    ? " does not exist: create it or" : " is " + k.what + ", not a directory:") + " choose another iface= path");
        }
        FileKind kind = FileKind.of(p);
        if (kind == FileKind.MISSING) {
            return null;
        }
        if (kind != FileKind.SOCKET) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "vhost socket path " + p + " exists and is " + kind.what
                    + ", not a socket (vswitch never deletes it): remove it yourself or choose another iface= path");
        }
        if (inUse(p)) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "vhost socket " + p + " is in use by another process ("
                    + SocketOwner.of(p).map(SocketOwner.Owner::toString).orElse("a running vswitch or testpmd?")
                    + "): stop it or choose another iface= path");
        }
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "cannot remove stale socket " + p + ": " + e.getMessage());
        }
        return "removed stale vhost socket " + p + " (nobody was listening on it)";
    }

    /** True when a process is listening on the unix socket {@code p}. */
    public static boolean inUse(Path p) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
            return ch.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Gives the server socket {@code path} the owner {@code owner} ("UID:GID") and the
     * permission bits {@code mode}, either may be null, so that a QEMU or a pod that does not
     * run as root can connect (connecting to a Unix socket needs write permission on it).
     */
    public static void setOwnership(String path, String owner, Integer mode) {
        // Files.setAttribute opens the file to fchown/fchmod it, which a socket refuses (ENXIO):
        // chown(2) and chmod(2) by path instead.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(path);
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            if (owner != null) {
                String[] ug = owner.split(":");
                int rc = (int) CHOWN.invokeExact(state, p, Integer.parseUnsignedInt(ug[0]), Integer.parseUnsignedInt(ug[1]));
                if (rc != 0) {
                    throw new DpdkException(DpdkException.Kind.SOCKET, "cannot give vhost socket " + path + " the owner "
                            + owner + " (chown failed: errno " + errno(state) + ")");
                }
            }
            if (mode != null) {
                int rc = (int) CHMOD.invokeExact(state, p, mode.intValue());
                if (rc != 0) {
                    throw new DpdkException(DpdkException.Kind.SOCKET, "cannot give vhost socket " + path + " the mode "
                            + Integer.toOctalString(mode) + " (chmod failed: errno " + errno(state) + ")");
                }
            }
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static final VarHandle ERRNO = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CHOWN = LINKER.downcallHandle(LINKER.defaultLookup().find("chown").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CHMOD = LINKER.downcallHandle(LINKER.defaultLookup().find("chmod").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
}
