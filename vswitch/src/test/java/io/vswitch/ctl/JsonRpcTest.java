package io.vswitch.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dispatcher: every error path of the protocol, ids, notifications and result serialisation. */
class JsonRpcTest {
    final JsonRpc rpc = new JsonRpc();
    final List<String> calls = new ArrayList<>();
    final List<String> internalErrors = new ArrayList<>();

    record Rxq(int queue, int lcore, boolean enabled) {}

    record Port(String name, int portId, Integer vlan, List<Rxq> rxqs) {}

    @BeforeEach
    void methods() {
        rpc.registerBuiltins("vswitch 9.9");
        rpc.register("port.del", p -> {
            p.only("name");
            String name = p.portName("name");
            calls.add("port.del " + name);
            if (name.equals("vm9")) {
                throw RpcError.noSuchPort(name);
            }
            return JsonRpc.MAPPER.createObjectNode().put("name", name).put("removed", true);
        });
        rpc.register("set.queues", p -> {
            p.only("queues");
            return p.integer("queues", 1, 32);
        });
        rpc.register("port.get", p -> new Port("vm0", 3, null, List.of(new Rxq(0, 1, true))));
        rpc.register("boom", p -> {
            throw new IllegalStateException("the table\nis on fire");
        });
        rpc.register("npe", p -> {
            throw new NullPointerException();
        });
        rpc.register("nothing", p -> null);
        rpc.onInternalError((m, t) -> internalErrors.add(m + ": " + t));
    }

    JsonNode call(String line) throws Exception {
        String resp = rpc.handle(line);
        assertTrue(resp != null, "no response to " + line);
        assertFalse(resp.contains("\n"), "a response is one line: " + resp);
        JsonNode r = JsonRpc.MAPPER.readTree(resp);
        assertEquals("2.0", r.get("jsonrpc").asText());
        assertTrue(r.has("id"), "every response has an id member: " + resp);
        assertTrue(r.has("result") != r.has("error"), "result xor error: " + resp);
        return r;
    }

    void assertError(int code, String message, JsonNode r) {
        assertTrue(r.has("error"), "expected an error: " + r);
        assertEquals(code, r.get("error").get("code").asInt(), r.toString());
        assertEquals(message, r.get("error").get("message").asText());
    }

