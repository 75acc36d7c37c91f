package io.vswitch.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Typed params access: absent vs null, types, ranges and the messages that name the parameter. */
class ParamsTest {
    static Params params(String json) throws Exception {
        return Params.of(JsonRpc.MAPPER.readTree(json));
    }

    static String refusal(org.junit.jupiter.api.function.Executable e) {
        RpcError err = assertThrows(RpcError.class, e);
        assertEquals(RpcError.INVALID_PARAMS, err.code());
        return err.getMessage();
    }

    @Test
    void absentAndNullParamsAreEmpty() throws Exception {
        assertFalse(Params.of(null).has("x"));
        assertTrue(Params.of(JsonRpc.MAPPER.nullNode()).node().isEmpty());
        assertTrue(Params.empty().node().isEmpty());
    }

    @Test
    void nullValuesReadAsAbsent() throws Exception {
        Params p = params("{\"port\":null,\"n\":null}");
        assertFalse(p.has("port"));
        assertNull(p.optString("port"));
        assertNull(p.optInteger("n", 1, 2));
        assertEquals(7, p.optInteger("n", 1, 9, 7));
        assertEquals("params.port: missing, expected a string", refusal(() -> p.string("port")));
    }

    @Test
    void typesAreChecked() throws Exception {
        Params p = params("{\"s\":1,\"i\":\"1\",\"b\":\"yes\",\"big\":99999999999999999999,\"ok\":true}");
        assertEquals("params.s: expected a string, got 1", refusal(() -> p.string("s")));
        assertEquals("params.i: expected an integer 0..9, got \"1\"", refusal(() -> p.integer("i", 0, 9)));
        assertEquals("params.b: expected true or false, got \"yes\"", refusal(() -> p.optBoolean("b", false)));
        assertEquals("params.big: expected an integer 0..9, got 99999999999999999999", refusal(() -> p.integer("big", 0, 9)));
        assertTrue(p.optBoolean("ok", false));
    }

    @Test
    void longValuesAreShortenedInMessages() throws Exception {
        ObjectNode n = JsonRpc.MAPPER.createObjectNode().put("s", "x".repeat(100));
        String m = refusal(() -> Params.of(n).integer("s", 1, 2));
        assertEquals("params.s: expected an integer 1..2, got \"" + "x".repeat(36) + "...", m);
    }

    @Test
    void onlyNamesTheFirstUnknownParam() throws Exception {
        Params p = params("{\"port\":\"vm0\",\"prot\":1,\"x\":2}");
        assertEquals("params.prot: unknown parameter (expected port)", refusal(() -> p.only("port")));
        assertEquals(p, p.only("port", "prot", "x"));
        assertEquals("params.port: unknown parameter (this method takes none)", refusal(() -> p.only()));
    }

    @Test
    void portNames() throws Exception {
        Params p = params("{\"port\":\"vm0\",\"bad\":\"-x\"}");
        assertEquals("vm0", p.portName("port"));
        assertNull(p.optPortName("none"));
        assertEquals("params.bad: expected " + PortRequest.NAME_RULE + ", got \"-x\"", refusal(() -> p.portName("bad")));
    }

    @Test
    void rpcErrorMessagesAreOneLine() {
        RpcError e = new RpcError(RpcError.PORT_NOT_CREATED, "  cannot bind\n  /tmp/x: in use \r\n");
        assertEquals("cannot bind /tmp/x: in use", e.getMessage());
        assertEquals("cannot create port vm0: socket path /tmp/x in use", RpcError.portNotCreated("vm0",
                "socket path /tmp/x in use").getMessage());
        assertEquals(RpcError.PORT_EXISTS, RpcError.portExists("vm0").code());
        assertEquals("a port named vm0 already exists", RpcError.portExists("vm0").getMessage());
        assertEquals(RpcError.LIMIT_REACHED, RpcError.limitReached("too many ports").code());
    }
}
