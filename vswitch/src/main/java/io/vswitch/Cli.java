package io.vswitch;

import io.vswitch.dpdk.DpdkException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Runs a picocli command with vswitch's error contract: a bad option or a {@link UserError}
 * prints one line, {@code <program>: <message>}, and exits with its distinct code; only a
 * bug prints a stack trace (exit 1).
 */
public final class Cli {
    private Cli() {}

    public static int run(Object command, String[] args) {
        CommandLine cl = new CommandLine(command);
        String prog = cl.getCommandName();
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(prog + ": " + ex.getMessage() + " (see " + prog + " --help)");
            err.flush();
            return ExitCode.USAGE.code;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            Throwable t = ex;
            if (t instanceof UserError ue) {
                c.getErr().println(prog + ": " + ue.getMessage());
                c.getErr().flush();
                return ue.exitCode().code;
            }
            if (t instanceof DpdkException de) {
                c.getErr().println(prog + ": " + de.getMessage());
                c.getErr().flush();
                return exitCode(de.kind()).code;
            }
            if (t instanceof IllegalArgumentException iae) {
                c.getErr().println(prog + ": " + iae.getMessage());
                c.getErr().flush();
                return ExitCode.USAGE.code;
            }
            c.getErr().println(prog + ": internal error (a bug; please report it with this trace):");
            t.printStackTrace(c.getErr());
            c.getErr().flush();
            return ExitCode.INTERNAL.code;
        });
        return cl.execute(args);
    }

    /** The exit code of a DPDK set-up failure: one per {@link DpdkException.Kind}, of the same name. */
    public static ExitCode exitCode(DpdkException.Kind kind) {
        return ExitCode.valueOf(kind.name());
    }

    /** The version string of all programs. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"vswitch " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (DPDK 22.11, Java "
                    + Runtime.version() + ")"};
        }
    }
}
