package io.vswitch.gen;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Report writers: JSON parsed back with Jackson, table rows, CSV escaping read back with an RFC 4180 reader. */
class ReportWriterTest {
    static final long HZ = 1_000_000_000L; // 1 tick = 1 ns

    /** Two queues over 2 s: queue 0 lossless with latencies 1..1000 us, queue 1 loses 10 of 1000 and sees a duplicate. */
    static Report sample() {
        FlowTable flows = FlowTable.of(1);
        byte[] buf = new byte[60];
        MemorySegment mem = MemorySegment.ofArray(buf);
        RxAccounting a0 = new RxAccounting(0, HZ), a1 = new RxAccounting(1, HZ);
        FrameTemplate t0 = new FrameTemplate(64, 0, 1, 2, flows), t1 = new FrameTemplate(64, 1, 1, 2, flows);
        for (int s = 0; s < 1000; s++) {
            t0.write(mem, 0, 0, s, 0);
            a0.onFrame(mem, 0, 60, (s + 1) * 1000L);
            if (s % 100 == 5) continue;
            t1.write(mem, 0, 0, s, 0);
            a1.onFrame(mem, 0, 60, 20_000);
            if (s == 7) a1.onFrame(mem, 0, 60, 20_000);
        }
        byte[] arp = new byte[60];
        arp[12] = 8; arp[13] = 6;
        a1.onFrame(MemorySegment.ofArray(arp), 0, 60, 0);
        return Report.builder(2.0).info("frame_size", "64").info("note", "quote \" back\\slash\nnewline\ttab \u0001")
                .queue(0, 1000, 64_000, a0).queue(1, 1000, 64_000, a1).build();
    }

    /** The number {@code n} holds; fails if it is missing or not a number. */
    static double num(JsonNode n) {
        assertTrue(n != null && n.isNumber(), "not a number: " + n);
        return n.doubleValue();
    }

    @Test
    void jsonParsesAndHasTheRequiredFields() throws Exception {
        Report r = sample();
        String text = ReportWriter.json(r);
        JsonNode top = Json.MAPPER.readTree(text);
        assertEquals("64", top.get("info").get("frame_size").textValue());
        assertEquals("quote \" back\\slash\nnewline\ttab \u0001", top.get("info").get("note").textValue(), "escaping round-trips");
        assertEquals(2000.0, num(top.get("tx_packets")));
        assertEquals(1990.0, num(top.get("rx_packets")));
        assertEquals(1000.0, num(top.get("tx_pps")));
        assertEquals(995.0, num(top.get("rx_pps")));
        assertEquals(0.005, num(top.get("loss_ratio")), 1e-12);
        assertEquals(1.0, num(top.get("duplicates")));
        assertEquals(1.0, num(top.get("foreign")));
        assertEquals(1000 * 64 * 8 / 1e9, num(top.get("tx_gbps_l2")), 1e-15);
        assertEquals(1000 * 84 * 8 / 1e9, num(top.get("tx_gbps_line")), 1e-15);
        JsonNode lat = top.get("latency_ns");
        for (String k : List.of("min", "p50", "p90", "p99", "p999", "max")) assertTrue(lat.get(k).isNumber(), k);
        assertEquals(1990.0, num(lat.get("samples")));
        assertEquals(1000.0, num(lat.get("min")));
        assertEquals(1_000_000, num(lat.get("max")), 1000);
        assertTrue(num(lat.get("p50")) <= num(lat.get("p90")) && num(lat.get("p90")) <= num(lat.get("p99"))
                && num(lat.get("p99")) <= num(lat.get("p999")) && num(lat.get("p999")) <= num(lat.get("max")));
        JsonNode queues = top.get("queues");
        assertEquals(2, queues.size());
        JsonNode q1 = queues.get(1);
        assertEquals(1.0, num(q1.get("queue")));
        assertEquals(0.01, num(q1.get("loss_ratio")), 1e-12);
        assertEquals(20_000.0, num(q1.get("latency_ns").get("p50")), 20);
        assertEquals(0.0, num(queues.get(0).get("loss_ratio")));
        assertTrue(text.startsWith("{\n  \"info\": {\n    \"frame_size\": \"64\",\n") && text.endsWith("\n}\n"),
                "pretty-printed, two spaces, ending in a newline: " + text);
    }

