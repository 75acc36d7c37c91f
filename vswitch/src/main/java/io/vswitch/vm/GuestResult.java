package io.vswitch.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code VSRESULT key=value ...} line printed by the guest's init on the serial console.
 * Keys: mode, driver, queues, status (ok|loss|fail), and per mode
 * ping: sent, received, sent_qN, received_qN; dpdk: size, fwd, duration, tx_pkts, rx_pkts, tx_pps, rx_pps.
 */
public record GuestResult(String line, Map<String, String> fields) {
    public static final String TAG = "VSRESULT";

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

    public String toJson() {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (var e : new java.util.TreeMap<>(fields).entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append('"').append(esc(e.getKey())).append("\":");
            String v = e.getValue();
            b.append(v.matches("-?\\d{1,18}") ? v : "\"" + esc(v) + "\"");
        }
        return b.append('}').toString();
    }

    private static String esc(String s) { return s.replace("\\", "\\\\").replace("\"", "\\\""); }
}
