package io.vswitch.testutil;

import io.vswitch.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs a picocli command in-process through {@link Cli#run} and captures what it wrote to stderr. */
public final class CliRun {
    private CliRun() {
    }

    /** The exit code and stderr of one run. */
    public record Result(int code, String err) {}

    public static Result run(Object command, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Cli.run(command, args);
            return new Result(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }
}