    @Test
    void ndrResultIsEmbedded() throws Exception {
        NdrSearch.Result ndr = new NdrSearch(NdrSearch.Config.of(1e5, 1e7)).run(NdrSearchTest.device(2e6));
        JsonNode top = Json.MAPPER.readTree(ReportWriter.json(sample(), ndr));
        JsonNode n = top.get("ndr");
        assertEquals(ndr.ndrPps(), num(n.get("ndr_pps")), 1e-6);
        assertEquals(ndr.steps().size(), n.get("trials").size());
        assertTrue(top.has("tx_pps"));
        assertFalse(Json.MAPPER.readTree(ReportWriter.json(sample())).has("ndr"));
    }

    @Test
    void emptyLatencyAndNothingSentAreNulls() throws Exception {
        RxAccounting a = new RxAccounting(0, HZ);
        Report r = Report.builder(1).queue(0, 0, 0, a).build();
        JsonNode top = Json.MAPPER.readTree(ReportWriter.json(r));
        assertTrue(top.has("loss_ratio"));
        assertTrue(top.get("loss_ratio").isNull());
        JsonNode lat = top.get("latency_ns");
        assertEquals(0.0, num(lat.get("samples")));
        assertTrue(lat.has("p99"));
        assertTrue(lat.get("p99").isNull());
        assertTrue(lat.get("mean").isNull());
        assertTrue(ReportWriter.table(r).contains("-"));
    }

    @Test
    void tableShowsEveryQueueAndTheTotal() {
        String t = ReportWriter.table(sample());
        assertTrue(t.contains("frame_size=64"));
        String[] lines = t.split("\n");
        assertTrue(java.util.Arrays.stream(lines).anyMatch(l -> l.startsWith("total ") && l.contains("2000") && l.contains("1990")
                && l.contains("0.5000")), t);
        assertTrue(java.util.Arrays.stream(lines).anyMatch(l -> l.startsWith("1 ") && l.contains("1.0000")), t);
        assertEquals(2, java.util.Arrays.stream(lines).filter(l -> l.startsWith("total ")).count(), "throughput and latency rows");
    }

    @Test
    void csvEscapesAndLinesUp() {
        assertEquals("plain", Csv.field("plain"));
        assertEquals("\"a,b\"", Csv.field("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", Csv.field("say \"hi\""));
        assertEquals("\"two\nlines\"", Csv.field("two\nlines"));
        assertEquals("\"cr\r\"", Csv.field("cr\r"));
        assertEquals("", Csv.field(null));
        assertEquals("", Csv.field(Double.NaN));
        assertEquals("0.5", Csv.field(0.5));
        assertEquals("7", Csv.field(7L));
        assertEquals("100000000000000000000", Csv.field(1e20), "plain notation");
        assertEquals("0.000001", Csv.field(0.000001));
        assertEquals("-3", Csv.field(-3.0));
        assertEquals("1.5", Csv.field(1.5f));
        assertEquals("a,\"b,c\",3\n", Csv.row(List.of("a", "b,c", 3)));

        String header = ReportWriter.csvHeader(List.of("reflector", "queues", "size"));
        String row = ReportWriter.csvRow(List.of("testpmd io, macswap", 2, 64), sample());
        List<String> h = splitCsv(header), v = splitCsv(row);
        assertEquals(h.size(), v.size());
        assertEquals("testpmd io, macswap", v.get(0));
        assertEquals("1990", v.get(h.indexOf("rx_packets")));
        assertEquals("0.005", v.get(h.indexOf("loss_ratio")));
        assertEquals("1000", v.get(h.indexOf("lat_min_ns")));
        RxAccounting none = new RxAccounting(0, HZ);
        List<String> empty = splitCsv(ReportWriter.csvRow(List.of("x", 1, 64), Report.builder(1).queue(0, 5, 320, none).build()));
        assertEquals(h.size(), empty.size());
        assertEquals("", empty.get(h.indexOf("lat_p99_ns")));
    }

    /** RFC 4180 reader for one line (quoted fields may hold commas and doubled quotes). */
    static List<String> splitCsv(String line) {
        assertTrue(line.endsWith("\n"));
        line = line.substring(0, line.length() - 1);
        List<String> out = new java.util.ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (q) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') { b.append('"'); i++; }
                else if (c == '"') q = false;
                else b.append(c);
            } else if (c == '"') q = true;
            else if (c == ',') { out.add(b.toString()); b.setLength(0); }
            else b.append(c);
        }
        assertFalse(q, "unterminated quote");
        out.add(b.toString());
        return out;
    }
}
