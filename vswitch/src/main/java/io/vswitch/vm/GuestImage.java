package io.vswitch.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs vm-scripts/build-guest.sh (cached, seconds when nothing changed) and returns kernel + initrd. */
public final class GuestImage {
    public record Image(Path kernel, Path initrd) {}

    private GuestImage() {}

    /** The repository root: -Dvswitch.repo, $VSWITCH_REPO, or the nearest parent of the cwd with vm-scripts/. */
    public static Path repo() {
        String p = System.getProperty("vswitch.repo", System.getenv("VSWITCH_REPO"));
        if (p != null) return Path.of(p).toAbsolutePath().normalize();
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("vm-scripts/build-guest.sh"))) return d;
        }
        throw new IllegalStateException("cannot find the vswitch repository (vm-scripts/build-guest.sh); set VSWITCH_REPO");
    }

    public static Image ensure() throws IOException {
        Path script = repo().resolve("vm-scripts/build-guest.sh");
        Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (rc != 0) throw new IOException(script + " failed (exit " + rc + "); its message is above");
        Path k = null, i = null;
        for (String l : out.split("\n")) {
            if (l.startsWith("KERNEL=")) k = Path.of(l.substring(7).trim());
            if (l.startsWith("INITRD=")) i = Path.of(l.substring(7).trim());
        }
        if (k == null || i == null) throw new IOException(script + " printed no KERNEL=/INITRD=: " + out);
        return new Image(k, i);
    }
}
