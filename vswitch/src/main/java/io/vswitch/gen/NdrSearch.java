package io.vswitch.gen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RFC 2544 (section 26.1) style throughput search: binary search over offered packet rates for
 * the highest rate whose trial loses at most a tolerated fraction of frames.
 *
 * <p>Two thresholds are searched with one shared list of trials: the NDR (non-drop rate, loss
 * &le; {@code ndrLoss}, default 0) and the PDR (partial-drop rate, loss &le; {@code pdrLoss},
 * default 0.5 %). The first trial runs at {@code maxPps}; if it passes, that threshold's answer is
 * {@code maxPps}. Otherwise the threshold is bracketed by the highest passing rate and the lowest
 * failing rate seen so far (initially {@code minPps}, not yet tried, and {@code maxPps}) and the
 * midpoint is tried until {@code (hi - lo) / hi <= precision} or {@code maxTrials} trials in
 * total have run. If the bracket closes on {@code minPps} without it having been tried, it is
 * tried; if it fails, that threshold has no answer ({@link Result#ndrFound()} false, rate 0).
 * Every trial at rate r informs both thresholds, so the PDR search usually starts from a narrow
 * bracket. Loss is assumed to grow with rate; a noisy non-monotone device makes the result a
 * rate that passed once, never one that failed.
 */
public final class NdrSearch {

    /** Runs one trial of fixed length at an offered rate and reports what happened. */
    @FunctionalInterface
    public interface Trial {
        /** Offers {@code pps} for the trial length; returns TX and RX counts. */
        TrialResult run(double pps) throws Exception;
    }

    /**
     * One trial's counts.
     *
     * @param txPackets frames sent
     * @param rxPackets frames received back (duplicates excluded)
     */
    public record TrialResult(long txPackets, long rxPackets) {
        /** {@code (tx - rx) / tx}, at least 0; 1 when nothing was sent (a trial that sent nothing fails). */
        public double lossRatio() {
            return txPackets <= 0 ? 1.0 : Math.max(0, txPackets - rxPackets) / (double) txPackets;
        }
    }

    /**
     * Search parameters.
     *
     * @param minPps lowest rate to consider, &gt; 0
     * @param maxPps highest rate to consider (e.g. line rate or the generator's measured maximum)
     * @param ndrLoss tolerated loss ratio for the NDR, usually 0
     * @param pdrLoss tolerated loss ratio for the PDR, usually 0.005
     * @param precision stop when (hi - lo) / hi is at most this, e.g. 0.01
     * @param maxTrials stop after this many trials in total
     */
    public record Config(double minPps, double maxPps, double ndrLoss, double pdrLoss, double precision, int maxTrials) {
        /** Validates. */
        public Config {
            if (!(minPps > 0) || !(maxPps >= minPps) || !Double.isFinite(maxPps))
                throw new IllegalArgumentException("need 0 < min rate <= max rate, got " + minPps + ".." + maxPps);
            if (!(ndrLoss >= 0 && ndrLoss < 1) || !(pdrLoss >= ndrLoss && pdrLoss < 1))
                throw new IllegalArgumentException("need 0 <= NDR loss tolerance <= PDR loss tolerance < 1");
            if (!(precision > 0 && precision < 1)) throw new IllegalArgumentException("precision must be in (0, 1)");
            if (maxTrials < 1) throw new IllegalArgumentException("maxTrials must be >= 1");
        }

        /** Defaults: NDR at 0 loss, PDR at 0.5 %, 1 % precision, at most 30 trials. */
        public static Config of(double minPps, double maxPps) {
            return new Config(minPps, maxPps, 0, 0.005, 0.01, 30);
        }
    }

    /**
     * One trial as run.
     *
     * @param pps offered rate
     * @param result counts
     */
    public record Step(double pps, TrialResult result) {
        /** The trial's loss ratio. */
        public double lossRatio() {
            return result.lossRatio();
        }
    }

    /**
     * Outcome.
     *
     * @param ndrPps highest rate that passed the NDR tolerance, 0 if none
     * @param pdrPps highest rate that passed the PDR tolerance, 0 if none
     * @param ndrFound whether some tried rate passed the NDR tolerance
     * @param pdrFound whether some tried rate passed the PDR tolerance
     * @param converged whether both brackets met the precision (false: stopped by maxTrials)
     * @param steps every trial in order
     */
    public record Result(double ndrPps, double pdrPps, boolean ndrFound, boolean pdrFound, boolean converged, List<Step> steps) {
        /** Copies the steps. */
        public Result {
            steps = List.copyOf(steps);
        }

        /** This result as a JSON object: NDR and PDR rates (null if none passed), whether it converged, the trials. */
        public ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode().put("ndr_pps", ndrFound ? ndrPps : Double.NaN)
                    .put("pdr_pps", pdrFound ? pdrPps : Double.NaN).put("converged", converged);
            ArrayNode trials = o.putArray("trials");
            for (Step s : steps)
                trials.addObject().put("pps", s.pps()).put("tx_packets", s.result().txPackets())
                        .put("rx_packets", s.result().rxPackets()).put("loss_ratio", s.lossRatio());
            return o;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "NDR %s, PDR %s (%d trials%s)",
                    ndrFound ? String.format(Locale.ROOT, "%.4f Mpps", ndrPps / 1e6) : "none (lossy at the minimum rate)",
                    pdrFound ? String.format(Locale.ROOT, "%.4f Mpps", pdrPps / 1e6) : "none",
                    steps.size(), converged ? "" : ", not converged");
        }
    }

    /** Optional progress callback, called after each trial. */
    @FunctionalInterface
    public interface Listener {
        /** Called with the trial just run and its index (0-based). */
        void onStep(int index, Step step);
    }

    private final Config cfg;
    private final Listener listener;

    /** A search with {@code cfg} and no progress output. */
    public NdrSearch(Config cfg) {
        this(cfg, (i, s) -> {});
    }

    /** A search with {@code cfg} reporting each trial to {@code listener}. */
    public NdrSearch(Config cfg, Listener listener) {
        this.cfg = cfg;
        this.listener = listener;
    }

    /** Runs the search. Exceptions from the trial propagate. */
    public Result run(Trial trial) throws Exception {
        List<Step> steps = new ArrayList<>();
        boolean ndrDone = false, pdrDone = false;
        while (steps.size() < cfg.maxTrials()) {
            double next = Double.NaN;
            Bracket ndr = bracket(steps, cfg.ndrLoss());
            ndrDone = ndr.done(cfg);
            if (!ndrDone) next = ndr.next(cfg);
            else {
                Bracket pdr = bracket(steps, cfg.pdrLoss());
                pdrDone = pdr.done(cfg);
                if (!pdrDone) next = pdr.next(cfg);
            }
            if (Double.isNaN(next)) break;
            Step s = new Step(next, trial.run(next));
            steps.add(s);
            listener.onStep(steps.size() - 1, s);
        }
        Bracket ndr = bracket(steps, cfg.ndrLoss()), pdr = bracket(steps, cfg.pdrLoss());
        boolean converged = ndr.done(cfg) && pdr.done(cfg);
        return new Result(ndr.lo, pdr.lo, ndr.loTried, pdr.loTried, converged, steps);
    }

    /** Current knowledge for one tolerance: highest passing rate below the lowest failing one. */
    private record Bracket(double lo, boolean loTried, double hi, boolean hiFailed) {
        boolean done(Config c) {
            if (!hiFailed) return loTried && lo >= c.maxPps();  // the maximum passed
            if (hi <= c.minPps()) return true;                    // the minimum failed: no answer
            return loTried && (hi - lo) / hi <= c.precision();
        }

        double next(Config c) {
            if (!hiFailed) return c.maxPps();
            if (loTried) return (lo + hi) / 2;
            // Nothing passed yet: halve towards the minimum; once the bracket is that narrow, try the minimum itself.
            return (hi - c.minPps()) / hi <= c.precision() ? c.minPps() : (c.minPps() + hi) / 2;
        }
    }

    private static Bracket bracket(List<Step> steps, double tolerance) {
        double hi = Double.POSITIVE_INFINITY;
        for (Step s : steps) if (s.lossRatio() > tolerance && s.pps() < hi) hi = s.pps();
        double lo = 0;
        boolean loTried = false;
        for (Step s : steps)
            if (s.lossRatio() <= tolerance && s.pps() < hi && s.pps() >= lo) {
                lo = s.pps();
                loTried = true;
            }
        return new Bracket(lo, loTried, hi, hi != Double.POSITIVE_INFINITY);
    }
}
