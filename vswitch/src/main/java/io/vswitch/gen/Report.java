package io.vswitch.gen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The generator's result for one measured run: per-queue {@link QueueStats} and their total,
 * plus free-form run information (frame size, rate, flows, environment) carried into the JSON.
 * Build with {@link #builder}; write with {@link ReportWriter}.
 *
 * @param info run information, written as the JSON object {@code "info"} (insertion order kept)
 * @param queues per-queue stats in queue order
 * @param total sums over queues; latency from the merged histograms
 */
public record Report(Map<String, String> info, List<QueueStats> queues, QueueStats total) {

    /** Copies the collections. */
    public Report {
        info = Collections.unmodifiableMap(new LinkedHashMap<>(info));
        queues = List.copyOf(queues);
    }

    /** Starts a report over a measured window of {@code seconds}. */
    public static Builder builder(double seconds) {
        return new Builder(seconds);
    }

    /** Collects queues and merges their latency histograms into the total. */
    public static final class Builder {
        private final double seconds;
        private final Map<String, String> info = new LinkedHashMap<>();
        private final List<QueueStats> queues = new ArrayList<>();
        private final Histogram merged = new Histogram(1, RxAccounting.MAX_LATENCY_NS, 3);

        private Builder(double seconds) {
            if (!(seconds > 0)) throw new IllegalArgumentException("measured window must be > 0 s");
            this.seconds = seconds;
        }

        /** Adds run information (e.g. {@code "frame_size" -> "64"}). */
        public Builder info(String key, String value) {
            info.put(key, value);
            return this;
        }

        /** Adds queue {@code queue} from its TX counters and RX accounting. */
        public Builder queue(int queue, long txPackets, long txBytes, RxAccounting rx) {
            queues.add(QueueStats.of(queue, seconds, txPackets, txBytes, rx));
            merged.add(rx.latency());
            return this;
        }

        /** Adds a queue given as stats plus the histogram behind its latency (null if none). */
        public Builder queue(QueueStats q, Histogram latency) {
            queues.add(q);
            if (latency != null) merged.add(latency);
            return this;
        }

        /** The report. */
        public Report build() {
            long txP = 0, txB = 0, rxP = 0, rxB = 0, dup = 0, reo = 0, frn = 0, oth = 0;
            for (QueueStats q : queues) {
                txP += q.txPackets(); txB += q.txBytes(); rxP += q.rxPackets(); rxB += q.rxBytes();
                dup += q.duplicates(); reo += q.reordered(); frn += q.foreign(); oth += q.otherStream();
            }
            QueueStats total = new QueueStats(QueueStats.TOTAL, seconds, txP, txB, rxP, rxB, dup, reo, frn, oth,
                    LatencySummary.of(merged));
            return new Report(info, queues, total);
        }
    }
}
