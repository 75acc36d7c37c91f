package io.vswitch.dpdk;

import java.io.IOException;
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

    /**
     * Returns a note when a stale socket was removed, null when the path was free; throws
     * a DpdkException when the path is unusable.
     */
    public static String prepareServerPath(String iface) {
        Path p = Path.of(iface);
        Path dir = p.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "vhost socket directory " + dir + " does not exist: create it or"
                    + " choose another iface= path");
        }
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "cannot inspect " + p + ": " + e.getMessage());
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "vhost socket path " + p + " exists and is not a socket: remove it or"
                    + " choose another iface= path");
        }
        if (inUse(p)) {
            throw new DpdkException(DpdkException.Kind.SOCKET, "vhost socket " + p + " is in use by another process (a running"
                    + " vswitch or testpmd?): stop it or choose another iface= path");
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
}
