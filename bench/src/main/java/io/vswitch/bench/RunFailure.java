package io.vswitch.bench;

/** A benchmark process misbehaved: it did not start, exited with an error or measured nothing. The message carries its log tail. */
public final class RunFailure extends Exception {
    public RunFailure(String message) {
        super(message);
    }
}
