package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing testpmd's periodic port statistics and exit totals, on output captured from dpdk-testpmd 22.11 flowgen. */
class TestpmdLogTest {
    static List<String> sample() throws IOException {
        try (InputStream in = TestpmdLogTest.class.getResourceAsStream("testpmd-flowgen.txt")) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).split("\n"));
        }
    }

    @Test
    void readsEveryPeriodOfTheCapturedRun() throws IOException {
        TestpmdLog log = TestpmdLog.parse(sample());
        assertEquals(List.of(new TestpmdLog.Sample(0, 0), new TestpmdLog.Sample(87550, 88026), new TestpmdLog.Sample(635811, 638487),
                new TestpmdLog.Sample(532720, 534092)), log.samples());
    }

    @Test
    void readsTheAccumulatedTotalsNotThePerPortBlock() throws IOException {
        TestpmdLog.Totals t = TestpmdLog.parse(sample()).totals();
        assertEquals(new TestpmdLog.Totals(1834016, 0, 1840000, 33653472), t);
    }

    @Test
    void windowSkipsTheStartSampleAndTheWarmup() throws IOException {
        TestpmdLog.Window w = TestpmdLog.parse(sample()).window(1, 2);
        assertEquals((635811 + 532720) / 2.0, w.rxPps());
        assertEquals((638487 + 534092) / 2.0, w.txPps());
        assertArrayEquals(new double[] {635811, 532720}, w.rxPerSecond());
        assertEquals(87550, TestpmdLog.parse(sample()).window(0, 1).rxPps());
    }

    @Test
    void tooFewPeriodsSayHowManyWereNeeded() throws IOException {
        TestpmdLog log = TestpmdLog.parse(sample());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> log.window(2, 2));
        assertTrue(e.getMessage().contains("4 stats periods, 5 needed"), e.getMessage());
        assertEquals(5, TestpmdLog.samplesNeeded(2, 2));
    }

    @Test
    void outputCutBeforeExitHasNoTotals() throws IOException {
        List<String> l = sample();
        int cut = 0;
        while (!l.get(cut).contains("Telling cores to stop")) cut++;
        TestpmdLog log = TestpmdLog.parse(l.subList(0, cut));
        assertNull(log.totals());
        assertEquals(4, log.samples().size());
    }

    @Test
    void aTxLineWithoutRxLineIsIgnoredAndGarbageTolerated() {
        TestpmdLog log = TestpmdLog.parse(List.of("  Tx-pps: 5 Tx-bps: 1", "Rx-pps: junk", "  Rx-pps:  7  Rx-bps: 0", "  Tx-pps:  9  Tx-bps: 0"));
        assertEquals(List.of(new TestpmdLog.Sample(7, 9)), log.samples());
        assertThrows(IllegalArgumentException.class, () -> log.window(0, 0));
    }
}
