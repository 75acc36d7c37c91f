package io.vswitch.testutil;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child process for integration tests (dpdk-testpmd, bin/vswitch, bin/vswitch-gen):
 * stdin from /dev/null, output to a log file, and always stopped on close: SIGTERM,
 * then SIGKILL, including its children. Use in try-with-resources so a failing test
 * leaves nothing running.
 */
public final class Proc implements AutoCloseable {
    public final String name;
    public final Path log;
    private final Process process;

    private Proc(String name, Process p, Path log) {
        this.name = name;
        this.process = p;
        this.log = log;
    }

    public static Proc start(String name, List<String> cmd, Path dir) throws IOException {
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        return new Proc(name, pb.start(), log);
    }

    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "<cannot read " + log + ": " + e + ">";
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Waits until the output matches {@code regex}; returns the match, or throws with the log. */
    public Matcher await(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(output());
            if (m.find()) {
                return m;
            }
            if (!process.isAlive()) {
                Matcher last = p.matcher(output());
                if (last.find()) {
                    return last;
                }
                throw new AssertionError(name + " exited with " + process.exitValue() + " before printing /" + regex
                        + "/:\n" + tail());
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + " did not print /" + regex + "/ within " + timeout + ":\n" + tail());
    }

    /** All matches of {@code regex} in the output so far. */
    public List<Matcher> all(String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(output());
        List<Matcher> out = new ArrayList<>();
        while (m.find()) {
            out.add(Pattern.compile(regex, Pattern.MULTILINE).matcher(m.group()));
            out.get(out.size() - 1).find();
        }
        return out;
    }

    public String tail() {
        String o = output();
        return o.length() > 6000 ? "..." + o.substring(o.length() - 6000) : o;
    }

    /** SIGTERM, wait up to {@code grace}; returns the exit code (or -1 after SIGKILL). */
    public int stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        return -1;
    }

    /** SIGKILL, as a crash or the OOM killer would; waits until the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        // a niced process's exit (unmapping its memory) can wait long behind busy pollers on 2 CPUs
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " survived SIGKILL for 120 s");
        }
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout + ":\n" + tail());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(10));
    }
}
