package io.vswitch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process (reflector or generator) whose output goes to a log file. Every live child is
 * registered, and a shutdown hook stops them all, so neither an error nor Ctrl-C leaves a
 * poll loop spinning on a CPU another engineer is measuring on.
 */
final class Child {
    private static final Set<Child> LIVE = ConcurrentHashMap.newKeySet();
    private static final Set<Runnable> CLEANUPS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Child::stopAll, "stop-children"));
    }

    final String role;
    final List<String> command;
    final Path log;
    private final Process process;

    private Child(String role, List<String> command, Path log, Process process) {
        this.role = role;
        this.command = command;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code command} with stdout and stderr appended to {@code log} and stdin from /dev/null. */
    static Child start(String role, List<String> command, Path log) throws IOException {
        return start(role, command, log, false);
    }

    /**
     * As {@link #start(String, List, Path)}; with {@code stdinPipe} its stdin is a pipe that
     * {@link #send} writes to (an interactive testpmd), held open until the child exits.
     */
    static Child start(String role, List<String> command, Path log, boolean stdinPipe) throws IOException {
        return start(role, command, log, stdinPipe, java.util.Map.of());
    }

    /** As {@link #start(String, List, Path, boolean)}, with {@code env} added to the environment it inherits. */
    static Child start(String role, List<String> command, Path log, boolean stdinPipe, java.util.Map<String, String> env) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(stdinPipe ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        Process p = pb.start();
        Child c = new Child(role, command, log, p);
        LIVE.add(c);
        return c;
    }

    /** Writes {@code line} and a newline to its stdin (started with {@code stdinPipe}). */
    void send(String line) throws IOException {
        var in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Exit code if it has exited. */
    int exitValue() {
        return process.exitValue();
    }

    /** Waits for it to exit by itself; on timeout kills it and returns -1. */
    int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            return -1;
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** Sends SIGTERM without waiting; {@link #stop} then waits for the exit. */
    void terminate() {
        if (process.isAlive()) process.destroy();
    }

    /**
     * SIGTERM, then SIGKILL after {@code grace}.
     *
     * @return the exit code (128+signal when killed by a signal), or -1 if it had to be SIGKILLed
     */
    int stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            return -1;
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    private void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        LIVE.remove(this);
    }

    /** The log's lines so far (empty if unreadable). */
    List<String> lines() {
        try {
            return Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Last {@code n} lines of the log, for error messages. */
    String tail(int n) {
        List<String> l = lines();
        List<String> t = new ArrayList<>(l.subList(Math.max(0, l.size() - n), l.size()));
        return "---- last " + t.size() + " lines of " + log + " (" + role + ") ----\n" + String.join("\n", t).replace("\u001b[2J\u001b[1;1H", "");
    }

    /**
     * Runs {@code r} after the children are stopped if the JVM exits before {@link #cancelAtExit}
     * (Ctrl-C, SIGTERM): removes sockets and EAL runtime files the interrupted run made.
     */
    static void atExit(Runnable r) {
        CLEANUPS.add(r);
    }

    static void cancelAtExit(Runnable r) {
        CLEANUPS.remove(r);
    }

    /** Stops every live child: SIGTERM to all, then SIGKILL to those still running after 3 s; then the exit clean-ups. */
    static void stopAll() {
        List<Child> all = new ArrayList<>(LIVE);
        for (Child c : all) c.process.destroy();
        long deadline = System.nanoTime() + 3_000_000_000L;
        for (Child c : all) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !c.process.waitFor(left, TimeUnit.NANOSECONDS)) c.process.destroyForcibly();
            } catch (InterruptedException e) {
                c.process.destroyForcibly();
            }
            LIVE.remove(c);
        }
        for (Runnable r : List.copyOf(CLEANUPS)) r.run();
        CLEANUPS.clear();
    }
}
