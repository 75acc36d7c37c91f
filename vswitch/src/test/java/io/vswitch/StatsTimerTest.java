package io.vswitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The stats timer outlives failing samples, logs a run of failures once and the recovery once. */
class StatsTimerTest {
    @Test
    void failingSamplesAreLoggedOnceAndTheTimerGoesOn() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        List<String> log = new ArrayList<>();
        int[] calls = {0};
        // samples 2, 3 and 4 fail (a full disk, say); the 8th stops the timer
        Runnable sample = () -> {
            int n = ++calls[0];
            if (n == 8) stop.countDown();
            if (n >= 2 && n <= 4) throw new UncheckedIOException(new java.io.IOException("No space left on device"));
        };
        StatsTimer.run(1_000_000L, stop, sample, log::add);
        assertEquals(8, calls[0], "every period sampled, failures or not");
        assertEquals(2, log.size(), "one line when failing starts, one when it ends: " + log);
        assertTrue(log.get(0).startsWith("stats: a sample failed, trying again every period: ")
                && log.get(0).contains("No space left on device"), log.get(0));
        assertEquals("stats: sampling works again (3 samples failed)", log.get(1));
    }

    @Test
    void noTimerForZeroSeconds() {
        assertEquals(null, StatsTimer.start(0, new CountDownLatch(1), () -> {}, s -> {}));
    }
}
