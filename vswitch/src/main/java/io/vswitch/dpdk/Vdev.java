package io.vswitch.dpdk;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code --vdev} argument: {@code name,key=value,...}, e.g.
 * {@code net_vhost0,iface=/tmp/sock0,queues=2}. The driver is the name without its
 * trailing instance number.
 */
public record Vdev(String spec, String name, String driver, Map<String, String> args) {
    public static Vdev parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new DpdkException(DpdkException.Kind.USAGE, "--vdev: empty; e.g. --vdev net_vhost0,iface=/tmp/sock0,queues=2");
        }
        String[] parts = spec.split(",");
        String name = parts[0].strip();
        if (!name.matches("[a-z_]+[0-9]+")) {
            throw new DpdkException(DpdkException.Kind.USAGE, "--vdev " + spec + ": '" + name + "' is not a vdev name (driver plus"
                    + " instance number, e.g. net_vhost0)");
        }
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                throw new DpdkException(DpdkException.Kind.USAGE, "--vdev " + spec + ": '" + parts[i] + "' is not key=value");
            }
            args.put(parts[i].substring(0, eq).strip(), parts[i].substring(eq + 1).strip());
        }
        String driver = name.replaceAll("[0-9]+$", "");
        return new Vdev(spec, name, driver, args);
    }

    public boolean isVhost() {
        return driver.equals("net_vhost");
    }

    /** queues=N (qpairs=N for net_af_packet; default 1). */
    public int queues() {
        String key = driver.equals("net_af_packet") ? "qpairs" : "queues";
        String q = args.getOrDefault(key, "1");
        try {
            int n = Integer.parseInt(q);
            if (n < 1 || n > 128) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new DpdkException(DpdkException.Kind.USAGE, "--vdev " + spec + ": " + key + "=" + q + " is not a queue count (1..128)");
        }
    }

    /** The vhost socket path (iface=), or null. */
    public String iface() {
        return args.get("iface");
    }

    /** client=1: vswitch connects to a socket the guest (QEMU server) owns. */
    public boolean client() {
        return "1".equals(args.get("client"));
    }
}
