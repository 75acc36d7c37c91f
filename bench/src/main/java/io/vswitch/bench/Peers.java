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

    /**
     * Which program generates and counts the reflected traffic: on the host as virtio-user
     * ({@code vswitch-gen}, {@code flowgen}), or {@code dpdk-testpmd --forward-mode=flowgen}
     * inside a QEMU guest whose virtio-net device is bound to {@link #driver()} (sweep --guest).
     */
    public enum Generator {
        /** {@code bin/vswitch-gen}. */
        VSWITCH_GEN("vswitch-gen", "vswitch-gen", null),
        /** {@code dpdk-testpmd --forward-mode=flowgen}. */
        FLOWGEN("flowgen", "testpmd flowgen", null),
        /** testpmd flowgen in a guest, NIC bound to uio_pci_generic. */
        GUEST_UIO_PCI_GENERIC("guest-uio_pci_generic", "guest testpmd flowgen, uio_pci_generic", "uio_pci_generic"),
        /** testpmd flowgen in a guest, NIC bound to igb_uio (built from dpdk-kmods by build-guest.sh). */
        GUEST_IGB_UIO("guest-igb_uio", "guest testpmd flowgen, igb_uio", "igb_uio"),
        /** testpmd flowgen in a guest, NIC bound to vfio-pci behind an emulated intel-iommu. */
        GUEST_VFIO_PCI("guest-vfio-pci", "guest testpmd flowgen, vfio-pci", "vfio-pci");

        private final String id;
        private final String label;
        private final String driver;

        Generator(String id, String label, String driver) {
            this.id = id;
            this.label = label;
            this.driver = driver;
        }

        /** Command-line form. */
        public String id() {
            return id;
        }

        /** Table label. */
        public String label() {
            return label;
        }

        /** The guest's NIC driver, or null for a generator on the host. */
        public String driver() {
            return driver;
        }

        /** Whether this generator runs inside a QEMU guest. */
        public boolean inGuest() {
            return driver != null;
        }

        /** Guest drivers in the seed's order. */
        public static final List<String> GUEST_DRIVERS = List.of("uio_pci_generic", "igb_uio", "vfio-pci");

        /** Parses a host generator: {@code vswitch-gen} or {@code flowgen}. */
        public static Generator parse(String s) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            for (Generator g : values()) if (!g.inGuest() && g.id.equals(t)) return g;
            throw new IllegalArgumentException("unknown generator '" + s.strip() + "'; give vswitch-gen or flowgen"
                    + (t.startsWith("guest") ? " (for a guest: sweep --guest --drivers ...)" : ""));
        }

        /** The guest generator for a driver: {@code uio_pci_generic}, {@code igb_uio} or {@code vfio-pci}. */
        public static Generator guest(String driver) {
            String t = driver.strip().toLowerCase(Locale.ROOT).replace("vfio_pci", "vfio-pci");
            for (Generator g : values()) if (t.equals(g.driver)) return g;
            throw new IllegalArgumentException("unknown guest driver '" + driver.strip() + "'; give " + String.join(", ", GUEST_DRIVERS));
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
