package io.vswitch.sw;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import io.vswitch.datapath.MacTable;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The MAC table as JSON, the analogue of {@code ovs-appctl fdb/show} (what SIGUSR1 writes),
 * one entry per line, sorted by port, VLAN and MAC:
 *
 * <pre>
 * {"capacity":4096,"entries":2,"learn_failures":0,"max_age_s":300,"fdb":[
 *  {"port":0,"name":"net_vhost0","vlan":0,"mac":"52:54:00:00:00:01","age_s":3},
 *  ...
 * ]}
 * </pre>
 *
 * {@code entries} counts the live entries listed. Not for the fast path (allocates); safe to
 * call while lcores forward.
 */
final class FdbDump {
    private FdbDump() {}

    /**
     * @param portName the name of a port id, or null to leave names out (for that port or, if
     *                 {@code portName} itself is null, for all)
     */
    static String json(MacTable table, long nowNanos, IntFunction<String> portName) throws JsonProcessingException {
        ObjectNode o = Json.MAPPER.createObjectNode();
        List<MacTable.Entry> entries = table.entries(nowNanos);
        o.put("capacity", table.capacity()).put("entries", entries.size()).put("learn_failures", table.learnFailures())
                .put("max_age_s", table.maxAgeNanos() / 1_000_000_000L);
        ArrayNode fdb = o.putArray("fdb");
        for (MacTable.Entry e : entries) {
            ObjectNode row = fdb.addObject().put("port", e.port());
            String name = portName == null ? null : portName.apply(e.port());
            if (name != null) {
                row.put("name", name);
            }
            row.put("vlan", e.vlan()).put("mac", MacTable.formatMac(e.mac())).put("age_s", e.ageSeconds());
        }
        return Json.ROWS.writeValueAsString(o) + "\n";
    }
}
