package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import io.vswitch.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NDR/PDR search against simulated devices with a known capacity (loss = 1 - cap/rate above it). */
class NdrSearchTest {
    static final double TRIAL_S = 10;

    /** Device that forwards up to {@code cap} pps and drops the excess: loss = 1 - cap / rate above it. */
    static NdrSearch.Trial device(double cap) {
        return pps -> {
            long tx = Math.round(pps * TRIAL_S);
            long rx = pps <= cap ? tx : Math.round(cap * TRIAL_S);
            return new NdrSearch.TrialResult(tx, rx);
        };
    }

    @Test
    void findsNdrAndPdrOfACappedDevice() throws Exception {
        double cap = 7.3e6;
        List<NdrSearch.Step> seen = new ArrayList<>();
        NdrSearch.Result r = new NdrSearch(NdrSearch.Config.of(0.1e6, 14.88e6), (i, s) -> seen.add(s)).run(device(cap));
        assertTrue(r.ndrFound() && r.pdrFound() && r.converged(), r.toString());
        assertTrue(r.ndrPps() <= cap && r.ndrPps() >= cap * 0.99, "NDR " + r.ndrPps());
        double pdrTrue = cap / (1 - 0.005); // loss 0.5 % exactly
        assertTrue(r.pdrPps() <= pdrTrue && r.pdrPps() >= pdrTrue * 0.99, "PDR " + r.pdrPps());
        assertTrue(r.pdrPps() >= r.ndrPps());
        assertEquals(14.88e6, r.steps().get(0).pps(), "RFC 2544 starts at the maximum");
        assertEquals(r.steps(), seen, "listener saw every trial");
        assertTrue(r.steps().size() <= 20, "binary search, not a scan: " + r.steps().size());
        // Every reported rate was actually tried and passed.
        assertTrue(r.steps().stream().anyMatch(s -> s.pps() == r.ndrPps() && s.lossRatio() == 0));
        assertTrue(r.steps().stream().anyMatch(s -> s.pps() == r.pdrPps() && s.lossRatio() <= 0.005));
    }

    @Test
    void tighterPrecisionGetsCloser() throws Exception {
        double cap = 3.21e6;
        NdrSearch.Result r = new NdrSearch(new NdrSearch.Config(1e4, 1e7, 0, 0.005, 0.001, 60)).run(device(cap));
        assertTrue(r.converged());
        assertTrue(r.ndrPps() <= cap && r.ndrPps() >= cap * 0.999, "NDR " + r.ndrPps());
    }

    @Test
    void losslessAtTheMaximumTakesOneTrial() throws Exception {
        NdrSearch.Result r = new NdrSearch(NdrSearch.Config.of(1e5, 5e6)).run(device(7.3e6));
        assertEquals(1, r.steps().size());
        assertEquals(5e6, r.ndrPps());
        assertEquals(5e6, r.pdrPps());
        assertTrue(r.ndrFound() && r.converged());
    }

    @Test
    void lossyAtTheMinimumHasNoNdr() throws Exception {
        NdrSearch.Result r = new NdrSearch(NdrSearch.Config.of(1e6, 10e6)).run(device(0.5e6));
        assertFalse(r.ndrFound());
        assertFalse(r.pdrFound());
        assertEquals(0, r.ndrPps());
        assertTrue(r.converged());
        assertTrue(r.steps().stream().anyMatch(s -> s.pps() == 1e6), "the minimum itself was tried");
        assertTrue(r.toString().contains("none"));
    }

    @Test
    void ndrJustAboveTheMinimum() throws Exception {
        NdrSearch.Result r = new NdrSearch(NdrSearch.Config.of(1e6, 10e6)).run(device(1.005e6));
        assertTrue(r.ndrFound());
        assertTrue(r.ndrPps() >= 1e6 && r.ndrPps() <= 1.005e6);
    }

