package io.vswitch;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The shared Jackson configuration: strict reading, non-finite numbers as null, the three layouts. */
class JsonTest {
    @Test
    void nonFiniteNumbersAreWrittenAsNull() throws Exception {
        ObjectNode o = Json.MAPPER.createObjectNode().put("nan", Double.NaN).put("inf", Double.NEGATIVE_INFINITY)
                .put("f", Float.POSITIVE_INFINITY).put("x", 1.5).put("n", 7L);
        o.putArray("a").add(Double.NaN).add(2.0);
        String s = Json.MAPPER.writeValueAsString(o);
        assertEquals("{\"nan\":null,\"inf\":null,\"f\":null,\"x\":1.5,\"n\":7,\"a\":[null,2.0]}", s);
        record R(double v, Double w) {}
        assertEquals("{\"v\":null,\"w\":null}", Json.MAPPER.writeValueAsString(new R(Double.NaN, Double.POSITIVE_INFINITY)));
        assertEquals("{\"v\":null,\"w\":null}", Json.PRETTY.writeValueAsString(new R(Double.NaN, Double.NaN)).replaceAll("\\s", ""));
    }

    @Test
    void stringsAreEscapedAndReadBack() throws Exception {
        String nasty = "quote \" back\\slash\nnewline\ttab \u0001 \u2028";
        String s = Json.MAPPER.writeValueAsString(Json.MAPPER.createObjectNode().put("k", nasty));
        assertFalse(s.contains("\n"), s);
        assertEquals(nasty, Json.MAPPER.readTree(s).get("k").textValue());
    }

    @Test
    void readingIsStrict() throws Exception {
        assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree("{\"tx_pps\": }"));
        assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree("{} trailing"));
        assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree("{\"a\":1,\"a\":2}"));
        assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree("{\"a\":\"raw\u0001control\"}"));
        assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree("{\"a\":NaN}"));
        JsonNode n = Json.MAPPER.readTree(" {\"a\": [1, 2.5e3, null, true]} \n");
        assertTrue(n.get("a").get(0).isIntegralNumber());
        assertEquals(2500.0, n.get("a").get(1).doubleValue());
        assertTrue(n.get("a").get(2).isNull());
        assertTrue(n.get("a").get(3).booleanValue());
    }

    @Test
    void layouts() throws Exception {
        ObjectNode o = Json.MAPPER.createObjectNode().put("a", 1);
        o.putArray("b").add(1).addObject().put("c", "d");
        o.putObject("e");
        o.putArray("f");
        assertEquals("{\"a\":1,\"b\":[1,{\"c\":\"d\"}],\"e\":{},\"f\":[]}", Json.MAPPER.writeValueAsString(o));
        assertEquals("""
                {
                  "a": 1,
                  "b": [
                    1,
                    {
                      "c": "d"
                    }
                  ],
                  "e": {},
                  "f": []
                }""", Json.PRETTY.writeValueAsString(o));
        assertEquals("""
                {"a":1,"b":[
                 1,
                 {"c":"d"}
                ],"e":{},"f":[]}""", Json.ROWS.writeValueAsString(o));
    }
}
