package io.vswitch.dpdk;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which process listens on a Unix socket path, for error messages ("in use by pid 123,
 * dpdk-testpmd"): the socket's inode from {@code /proc/net/unix}, then the process whose
 * {@code /proc/PID/fd} holds {@code socket:[inode]}. Best effort: empty when /proc does not
 * tell (another network namespace, no permission), never an error.
 */
public final class SocketOwner {
    private SocketOwner() {}

    /** A listening process: its pid and command name. */
    public record Owner(long pid, String command) {
        @Override
        public String toString() {
            return "pid " + pid + (command.isEmpty() ? "" : ", " + command);
        }
    }

    /** The process listening on {@code socket} (absolute path), if /proc says. */
    public static Optional<Owner> of(Path socket) {
        try {
            return inode(Files.readAllLines(Path.of("/proc/net/unix")), socket.toAbsolutePath().normalize().toString())
                    .flatMap(SocketOwner::holder);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The inode of the listening socket bound to {@code path} in {@code /proc/net/unix}'s lines
     * ({@code Num RefCount Protocol Flags Type St Inode Path}; a listener has flag 0x10000,
     * __SO_ACCEPTCON).
     */
    static Optional<Long> inode(List<String> procNetUnix, String path) {
        for (String line : procNetUnix) {
            String[] f = line.trim().split("\\s+", 8);
            if (f.length < 8 || !f[7].equals(path)) {
                continue;
            }
            try {
                if ((Long.parseLong(f[3], 16) & 0x10000) != 0) {
                    return Optional.of(Long.parseLong(f[6]));
                }
            } catch (NumberFormatException e) {
                // the header, or a line this parser does not know
            }
        }
        return Optional.empty();
    }

    private static Optional<Owner> holder(long inode) {
        String link = "socket:[" + inode + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .matches("[0-9]+"))) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        if (link.equals(readLink(fd))) {
                            long pid = Long.parseLong(proc.getFileName().toString());
                            return Optional.of(new Owner(pid, command(proc)));
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // gone, or not ours to look at
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The process's name: our programs by name (their comm is "java"), others by their comm. */
    private static String command(Path proc) {
        try {
            String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
            if (cmdline.contains(" io.vswitch.reflector.VswitchCommand")) {
                return "vswitch";
            }
            if (cmdline.contains(" io.vswitch.gen.GenCommand")) {
                return "vswitch-gen";
            }
        } catch (IOException | RuntimeException ignored) {
            // comm then
        }
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "";                          // the pid is enough
        }
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
