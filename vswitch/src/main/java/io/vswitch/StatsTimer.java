package io.vswitch;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The programs' {@code --stats SECONDS} timer: a daemon thread that calls {@code sample}
 * every period until {@code stop} opens. Sampling reads counters the poll loops write; it runs
 * here, never in a loop.
 */
public final class StatsTimer {
    private StatsTimer() {}

    /** Starts the timer; null (nothing started) when {@code seconds} is 0. */
    public static Thread start(double seconds, CountDownLatch stop, Runnable sample) {
        if (seconds <= 0) {
            return null;
        }
        long periodNanos = (long) (seconds * 1e9);
        return Thread.ofPlatform().daemon().name("stats").start(() -> {
            try {
                while (!stop.await(periodNanos, TimeUnit.NANOSECONDS)) {
                    sample.run();
                }
            } catch (InterruptedException ignored) {
                // shutting down
            }
        });
    }
}
