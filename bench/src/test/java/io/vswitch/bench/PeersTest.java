package io.vswitch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Peers.ReflectorKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Names of reflectors and generators, and the point grid. */
class PeersTest {
    @Test
    void parsesReflectors() {
        assertEquals(new Reflector(ReflectorKind.VSWITCH, "macswap"), Reflector.parse("vswitch-macswap"));
        assertEquals(new Reflector(ReflectorKind.TESTPMD, "io"), Reflector.parse(" Testpmd-IO "));
        assertEquals(new Reflector(ReflectorKind.VSWITCH, "5tswap"), Reflector.parse("vswitch-5tswap"));
        assertEquals("testpmd-io", Reflector.parse("testpmd-io").id());
        assertEquals("vswitch macswap", Reflector.parse("vswitch-macswap").label());
    }

    @Test
    void unknownReflectorNamesTheForm() {
        for (String bad : List.of("ovs-io", "vswitch", "vswitch-", "testpmd-mac", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reflector.parse(bad));
            assertTrue(e.getMessage().contains("vswitch-MODE or testpmd-MODE"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Reflector(ReflectorKind.VSWITCH, "rxonly"));
    }

    @Test
    void parsesGenerators() {
        assertEquals(Generator.FLOWGEN, Generator.parse("flowgen"));
        assertEquals(Generator.VSWITCH_GEN, Generator.parse("VSWITCH-GEN"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Generator.parse("pktgen"));
        assertTrue(e.getMessage().contains("vswitch-gen or flowgen"));
    }

    @Test
    void gridNestsGeneratorReflectorQueuesSize() {
        List<Point> p = Peers.points(List.of(Reflector.parse("vswitch-io"), Reflector.parse("testpmd-io")),
                List.of(Generator.FLOWGEN, Generator.VSWITCH_GEN), List.of(1, 2), List.of(64, 1518));
        assertEquals(16, p.size());
        assertEquals(new Point(new Config(Reflector.parse("vswitch-io"), Generator.FLOWGEN, 1), 64), p.get(0));
        assertEquals(new Point(new Config(Reflector.parse("vswitch-io"), Generator.FLOWGEN, 1), 1518), p.get(1));
        assertEquals(new Point(new Config(Reflector.parse("vswitch-io"), Generator.FLOWGEN, 2), 64), p.get(2));
        assertEquals(new Point(new Config(Reflector.parse("testpmd-io"), Generator.FLOWGEN, 1), 64), p.get(4));
        assertEquals(Generator.VSWITCH_GEN, p.get(8).config().generator());
        assertEquals("vswitch io <- flowgen, 2q, 64 B", p.get(2).toString());
    }

    @Test
    void sizesAndQueuesAreChecked() {
        Config c = new Config(Reflector.parse("vswitch-io"), Generator.FLOWGEN, 1);
        assertThrows(IllegalArgumentException.class, () -> new Point(c, 63));
        assertThrows(IllegalArgumentException.class, () -> new Point(c, 1519));
        assertThrows(IllegalArgumentException.class, () -> new Config(Reflector.parse("vswitch-io"), Generator.FLOWGEN, 0));
    }
}
