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
        TESTPMD("testpmd"),
        /** Open vSwitch with DPDK ({@code ovs-vswitchd-dpdk}), bridge with the NORMAL action: only on the two-port loop ({@link OvsPeer}). */
        OVS("ovs");

        final String label;

        ReflectorKind(String label) {
            this.label = label;
        }
    }

    /**
     * A reflector and its mode, e.g. {@code vswitch-macswap} or {@code testpmd-io}; or
     * {@link #SWITCH}, bin/vswitch's L2 switch, which only the two-port loop can drive.
     */
    public record Reflector(ReflectorKind kind, String mode) {
        /** Modes both reflectors share. */
        public static final List<String> MODES = List.of("io", "macswap", "5tswap");

        /** {@code bin/vswitch --mode switch}: forwards port to port, so it needs {@link Topology#TWO_PORT_LOOP}. */
        public static final Reflector SWITCH = new Reflector(ReflectorKind.VSWITCH, "switch");

        /** Open vSwitch with DPDK, one bridge, the default NORMAL action (MAC learning): the two-port loop's other switch. */
        public static final Reflector OVS = new Reflector(ReflectorKind.OVS, "normal");

        public Reflector {
            boolean theSwitch = kind == ReflectorKind.VSWITCH && mode.equals("switch");
            if (kind == ReflectorKind.OVS ? !mode.equals("normal") : !MODES.contains(mode) && !theSwitch)
                throw new IllegalArgumentException("unknown reflector mode '" + mode + "'; modes: " + MODES);
        }

        /** A switch of the two-port loop ({@link #SWITCH} or {@link #OVS}), not a reflector. */
        public boolean isSwitch() {
            return equals(SWITCH) || equals(OVS);
        }

        /** Parses {@code vswitch-io}, {@code testpmd-macswap}, ... */
        public static Reflector parse(String s) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            if (t.equals(SWITCH.id()))
                throw new IllegalArgumentException("vswitch-switch forwards between two ports, which one generator port cannot drive: "
                        + "use sweep --switch (adds the switch points) or --switch-only");
            int dash = t.indexOf('-');
            if (dash > 0) {
                String kind = t.substring(0, dash), mode = t.substring(dash + 1);
                for (ReflectorKind k : ReflectorKind.values()) {
                    if (k != ReflectorKind.OVS && k.label.equals(kind) && MODES.contains(mode)) return new Reflector(k, mode);
                }
            }
            throw new IllegalArgumentException("unknown reflector '" + s.strip() + "'; give vswitch-MODE or testpmd-MODE with MODE one of "
                    + String.join(", ", MODES) + " (e.g. vswitch-macswap)"
                    + (t.startsWith("ovs") ? "; Open vSwitch is a switch: sweep --switch-only --switches ours,ovs" : ""));
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

    /** How the generator and the reflector are wired. */
    public enum Topology {
        /**
         * One vhost port: the generator sends into it and counts what the reflector sends back
         * (the rate is the generator's RX).
         */
        ONE_PORT("one-port", 1),
        /**
         * Two vhost ports, one testpmd with two virtio-user ports macswapping each port's frames
         * back out of it, seeded with a fixed population of frames (a closed loop): through the
         * switch every frame crosses from one port to the other; through a reflector it comes back
         * to its own port. The rate is what bin/vswitch transmitted on both ports.
         */
        TWO_PORT_LOOP("two-port-loop", 2),
        /**
         * Two vhost ports, {@code bin/vswitch-gen} with two virtio-user ports (a port pair): each
         * port sends to the other's MAC and the generator counts and times what crosses (sweep
         * --rate --switch-only: the switches' latency). The rate is what the generator received.
         */
        PORT_PAIR("port-pair", 2);

        private final String id;
        private final int ports;

        Topology(String id, int ports) {
            this.id = id;
            this.ports = ports;
        }

        /** CSV/JSON form. */
        public String id() {
            return id;
        }

        /** vhost ports the reflector serves. */
        public int ports() {
            return ports;
        }
    }

    /**
     * Which program generates and counts the reflected traffic: on the host as virtio-user
     * ({@code vswitch-gen}, {@code flowgen}), {@code dpdk-testpmd --forward-mode=flowgen}
     * inside a QEMU guest whose virtio-net device is bound to {@link #driver()} (sweep --guest),
     * or testpmd's two-port macswap loop for the switch ({@link #TESTPMD_LOOP}, sweep --switch).
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
        GUEST_VFIO_PCI("guest-vfio-pci", "guest testpmd flowgen, vfio-pci", "vfio-pci"),
        /**
         * {@code dpdk-testpmd} with two virtio-user ports, {@code --forward-mode=macswap
         * --port-topology=loop}, seeded with {@code start tx_first N} (sweep --switch).
         */
        TESTPMD_LOOP("testpmd-loop", "testpmd macswap loop, 2 ports", null, Topology.TWO_PORT_LOOP),
        /** {@code bin/vswitch-gen} with two virtio-user ports through a switch (sweep --rate --switch-only). */
        VSWITCH_GEN_PAIR("vswitch-gen-pair", "vswitch-gen, 2 ports", null, Topology.PORT_PAIR);

        private final String id;
        private final String label;
        private final String driver;
        private final Topology topology;

        Generator(String id, String label, String driver) {
            this(id, label, driver, Topology.ONE_PORT);
        }

        Generator(String id, String label, String driver, Topology topology) {
            this.id = id;
            this.label = label;
            this.driver = driver;
            this.topology = topology;
        }

        /** How this generator is wired to the reflector. */
        public Topology topology() {
            return topology;
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

        /** Parses a host generator of one port: {@code vswitch-gen} or {@code flowgen}. */
        public static Generator parse(String s) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            for (Generator g : values()) if (!g.inGuest() && g.topology == Topology.ONE_PORT && g.id.equals(t)) return g;
            throw new IllegalArgumentException("unknown generator '" + s.strip() + "'; give vswitch-gen or flowgen"
                    + (t.startsWith("guest") ? " (for a guest: sweep --guest --drivers ...)" : "")
                    + (t.equals(TESTPMD_LOOP.id) ? " (the two-port loop comes with sweep --switch)" : ""));
        }

        /** The guest generator for a driver: {@code uio_pci_generic}, {@code igb_uio} or {@code vfio-pci}. */
        public static Generator guest(String driver) {
            String t = driver.strip().toLowerCase(Locale.ROOT).replace("vfio_pci", "vfio-pci");
            for (Generator g : values()) if (t.equals(g.driver)) return g;
            throw new IllegalArgumentException("unknown guest driver '" + driver.strip() + "'; give " + String.join(", ", GUEST_DRIVERS));
        }
    }

    /**
     * One column of a sweep's plot: reflector x generator x queue count, and for the two-port loop
     * the number of IP flows its frames carry (1 elsewhere; see {@link Harness#loopCommand}).
     */
    public record Config(Reflector reflector, Generator generator, int queues, int flows) {
        public Config {
            if (queues < 1 || queues > 8) throw new IllegalArgumentException("queues must be 1..8, got " + queues);
            boolean loop = generator.topology() == Topology.TWO_PORT_LOOP, pair = generator.topology() == Topology.PORT_PAIR;
            if (reflector.isSwitch() && !loop && !pair)
                throw new IllegalArgumentException("the switch needs two ports (sweep --switch: the two-port loop; sweep --rate --switch-only: "
                        + "vswitch-gen's port pair), not " + generator.id());
            if (loop && (reflector.kind() == ReflectorKind.TESTPMD || queues != 1))
                throw new IllegalArgumentException("the two-port loop drives bin/vswitch with one queue, not " + reflector.id() + " with " + queues);
            if (pair && (!reflector.isSwitch() || queues != 1))
                throw new IllegalArgumentException("vswitch-gen's port pair drives a switch with one queue, not " + reflector.id() + " with " + queues);
            if (flows < 1 || flows > MAX_FLOWS) throw new IllegalArgumentException("--switch-flows must be 1.." + MAX_FLOWS + ", got " + flows);
            if (flows > 1 && !loop && !pair) throw new IllegalArgumentException("flows are a switch setting (sweep --switch-flows)");
        }

        /** One flow: every point but the two-port loop's with {@code --switch-flows N}. */
        public Config(Reflector reflector, Generator generator, int queues) {
            this(reflector, generator, queues, 1);
        }

        /** e.g. {@code vswitch macswap <- flowgen, 2q}; for the two-port loop {@code vswitch switch <-> testpmd-loop, 2 ports, 1q} (and {@code , 1024 flows}). */
        public String label() {
            if (topology() != Topology.ONE_PORT)
                return reflector.label() + " <-> " + generator.id() + ", 2 ports, " + queues + "q" + (flows > 1 ? ", " + flows + " flows" : "");
            return reflector.label() + " <- " + generator.id() + ", " + queues + "q";
        }

        /** results' {@code switch} column: {@code ours} (bin/vswitch --mode switch), {@code ovs}, or "" for a reflector. */
        public String switchName() {
            return reflector.equals(Reflector.SWITCH) ? Switch.OURS.id() : reflector.equals(Reflector.OVS) ? Switch.OVS.id() : "";
        }

        public Topology topology() {
            return generator.topology();
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

    /** Most IP flows the loop can be seeded with ({@code --flowgen-flows}; far more than any ring holds frames). */
    public static final int MAX_FLOWS = 65536;

    /** The switches {@code sweep --switches} compares on the two-port loop. */
    public enum Switch {
        /** bin/vswitch --mode switch (with bin/vswitch --mode io as issue 6's two-port reference). */
        OURS("ours"),
        /** Open vSwitch with DPDK, NORMAL action ({@link OvsPeer}). */
        OVS("ovs");

        private final String id;

        Switch(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** {@code ours} or {@code ovs}. */
        public static Switch parse(String s) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            for (Switch w : values()) if (w.id.equals(t)) return w;
            throw new IllegalArgumentException("unknown switch '" + s.strip() + "'; give ours and/or ovs (e.g. --switches ours,ovs)");
        }
    }

    /**
     * Issue 6's comparison: per size, the switch and then bin/vswitch --mode io, both with two
     * vhost ports and one queue, driven by the two-port testpmd loop. Switch and reflector of a
     * size are neighbours, so within a round they run close together in time.
     */
    public static List<Point> switchPoints(List<Integer> sizes) {
        return switchPoints(sizes, List.of(Switch.OURS), List.of(1));
    }

    /**
     * The two-port loop's points: per size, per flow count, each switch ({@code ours} brings
     * bin/vswitch --mode io along at one flow, issue 6's reference; the io reflector does not read
     * headers, so more flows change nothing for it). Points of one size and flow count are
     * neighbours, so within a round they run close together in time.
     */
    public static List<Point> switchPoints(List<Integer> sizes, List<Switch> switches, List<Integer> flows) {
        List<Point> out = new ArrayList<>();
        for (int s : sizes)
            for (int f : flows)
                for (Switch w : switches) {
                    if (w == Switch.OVS) {
                        out.add(new Point(new Config(Reflector.OVS, Generator.TESTPMD_LOOP, 1, f), s));
                        continue;
                    }
                    out.add(new Point(new Config(Reflector.SWITCH, Generator.TESTPMD_LOOP, 1, f), s));
                    if (f == 1) out.add(new Point(new Config(new Reflector(ReflectorKind.VSWITCH, "io"), Generator.TESTPMD_LOOP, 1), s));
                }
        return out;
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
