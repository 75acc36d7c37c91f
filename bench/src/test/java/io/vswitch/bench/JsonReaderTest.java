package io.vswitch.bench;

import io.vswitch.gen.JsonReader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reading the generator's report: the fields the sweep takes from vswitch-gen's JSON. */
class JsonReaderTest {
    static final String REPORT = """
            {"tx_pps": 2.0E7, "rx_pps": 19990000.5, "loss_ratio": 0.0005,
             "latency_ns": {"p50": 5120, "p99": 9000, "p999": 12000, "max": 40000},
             "queues": [{"tx_pps": 1e7}], "note": "x\\"y"}
            """;

    @Test
    void numbersByPath() {
        Object doc = JsonReader.parse(REPORT);
        assertEquals(2.0e7, JsonReader.number(doc, "tx_pps"));
        assertEquals(19990000.5, JsonReader.number(doc, "rx_pps"));
        assertEquals(5120.0, JsonReader.number(doc, "latency_ns", "p50"));
        assertEquals(9000.0, JsonReader.number(doc, "latency_ns", "p99"));
    }

    @Test
    void missingOrNonNumericIsNaN() {
        Object doc = JsonReader.parse(REPORT);
        assertTrue(Double.isNaN(JsonReader.number(doc, "latency_ns", "p90")));
        assertTrue(Double.isNaN(JsonReader.number(doc, "note")));
        assertTrue(Double.isNaN(JsonReader.number(doc, "tx_pps", "deeper")));
        assertTrue(Double.isNaN(JsonReader.number(doc, "queues")));
    }

    @Test
    void brokenJsonIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"tx_pps\": }"));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{} trailing"));
    }
}
