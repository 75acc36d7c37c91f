package io.vswitch.bench;

import io.vswitch.bench.Harness.Measurement;
import io.vswitch.bench.Peers.Config;
import io.vswitch.bench.Peers.Generator;
import io.vswitch.bench.Peers.Point;
import io.vswitch.bench.Peers.Reflector;
import io.vswitch.bench.Results.PointResult;
import java.util.ArrayList;
import java.util.List;

/** Made-up measurements for the presentation tests. */
final class Fixtures {
    private Fixtures() {}

    static Measurement m(double txPps, double rxPps) {
        return new Measurement(txPps, rxPps, 1 - rxPps / txPps, Double.NaN, Double.NaN, new double[] {rxPps}, 7.5);
    }

    static PointResult pr(String reflector, Generator g, int queues, int size, double... rxMpps) {
        return pr(new Config(Reflector.parse(reflector), g, queues), size, rxMpps);
    }

    static PointResult pr(Config c, int size, double... rxMpps) {
        List<Measurement> runs = new ArrayList<>();
        for (double r : rxMpps) runs.add(m(r * 1e6 * 1.01, r * 1e6));
        return new PointResult(new Point(c, size), runs);
    }

    /** sweep --switch's points: {@code sw} true for the switch, false for the two-port reflector (vswitch io). */
    static PointResult loop(boolean sw, int size, double... rxMpps) {
        return pr(new Config(sw ? Reflector.SWITCH : Reflector.parse("vswitch-io"), Generator.TESTPMD_LOOP, 1), size, rxMpps);
    }
}
