package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import org.junit.jupiter.api.Test;

/** Reading the generator's report: the fields the sweep takes from vswitch-gen's JSON ({@link Harness#number}). */
class GenReportReadingTest {
    static final String REPORT = """
            {"tx_pps": 2.0E7, "rx_pps": 19990000.5, "loss_ratio": 0.0005,
             "latency_ns": {"p50": 5120, "p90": null, "p99": 9000, "p999": 12000, "max": 40000},
             "queues": [{"tx_pps": 1e7}], "note": "x\\"y"}
            """;

    @Test
    void numbersByPath() throws Exception {
        JsonNode doc = Json.MAPPER.readTree(REPORT);
        assertEquals(2.0e7, Harness.number(doc, "/tx_pps"));
        assertEquals(19990000.5, Harness.number(doc, "/rx_pps"));
        assertEquals(5120.0, Harness.number(doc, "/latency_ns/p50"));
        assertEquals(9000.0, Harness.number(doc, "/latency_ns/p99"));
    }

    @Test
    void missingNullOrNonNumericIsNaN() throws Exception {
        JsonNode doc = Json.MAPPER.readTree(REPORT);
        assertTrue(Double.isNaN(Harness.number(doc, "/latency_ns/p90")), "null");
        assertTrue(Double.isNaN(Harness.number(doc, "/latency_ns/p95")), "missing");
        assertTrue(Double.isNaN(Harness.number(doc, "/note")));
        assertTrue(Double.isNaN(Harness.number(doc, "/tx_pps/deeper")));
        assertTrue(Double.isNaN(Harness.number(doc, "/queues")));
        assertTrue(Double.isNaN(Harness.number(Json.MAPPER.readTree("[1, 2]"), "/tx_pps")), "not an object");
    }

    @Test
    void brokenJsonIsRejected() {
        assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree("{\"tx_pps\": }"));
        assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree("{} trailing"));
    }
}
