package io.vswitch.reflector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import io.vswitch.dpdk.LcoreLoop;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * What the control thread's stats timer drives: the reflector's per-queue
 * {@link StatsReporter} or the switch's per-port {@link SwitchStats}. Both print text and
 * append one JSON object per sample (and one for the summary) to {@code --stats-json}.
 */
public interface StatsSink {
    /** One interval: rates since the previous sample. */
    void sample();

    /** The run's totals and average rates. */
    void summary();

    /**
     * Appends {@code line} as one compact line to the JSON lines file {@code json} (if any); a
     * write error is reported, not thrown.
     */
    static void appendJson(Path json, JsonNode line, PrintStream out) {
        if (json == null) {
            return;
        }
        try (Writer w = Files.newBufferedWriter(json, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(Json.MAPPER.writeValueAsString(line));
            w.write('\n');
        } catch (IOException e) {
            out.println("vswitch: cannot write --stats-json " + json + ": " + e.getMessage());
        }
    }

    /** Bytes each poll loop has allocated since it started (-1 before it started). */
    static long[] allocatedBytes(List<? extends LcoreLoop> loops) {
        long[] a = new long[loops.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = loops.get(i).allocatedInLoop();
        }
        return a;
    }

    /** Adds {@code a} to {@code o} as the array {@code name}. */
    static void putArray(ObjectNode o, String name, long[] a) {
        ArrayNode arr = o.putArray(name);
        for (long v : a) {
            arr.add(v);
        }
    }

    static String join(long[] a) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : ",").append(a[i]);
        }
        return sb.toString();
    }
}
