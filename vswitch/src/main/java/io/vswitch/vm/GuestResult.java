package io.vswitch.vm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One {@code VSRESULT key=value ...} line printed by the guest's init on the serial console.
 * Keys: mode, driver, queues, status (ok|loss|fail), and per mode
 * ping: sent, received, sent_qN, received_qN; dpdk: size, fwd, duration, tx_pkts, rx_pkts, tx_pps, rx_pps.
 */
public record GuestResult(String line, Map<String, String> fields) {
    public static final String TAG = "VSRESULT";
    /** A value {@link #toJson} writes as a number: an integer that fits a long, without leading zeros ("007" stays a string). */
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9]\\d{0,17})");

    public static GuestResult parse(String line) {
        int at = line.indexOf(TAG + " ");
        if (at < 0) throw new IllegalArgumentException("not a " + TAG + " line: " + line);
        Map<String, String> f = new LinkedHashMap<>();
        for (String tok : line.substring(at + TAG.length()).trim().split("\\s+")) {
            int eq = tok.indexOf('=');
            if (eq > 0) f.put(tok.substring(0, eq), tok.substring(eq + 1));
        }
        return new GuestResult(line.substring(at).strip(), Map.copyOf(f));
    }

    /** All result lines in a serial log (the kernel may interleave its own lines; those are skipped). */
    public static List<GuestResult> fromLog(Path serialLog) throws IOException {
        List<GuestResult> out = new ArrayList<>();
        if (!Files.exists(serialLog)) return out;
        String text = new String(Files.readAllBytes(serialLog), StandardCharsets.ISO_8859_1);
        for (String l : text.split("\r?\n")) if (l.contains(TAG + " ")) out.add(parse(l));
        return out;
    }

    public String get(String key) { return fields.get(key); }

    public long getLong(String key) {
        String v = fields.get(key);
        if (v == null) throw new IllegalStateException("no " + key + " in " + line);
        return Long.parseLong(v);
    }

    public String status() { return fields.getOrDefault("status", "?"); }

    public boolean ok() { return "ok".equals(status()); }

    /** The fields as one compact JSON object, keys sorted; integers as numbers, everything else as strings. */
    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(toJsonNode());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);      // a tree of strings and numbers always serialises
        }
    }

    ObjectNode toJsonNode() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        for (Map.Entry<String, String> e : new TreeMap<>(fields).entrySet()) {
            String v = e.getValue();
            if (INTEGER.matcher(v).matches()) o.put(e.getKey(), Long.parseLong(v));
            else o.put(e.getKey(), v);
        }
        return o;
    }
}