    @Test
    void resultAndNumericIdEchoed() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":7}");
        assertEquals("pong", r.get("result").asText());
        assertEquals(7, r.get("id").asInt());
        assertTrue(r.get("id").isInt());
    }

    @Test
    void stringIdEchoedAndResponseIsExactJson() {
        assertEquals("{\"jsonrpc\":\"2.0\",\"result\":\"pong\",\"id\":\"abc-1\"}",
                rpc.handle("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":\"abc-1\"}"));
    }

    @Test
    void nullIdIsARequestNotANotification() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":null}");
        assertEquals("pong", r.get("result").asText());
        assertTrue(r.get("id").isNull());
    }

    @Test
    void versionReportsProtocol1() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"version\",\"id\":1}").get("result");
        assertEquals("vswitch 9.9", r.get("version").asText());
        assertEquals(1, r.get("protocol").asInt());
    }

    @Test
    void recordsSerialiseSnakeCaseWithNulls() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"port.get\",\"id\":1}").get("result");
        assertEquals("{\"name\":\"vm0\",\"port_id\":3,\"vlan\":null,\"rxqs\":[{\"queue\":0,\"lcore\":1,\"enabled\":true}]}",
                r.toString());
    }

    @Test
    void nullResultIsSent() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":1}");
        assertTrue(r.get("result").isNull());
    }

    @Test
    void malformedJsonIsParseErrorWithNullId() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":");
        assertEquals(RpcError.PARSE_ERROR, r.get("error").get("code").asInt());
        assertTrue(r.get("error").get("message").asText().startsWith("parse error: "), r.toString());
        assertTrue(r.get("id").isNull());
        assertEquals(RpcError.PARSE_ERROR, call("not json").get("error").get("code").asInt());
    }

    @Test
    void trailingGarbageAndDuplicateKeysAreParseErrors() throws Exception {
        assertEquals(RpcError.PARSE_ERROR,
                call("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1} x").get("error").get("code").asInt());
        JsonNode dup = call("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"method\":\"port.del\",\"id\":1}");
        assertEquals(RpcError.PARSE_ERROR, dup.get("error").get("code").asInt());
        assertTrue(dup.get("error").get("message").asText().contains("method"), dup.toString());
    }

    @Test
    void emptyLineIsParseError() throws Exception {
        assertError(RpcError.PARSE_ERROR, "parse error: empty line, expected a JSON-RPC request object", call(""));
        assertError(RpcError.PARSE_ERROR, "parse error: empty line, expected a JSON-RPC request object", call("  \r"));
    }

    @Test
    void notAnObjectIsInvalidRequest() throws Exception {
        assertError(RpcError.INVALID_REQUEST, "a request is a JSON object, got a number", call("42"));
        assertError(RpcError.INVALID_REQUEST, "a request is a JSON object, got a string", call("\"ping\""));
    }

    @Test
    void batchesAreRefused() throws Exception {
        JsonNode r = call("[{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}]");
        assertError(RpcError.INVALID_REQUEST, "batches are not supported: send one request per line", r);
        assertTrue(r.get("id").isNull());
        assertError(RpcError.INVALID_REQUEST, "batches are not supported: send one request per line", call("[]"));
    }

    @Test
    void wrongOrMissingJsonrpcIsInvalidRequestWithTheIdEchoed() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"1.0\",\"method\":\"ping\",\"id\":5}");
        assertError(RpcError.INVALID_REQUEST, "jsonrpc: expected \"2.0\", got \"1.0\"", r);
        assertEquals(5, r.get("id").asInt());
        assertError(RpcError.INVALID_REQUEST, "jsonrpc: expected \"2.0\", got 2",
                call("{\"jsonrpc\":2,\"method\":\"ping\",\"id\":5}"));
        assertError(RpcError.INVALID_REQUEST, "jsonrpc: missing, expected \"2.0\"", call("{\"method\":\"ping\",\"id\":5}"));
    }

    @Test
    void invalidRequestWithoutIdIsStillAnswered() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"1.0\",\"method\":\"ping\"}");
        assertError(RpcError.INVALID_REQUEST, "jsonrpc: expected \"2.0\", got \"1.0\"", r);
        assertTrue(r.get("id").isNull());
    }

    @Test
    void missingOrIllTypedMethodIsInvalidRequest() throws Exception {
        assertError(RpcError.INVALID_REQUEST, "method: missing, expected a string", call("{\"jsonrpc\":\"2.0\",\"id\":1}"));
        assertError(RpcError.INVALID_REQUEST, "method: expected a string, got 3",
                call("{\"jsonrpc\":\"2.0\",\"method\":3,\"id\":1}"));
    }

    @Test
    void idOfAWrongTypeIsInvalidRequestWithNullId() throws Exception {
        for (String id : List.of("{}", "[1]", "true")) {
            JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":" + id + "}");
            assertError(RpcError.INVALID_REQUEST, "id: expected a string, a number or null, got " + id, r);
            assertTrue(r.get("id").isNull());
        }
    }

    @Test
    void unknownRequestMemberIsRefusedSoATypoNeverDropsTheParams() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"parms\":{\"name\":\"vm0\"},\"id\":2}");
        assertError(RpcError.INVALID_REQUEST, "unknown member \"parms\": a request has jsonrpc, method, params and id", r);
        assertEquals(2, r.get("id").asInt());
        assertTrue(calls.isEmpty());
    }

    @Test
    void unknownMethodIsNamed() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"port.ad\",\"id\":1}");
        assertError(RpcError.METHOD_NOT_FOUND, "method not found: port.ad", r);
        assertEquals(1, r.get("id").asInt());
    }

    @Test
    void missingParamIsNamed() throws Exception {
        assertError(RpcError.INVALID_PARAMS, "params.name: missing, expected " + PortRequest.NAME_RULE,
                call("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"id\":1}"));
        assertError(RpcError.INVALID_PARAMS, "params.queues: missing, expected an integer 1..32",
                call("{\"jsonrpc\":\"2.0\",\"method\":\"set.queues\",\"params\":{},\"id\":1}"));
    }

    @Test
    void wrongTypedParamIsNamedWithWhatWasExpectedAndGot() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"set.queues\",\"params\":{\"queues\":\"two\"},\"id\":1}");
        assertError(RpcError.INVALID_PARAMS, "params.queues: expected an integer 1..32, got \"two\"", r);
        assertEquals("queues", r.get("error").get("data").get("param").asText());
        assertError(RpcError.INVALID_PARAMS, "params.queues: expected an integer 1..32, got 33",
                call("{\"jsonrpc\":\"2.0\",\"method\":\"set.queues\",\"params\":{\"queues\":33},\"id\":1}"));
        assertError(RpcError.INVALID_PARAMS, "params.queues: expected an integer 1..32, got 1.5",
                call("{\"jsonrpc\":\"2.0\",\"method\":\"set.queues\",\"params\":{\"queues\":1.5},\"id\":1}"));
        assertEquals(4, call("{\"jsonrpc\":\"2.0\",\"method\":\"set.queues\",\"params\":{\"queues\":4},\"id\":1}")
                .get("result").asInt());
    }

    @Test
    void unknownParamIsNamed() throws Exception {
        assertError(RpcError.INVALID_PARAMS, "params.nmae: unknown parameter (expected name)",
                call("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":{\"nmae\":\"vm0\"},\"id\":1}"));
        assertError(RpcError.INVALID_PARAMS, "params.verbose: unknown parameter (this method takes none)",
                call("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"params\":{\"verbose\":true},\"id\":1}"));
        assertTrue(calls.isEmpty());
    }

    @Test
    void paramsByPositionOrScalarAreRefused() throws Exception {
        assertError(RpcError.INVALID_PARAMS, "params: expected an object (parameters by name), got an array",
                call("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":[\"vm0\"],\"id\":1}"));
        assertError(RpcError.INVALID_REQUEST, "params: expected an object, got a string",
                call("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":\"vm0\",\"id\":1}"));
    }

    @Test
    void handlerRpcErrorKeepsItsCodeAndMessage() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":{\"name\":\"vm9\"},\"id\":\"x\"}");
        assertError(RpcError.NO_SUCH_PORT, "no port named vm9", r);
        assertEquals("x", r.get("id").asText());
        assertFalse(r.get("error").has("data"));
        assertTrue(internalErrors.isEmpty(), "a refusal is not a bug");
    }

    @Test
    void handlerRuntimeExceptionIsInternalErrorAndTheDispatcherGoesOn() throws Exception {
        JsonNode r = call("{\"jsonrpc\":\"2.0\",\"method\":\"boom\",\"id\":1}");
        assertError(RpcError.INTERNAL_ERROR, "the table is on fire", r);
        assertEquals(List.of("boom: java.lang.IllegalStateException: the table\nis on fire"), internalErrors);
        assertError(RpcError.INTERNAL_ERROR, "NullPointerException", call("{\"jsonrpc\":\"2.0\",\"method\":\"npe\",\"id\":2}"));
        assertEquals("pong", call("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":3}").get("result").asText());
    }

    @Test
    void notificationRunsAndGetsNoResponseNotEvenAnError() {
        assertNull(rpc.handle("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":{\"name\":\"vm0\"}}"));
        assertEquals(List.of("port.del vm0"), calls);
        assertNull(rpc.handle("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":{\"name\":\"vm9\"}}"));
        assertNull(rpc.handle("{\"jsonrpc\":\"2.0\",\"method\":\"no.such\"}"));
        assertNull(rpc.handle("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":{\"x\":1}}"));
        assertNull(rpc.handle("{\"jsonrpc\":\"2.0\",\"method\":\"boom\"}"));
        assertEquals(List.of("port.del vm0", "port.del vm9"), calls);
        assertEquals(1, internalErrors.size(), "a failing notification is still reported as a bug");
    }

    @Test
    void aMethodIsRegisteredOnce() {
        assertThrows(IllegalStateException.class, () -> rpc.register("ping", p -> "again"));
        assertTrue(rpc.methods().containsAll(List.of("ping", "version", "port.del")));
    }

    @Test
    void errorLineForTheServersOwnErrors() {
        assertEquals("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"too long\"},\"id\":null}",
                JsonRpc.errorLine(RpcError.INVALID_REQUEST, "too long"));
    }
}
