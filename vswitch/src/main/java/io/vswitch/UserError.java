package io.vswitch;

/**
 * An error the user can fix: the message names the fix. Programs print it as one line
 * and exit with {@link #exitCode()}, without a stack trace.
 */
public final class UserError extends RuntimeException {
    private final ExitCode exitCode;

    public UserError(ExitCode exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
