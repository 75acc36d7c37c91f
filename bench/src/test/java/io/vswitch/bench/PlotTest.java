package io.vswitch.bench;

import static io.vswitch.bench.Fixtures.pr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Results.PointResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the plot draws, and that it writes real PNG files. */
class PlotTest {
    static List<PointResult> sample() {
        return List.of(pr("vswitch-io", Generator.FLOWGEN, 1, 1518, 2), pr("vswitch-io", Generator.FLOWGEN, 1, 64, 20, 22),
                pr("testpmd-io", Generator.FLOWGEN, 1, 64, 21), pr("testpmd-io", Generator.FLOWGEN, 1, 512, 9));
    }

    @Test
    void oneSeriesPerConfigurationSortedBySize() {
        Map<Config, double[][]> s = Plot.series(sample(), PointResult::rxMpps);
        assertEquals(2, s.size());
        double[][] v = s.values().iterator().next();
        assertArrayEquals(new double[] {64, 1518}, v[0]);
        assertArrayEquals(new double[] {21, 2}, v[1], 1e-9);
        assertEquals("vswitch io <- flowgen, 1q", s.keySet().iterator().next().label());
    }

    @Test
    void writesPngFiles(@TempDir Path dir) throws Exception {
        List<Path> files = Plot.write(dir, "test", sample());
        assertEquals(List.of(dir.resolve("throughput-mpps.png"), dir.resolve("throughput-mbps.png")), files);
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            assertTrue(b.length > 1000);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(b, 4));
        }
    }
}
