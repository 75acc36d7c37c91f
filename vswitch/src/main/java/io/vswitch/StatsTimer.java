package io.vswitch;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The programs' {@code --stats SECONDS} timer: a daemon thread that calls {@code sample}
 * every period until {@code stop} opens. Sampling reads counters the poll loops write; it runs
 * here, never in a loop.
 *
 * <p>A sample that throws (a full disk under {@code --stats-json}, a port closing under the
 * reader) does not end the timer: the first failure of a run of failures is logged in one line,
 * the next sample is tried a period later, and the first sample that works again says how many
 * failed. Forwarding never depends on it.
 */
public final class StatsTimer {
    private StatsTimer() {}

    /** Starts the timer; null (nothing started) when {@code seconds} is 0. */
    public static Thread start(double seconds, CountDownLatch stop, Runnable sample, Consumer<String> log) {
        if (seconds <= 0) {
            return null;
        }
        long periodNanos = (long) (seconds * 1e9);
        return Thread.ofPlatform().daemon().name("stats").start(() -> run(periodNanos, stop, sample, log));
    }

    /** The timer's loop, on the calling thread: returns when {@code stop} opens. */
    static void run(long periodNanos, CountDownLatch stop, Runnable sample, Consumer<String> log) {
        long failed = 0;
        try {
            while (!stop.await(periodNanos, TimeUnit.NANOSECONDS)) {
                try {
                    sample.run();
                    if (failed > 0) {
                        log.accept("stats: sampling works again (" + failed + " sample" + (failed > 1 ? "s" : "")
                                + " failed)");
                        failed = 0;
                    }
                } catch (RuntimeException e) {
                    if (failed++ == 0) {
                        log.accept("stats: a sample failed, trying again every period: " + e);
                    }
                }
            }
        } catch (InterruptedException ignored) {
            // shutting down
        }
    }
}
