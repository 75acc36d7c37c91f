package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Running a real bench command in a test: under the shared benchmark lock, with what it prints captured. */
final class BenchRuns {
    private BenchRuns() {}

    /** What a command returned and printed on System.out (where the runner prints its progress and tables). */
    record Printed(int code, String out) {}

    /** Runs {@code vswitch-bench ARGS} holding /tmp/vswitch-bench.lock, its System.out shown and captured. */
    static Printed underLock(String... args) throws Exception {
        Process lock = benchLock();
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream orig = System.out;
            System.setOut(new PrintStream(new Tee(orig, buf), true, StandardCharsets.UTF_8));
            int code;
            try {
                code = VswitchBench.commandLine().execute(args);
            } finally {
                System.setOut(orig);
            }
            return new Printed(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            lock.getOutputStream().close();         // its cat ends, flock lets go
            lock.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Holds /tmp/vswitch-bench.lock (flock(1), as the README's runs take it; Java's own file locks
     * do not see it) until the returned process's stdin is closed; waits while another benchmark holds it.
     */
    static Process benchLock() throws Exception {
        Process p = new ProcessBuilder("flock", "/tmp/vswitch-bench.lock", "-c", "echo locked; exec cat >/dev/null").redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();                 // blocks while another benchmark holds the lock
        assertEquals("locked", line, "flock /tmp/vswitch-bench.lock failed (util-linux's flock is needed)");
        return p;
    }

    /** Writes to both streams. */
    static final class Tee extends OutputStream {
        private final OutputStream a, b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
