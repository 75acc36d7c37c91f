package io.vswitch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The programs a benchmark starts: reflectors (the vhost side) and generators (the virtio-user side). */
public final class Peers {
    private Peers() {}

    /** Which program reflects. */
    public enum ReflectorKind {
        /** {@code bin/vswitch}. */
        VSWITCH("vswitch"),
        /** {@code dpdk-testpmd} in a forwarding mode. */
        TESTPMD("testpmd");

        final String label;

        ReflectorKind(String label) {
            this.label = label;
        }
    }

    /** A reflector and its mode, e.g. {@code vswitch-macswap} or {@code testpmd-io}. */
    public record Reflector(ReflectorKind kind, String mode) {
        /** Modes both reflectors share. */
        public static final List<String> MODES = List.of("io", "macswap", "5tswap");

        public Reflector {
            if (!MODES.contains(mode)) throw new IllegalArgumentException("unknown reflector mode '" + mode + "'; modes: " + MODES);
        }

        /** Parses {@code vswitch-io}, {@code testpmd-macswap}, ... */
        public static Reflector parse(String s) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            int dash = t.indexOf('-');
            if (dash > 0) {
                String kind = t.substring(0, dash), mode = t.substring(dash + 1);
                for (ReflectorKind k : ReflectorKind.values()) {
                    if (k.label.equals(kind) && MODES.contains(mode)) return new Reflector(k, mode);
                }
            }
            throw new IllegalArgumentException("unknown reflector '" + s.strip() + "'; give vswitch-MODE or testpmd-MODE with MODE one of "
                    + String.join(", ", MODES) + " (e.g. vswitch-macswap)");
        }

        /** Command-line form, {@code vswitch-io}. */
        public String id() {
            return kind.label + "-" + mode;
        }

        /** Table label, {@code vswitch io}. */
        public String label() {
            return kind.label + " " + mode;
        }
    }

    /** Which program generates and counts the reflected traffic. */
    public enum Generator {
        /** {@code bin/vswitch-gen}. */
        VSWITCH_GEN("vswitch-gen", "vswitch-gen"),
        /** {@code dpdk-testpmd --forward-mode=flowgen}. */
        FLOWGEN("flowgen", "testpmd flowgen");

        private final String id;
        private final String label;

        Generator(String id, String label) {
            this.id = id;
            this.label = label;
        }

        /** Command-line form. */
        public String id() {
            return id;
        }

        /** Table label. */
        public String label() {
            return label;
        }

        /** Parses {@code vswitch-gen} or {@code flowgen}. */
        public static Generator parse(String s) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            for (Generator g : values()) if (g.id.equals(t)) return g;
            throw new IllegalArgumentException("unknown generator '" + s.strip() + "'; give vswitch-gen or flowgen");
        }
    }

    /** One column of a sweep's plot: reflector x generator x queue count. */
    public record Config(Reflector reflector, Generator generator, int queues) {
        public Config {
            if (queues < 1 || queues > 8) throw new IllegalArgumentException("queues must be 1..8, got " + queues);
        }

        /** e.g. {@code vswitch macswap <- flowgen, 2q}. */
        public String label() {
            return reflector.label() + " <- " + generator.id() + ", " + queues + "q";
        }
    }

    /** One measured point: a configuration at one frame size (bytes, FCS included). */
    public record Point(Config config, int size) {
        public Point {
            if (size < 64 || size > 1518) throw new IllegalArgumentException("frame size " + size + " is out of range 64..1518 (bytes, FCS included)");
        }

        @Override
        public String toString() {
            return config.label() + ", " + size + " B";
        }
    }

    /** Every point of reflectors x generators x queues x sizes, in that nesting order. */
    public static List<Point> points(List<Reflector> reflectors, List<Generator> generators, List<Integer> queues, List<Integer> sizes) {
        List<Point> out = new ArrayList<>();
        for (Generator g : generators)
            for (Reflector r : reflectors)
                for (int q : queues)
                    for (int s : sizes) out.add(new Point(new Config(r, g, q), s));
        return out;
    }
}
