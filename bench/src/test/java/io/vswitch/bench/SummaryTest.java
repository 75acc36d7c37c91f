package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Median, min, max, mean and best-of-N over process starts. */
class SummaryTest {
    @Test
    void oddCountMedianIsTheMiddleSample() {
        Summary s = Summary.of(5, 1, 4, 2, 3);
        assertEquals(5, s.n());
        assertEquals(3, s.median());
        assertEquals(1, s.min());
        assertEquals(5, s.max());
        assertEquals(5, s.best());
        assertEquals(3, s.mean(), 1e-12);
    }

    @Test
    void evenCountMedianIsTheMeanOfTheMiddleTwo() {
        Summary s = Summary.of(10, 2, 8, 4);
        assertEquals(6, s.median());
        assertEquals(2, s.min());
        assertEquals(10, s.best());
    }

    @Test
    void bimodalStartsKeepBothModesVisible() {
        // three good starts at ~20 Mpps, two bad ones at ~12: the median follows the majority, best the good mode
        Summary s = Summary.of(20.1, 12.0, 19.9, 12.2, 20.3);
        assertEquals(19.9, s.median());
        assertEquals(20.3, s.best());
        assertEquals(12.0, s.min());
    }

    @Test
    void nanSamplesAreSkipped() {
        Summary s = Summary.of(Double.NaN, 7, Double.NaN, 3);
        assertEquals(2, s.n());
        assertEquals(5, s.median());
    }

    @Test
    void noSamplesGiveNaN() {
        Summary s = Summary.of();
        assertEquals(0, s.n());
        assertTrue(Double.isNaN(s.median()) && Double.isNaN(s.best()) && Double.isNaN(s.min()) && Double.isNaN(s.mean()));
        assertEquals(Summary.EMPTY, Summary.of(Double.NaN));
    }

    @Test
    void scaledConvertsEveryStatistic() {
        Summary s = Summary.of(1e6, 3e6).scaled(1e-6);
        assertEquals(2, s.median(), 1e-12);
        assertEquals(1, s.min(), 1e-12);
        assertEquals(3, s.max(), 1e-12);
        assertEquals(2, s.mean(), 1e-12);
        assertEquals(2, s.n());
    }

    @Test
    void spreadAndNoise() {
        assertEquals(1.0, Summary.of(5, 5).spread());
        assertTrue(!Summary.of(15, 21, 22).noisy(), "within 1.5x");
        assertTrue(Summary.of(12, 20).noisy(), "bimodal starts");
        assertTrue(!Summary.EMPTY.noisy(), "no samples: nothing to call noisy");
        assertTrue(Summary.of(0, 1).noisy(), "a start that measured nothing");
    }
}
