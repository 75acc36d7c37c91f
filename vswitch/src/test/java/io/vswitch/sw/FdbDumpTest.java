package io.vswitch.sw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import io.vswitch.datapath.MacTable;
import org.junit.jupiter.api.Test;

/** The SIGUSR1 MAC table dump: the fdb/show-like layout, and port names that need escaping. */
class FdbDumpTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_000 * S;
    static final long A = 0x020000AABB01L, B = 0x525400123456L, C = 0x000000000001L;

    static MacTable table(int capacity) {
        return new MacTable(capacity, MacTable.DEFAULT_MAX_AGE_NANOS, 42);
    }

    @Test
    void oneEntryPerLineSortedByPortVlanMac() throws Exception {
        MacTable t = table(16);
        t.learn(B, 10, 1, T0);
        t.learn(A, 0, 1, T0 + 2 * S);
        t.learn(C, 0, 0, T0 + 5 * S);
        t.learn(0x0A0B0C0D0E0FL, 0, 2, T0 - 400 * S);             // aged: not listed
        String json = FdbDump.json(t, T0 + 10 * S, p -> p == 2 ? null : "net_vhost" + p);
        assertEquals("""
                {"capacity":16,"entries":3,"learn_failures":0,"max_age_s":300,"fdb":[
                 {"port":0,"name":"net_vhost0","vlan":0,"mac":"00:00:00:00:00:01","age_s":5},
                 {"port":1,"name":"net_vhost1","vlan":0,"mac":"02:00:00:aa:bb:01","age_s":8},
                 {"port":1,"name":"net_vhost1","vlan":10,"mac":"52:54:00:12:34:56","age_s":10}
                ]}
                """, json);
        assertEquals("""
                {"capacity":4,"entries":0,"learn_failures":0,"max_age_s":300,"fdb":[]}
                """, FdbDump.json(table(4), T0, null));
    }

    @Test
    void aPortWithoutANameHasNoNameField() throws Exception {
        MacTable t = table(16);
        t.learn(A, 0, 2, T0);
        t.learn(B, 0, 0, T0);
        JsonNode fdb = Json.MAPPER.readTree(FdbDump.json(t, T0, p -> p == 2 ? null : "net_vhost" + p)).get("fdb");
        assertEquals("net_vhost0", fdb.get(0).get("name").textValue());
        assertFalse(fdb.get(1).has("name"), fdb.toString());
        assertEquals(2, fdb.get(1).get("port").intValue());
    }

    @Test
    void portNamesWithQuotesAndBackslashesAreValidJson() throws Exception {
        MacTable t = table(16);
        t.learn(A, 0, 0, T0);
        t.learn(B, 0, 1, T0);
        t.learn(C, 0, 2, T0);
        String[] names = {"net_tap0,iface=\"vsw0\"", "net_vhost1,iface=C:\\tmp\\vm1.sock", "tab\there\nand\u0001"};
        String json = FdbDump.json(t, T0, p -> names[p]);
        assertEquals(5, json.lines().count(), "one entry per line, no raw newline in a name: " + json);
        JsonNode fdb = Json.MAPPER.readTree(json).get("fdb");
        assertEquals(3, fdb.size());
        for (int p = 0; p < 3; p++) {
            assertEquals(p, fdb.get(p).get("port").intValue());
            assertEquals(names[p], fdb.get(p).get("name").textValue(), "name of port " + p + " round-trips");
        }
        assertTrue(json.contains("\"name\":\"net_tap0,iface=\\\"vsw0\\\"\""), json);
        assertTrue(json.contains("\"name\":\"net_vhost1,iface=C:\\\\tmp\\\\vm1.sock\""), json);
    }
}
