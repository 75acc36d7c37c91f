package io.vswitch.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code --pause-damon}: turns the kernel's DAMON monitors off for a run and back on after it.
 *
 * <p>Each running monitor is a directory under {@code /sys/kernel/mm/damon/admin/kdamonds}
 * whose {@code state} reads {@code on}; writing {@code off} stops its kdamond thread and keeps
 * its set-up, writing {@code on} starts it again. On this machine kdamond took 2-6 ms slices of
 * whichever CPU it ran on, 10-20 times in a 6 s window (perf sched): at 2 Mpps that alone set a
 * window's p99 to hundreds of us and its p99.9 to milliseconds, whoever forwarded the frames.
 *
 * <pre>
 *   pause(): state "on" -> write "off" -> read back "off"     (remembered)
 *   close(): each remembered one: write "on"                   (also from a shutdown hook: Ctrl-C)
 * </pre>
 * Only monitors this object turned off are turned on again; a write that fails is an
 * {@link IOException} naming the file (not root, no such interface) and leaves the ones already
 * paused to {@link #close}.
 */
final class DamonPause implements AutoCloseable {
    /** Where the kernel's DAMON admin interface lists its monitors. */
    static final Path ADMIN = Path.of("/sys/kernel/mm/damon/admin/kdamonds");

    private final List<Path> paused = new ArrayList<>();
    private final Thread hook = new Thread(this::resume, "damon-resume");
    private boolean closed;

    private DamonPause() {}

    /** Turns off every monitor under {@code admin} whose state is "on"; none there (or no such directory): nothing to do. */
    static DamonPause pause(Path admin) throws IOException {
        DamonPause p = new DamonPause();
        if (!Files.isDirectory(admin)) return p;
        List<Path> dirs = new ArrayList<>();
        try (var d = Files.newDirectoryStream(admin, "[0-9]*")) {
            d.forEach(dirs::add);
        }
        dirs.sort(null);
        Runtime.getRuntime().addShutdownHook(p.hook);
        try {
            for (Path dir : dirs) {
                Path state = dir.resolve("state");
                if (!Files.isRegularFile(state) || !"on".equals(read(state))) continue;
                write(state, "off");
                p.paused.add(state);
                if (!"off".equals(read(state))) throw new IOException(state + " still reads \"" + read(state) + "\" after writing off");
            }
        } catch (IOException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** A run that is told whether DAMON was paused for it (null: not asked to). */
    interface Body {
        int run(DamonPause damon) throws IOException, InterruptedException;
    }

    /**
     * Runs {@code body} with DAMON paused when {@code pause}, says so on {@code out}, and turns
     * the monitors back on after it, however it ends. A monitor that cannot be paused is one line
     * on {@code err} and exit code 2, and the body does not run.
     */
    static int around(boolean pause, Path admin, PrintStream out, Consumer<String> err, Body body) throws IOException, InterruptedException {
        DamonPause damon;
        try {
            damon = pause ? pause(admin) : null;
        } catch (IOException e) {
            err.accept("vswitch-bench: " + e.getMessage());
            return 2;
        }
        try {
            if (damon != null) out.println("DAMON: " + damon.count() + " monitor(s) turned off for this run (back on after it)");
            return body.run(damon);
        } finally {
            if (damon != null) damon.close();
        }
    }

    /** How many monitors this turned off. */
    int count() {
        return paused.size();
    }

    /** Turns back on what {@link #pause} turned off; once. */
    @Override
    public void close() {
        resume();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs (and finds nothing left to do)
        }
    }

    private synchronized void resume() {
        if (closed) return;
        closed = true;
        for (Path state : paused) {
            try {
                write(state, "on");
            } catch (IOException e) {
                System.err.println("vswitch-bench: could not turn DAMON back on: write on to " + state + ": " + e.getMessage());
            }
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.US_ASCII).strip();
    }

    private static void write(Path p, String s) throws IOException {
        try {
            Files.writeString(p, s, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("--pause-damon: cannot write " + s + " to " + p + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null && !e.getMessage().equals(p.toString()) ? ": " + e.getMessage() : "") + "; run as root)", e);
        }
    }
}