    @Test
    void smallLossBelowPdrToleranceAtMaxGivesPdrAtMax() throws Exception {
        // Loses 0.1 % at every rate above 2 Mpps: NDR 2 Mpps-ish, PDR is the maximum.
        NdrSearch.Trial t = pps -> {
            long tx = Math.round(pps * TRIAL_S);
            return new NdrSearch.TrialResult(tx, pps <= 2e6 ? tx : tx - tx / 1000);
        };
        NdrSearch.Result r = new NdrSearch(NdrSearch.Config.of(1e5, 8e6)).run(t);
        assertEquals(8e6, r.pdrPps());
        assertTrue(r.ndrPps() <= 2e6 && r.ndrPps() >= 1.98e6, "NDR " + r.ndrPps());
    }

    @Test
    void stopsAtMaxTrials() throws Exception {
        NdrSearch.Result r = new NdrSearch(new NdrSearch.Config(1, 1e9, 0, 0.005, 1e-9, 5)).run(device(123_456));
        assertEquals(5, r.steps().size());
        assertFalse(r.converged());
    }

    @Test
    void noisyDeviceNeverReportsARateThatFailed() throws Exception {
        java.util.Random rnd = new java.util.Random(7);
        NdrSearch.Trial t = pps -> {
            long tx = Math.round(pps * TRIAL_S);
            double cap = 5e6 * (1 + 0.02 * rnd.nextGaussian());
            return new NdrSearch.TrialResult(tx, pps <= cap ? tx : Math.round(cap * TRIAL_S));
        };
        NdrSearch.Result r = new NdrSearch(NdrSearch.Config.of(1e5, 1e7)).run(t);
        assertTrue(r.ndrFound());
        assertTrue(r.steps().stream().anyMatch(s -> s.pps() == r.ndrPps() && s.lossRatio() == 0));
        // Nothing at or below the reported NDR failed in a way the search saw as its upper bound.
        double lowestFail = r.steps().stream().filter(s -> s.lossRatio() > 0).mapToDouble(NdrSearch.Step::pps).min().orElse(Double.MAX_VALUE);
        assertTrue(r.ndrPps() < lowestFail);
        assertTrue(r.ndrPps() > 4e6 && r.ndrPps() < 6e6, "NDR " + r.ndrPps());
    }

    @Test
    void trialResultLoss() {
        assertEquals(0.0, new NdrSearch.TrialResult(100, 100).lossRatio());
        assertEquals(0.0, new NdrSearch.TrialResult(100, 101).lossRatio(), "duplicates are not negative loss");
        assertEquals(0.25, new NdrSearch.TrialResult(100, 75).lossRatio());
        assertEquals(1.0, new NdrSearch.TrialResult(0, 0).lossRatio(), "sending nothing fails");
    }

    @Test
    void badConfigsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> NdrSearch.Config.of(0, 1e6));
        assertThrows(IllegalArgumentException.class, () -> NdrSearch.Config.of(2e6, 1e6));
        assertThrows(IllegalArgumentException.class, () -> new NdrSearch.Config(1, 2, 0.01, 0.005, 0.01, 10));
        assertThrows(IllegalArgumentException.class, () -> new NdrSearch.Config(1, 2, 0, 0.005, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new NdrSearch.Config(1, 2, 0, 0.005, 0.01, 0));
    }

    @Test
    void resultWritesJson() throws Exception {
        NdrSearch.Result r = new NdrSearch(NdrSearch.Config.of(1e5, 5e6)).run(device(7.3e6));
        assertEquals("{\"ndr_pps\":5000000.0,\"pdr_pps\":5000000.0,\"converged\":true,\"trials\":"
                + "[{\"pps\":5000000.0,\"tx_packets\":50000000,\"rx_packets\":50000000,\"loss_ratio\":0.0}]}",
                Json.MAPPER.writeValueAsString(r.toJson()));
        NdrSearch.Result none = new NdrSearch(NdrSearch.Config.of(1e5, 5e6)).run(device(1e4));
        assertFalse(none.ndrFound());
        assertTrue(none.toJson().get("ndr_pps").isNumber(), "NaN in the tree");
        assertTrue(Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(none.toJson())).get("ndr_pps").isNull(),
                "no passing rate is written as null");
    }
}
