package io.vswitch.ctl;

/**
 * The control socket cannot be served or reached. The message is one line that names the fix,
 * e.g. "a switch is already running on /run/vswitch/vswitch.ctl (its control socket answers): stop it
 * or use another --ctl". Programs print it as is, without a stack trace.
 */
public final class ControlException extends RuntimeException {
    public ControlException(String message) {
        super(message, null, false, false);
    }

    public ControlException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
