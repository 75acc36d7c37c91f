package io.vswitch.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bindings.generated.LayoutRegistry;
import io.vswitch.bindings.generated.vs_layout_probe;
import io.vswitch.bindings.generated.vsshim_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every generated struct layout (size, alignment, each field's offset constant, its
 * position in {@code $LAYOUT} and its size, each bit-field's position) against what
 * gcc compiled into libvsshim.so. The generator reads clang; this test is the check
 * that the Java rendering of clang's answer is what the C side really uses.
 */
class LayoutTest {
    record Probe(long value, long extra) {}

    static Map<String, Probe> probes() {
        Map<String, Probe> m = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment table = vsshim_h.vs_layout_probes(count);
            int n = count.get(ValueLayout.JAVA_INT, 0);
            MemorySegment rows = table.reinterpret(n * vs_layout_probe.SIZEOF);
            for (int i = 0; i < n; i++) {
                MemorySegment row = rows.asSlice(i * vs_layout_probe.SIZEOF, vs_layout_probe.SIZEOF);
                String type = vs_layout_probe.type_name(row).reinterpret(256).getString(0);
                String field = vs_layout_probe.field_name(row).reinterpret(256).getString(0);
                char kind = (char) vs_layout_probe.kind(row);
                m.put(kind + ":" + type + ":" + field,
                        new Probe(vs_layout_probe.value(row), vs_layout_probe.extra(row)));
            }
        }
        return m;
    }

    @Test
    void everyGeneratedLayoutMatchesGcc() {
        Map<String, Probe> gcc = probes();
        assertFalse(LayoutRegistry.ALL.isEmpty(), "no generated structs");
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (LayoutInfo s : LayoutRegistry.ALL) {
            Probe sp = gcc.get("S:" + s.name() + ":");
            assertNotNull(sp, "gcc has no probe for struct " + s.name() + ": regenerate (bindings/gen/regenerate.sh)");
            check(mismatches, s.name() + " sizeof", sp.value(), s.layout().byteSize());
            check(mismatches, s.name() + " alignof", sp.extra(), s.layout().byteAlignment());
            for (LayoutInfo.Field f : s.fields()) {
                Probe fp = gcc.get("F:" + s.name() + ":" + f.cName());
                assertNotNull(fp, "gcc has no probe for " + s.name() + "." + f.cName());
                String what = s.name() + "." + f.cName();
                PathElement[] path = f.path().stream().map(PathElement::groupElement).toArray(PathElement[]::new);
                check(mismatches, what + " offset constant", fp.value(), f.offset());
                check(mismatches, what + " offset in $LAYOUT", fp.value(), s.layout().byteOffset(path));
                MemoryLayout fl = s.layout().select(path);
                check(mismatches, what + " size", fp.extra(), fl.byteSize());
                checked++;
            }
            for (LayoutInfo.Bit b : s.bitfields()) {
                Probe bp = gcc.get("B:" + s.name() + ":" + b.cName());
                assertNotNull(bp, "gcc has no probe for bit-field " + s.name() + "." + b.cName());
                check(mismatches, s.name() + "." + b.cName() + " bit offset", bp.value(), b.bitOffset());
                check(mismatches, s.name() + "." + b.cName() + " bit width", bp.extra(), b.bitWidth());
                checked++;
            }
        }
        assertTrue(mismatches.isEmpty(), "generated layouts disagree with gcc:\n  " + String.join("\n  ", mismatches));
        assertEquals(gcc.size(), checked + LayoutRegistry.ALL.size(),
                "gcc probes and generated fields differ in number: regenerate (bindings/gen/regenerate.sh)");
    }

    @Test
    void bitfieldReaderFollowsGccLayout() {
        // rte_eth_link: uint32_t link_speed; uint16_t link_duplex:1, link_autoneg:1, link_status:1
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment link = arena.allocate(io.vswitch.bindings.generated.rte_eth_link.$LAYOUT);
            link.set(ValueLayout.JAVA_BYTE, 4, (byte) 0b100); // status=1, others 0
            assertEquals(1, io.vswitch.bindings.generated.rte_eth_link.link_status(link));
            assertEquals(0, io.vswitch.bindings.generated.rte_eth_link.link_duplex(link));
        }
    }

    private static void check(List<String> out, String what, long gcc, long java) {
        if (gcc != java) {
            out.add(what + ": gcc " + gcc + ", generated " + java);
        }
    }
}
