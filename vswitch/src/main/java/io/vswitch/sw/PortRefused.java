package io.vswitch.sw;

/** A port request the switch turned down, and why; the control socket maps the reason to an error code. */
public final class PortRefused extends RuntimeException {
    /** Why. */
    public enum Reason {
        /** No port of that name. */
        NO_SUCH_PORT,
        /** The name (or the socket path) is taken by another port. */
        NAME_TAKEN,
        /** The device could not be created, configured or started: the message says why. */
        CANNOT_CREATE,
        /** No more ports: DPDK's port limit. */
        LIMIT
    }

    private final Reason reason;

    public PortRefused(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
