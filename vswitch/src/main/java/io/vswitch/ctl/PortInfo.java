package io.vswitch.ctl;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A port as {@code port.add} and {@code port.list} return it; {@link JsonRpc#MAPPER} writes it with the
 * protocol's names ({@code port_id}, {@code rxqs}, ...), nulls included.
 *
 * @param path   the socket, absolute (vhost types), or null
 * @param iface  the kernel interface (tap, af_packet), or null
 * @param vlan   the access VLAN, or null for a trunk port
 * @param mac    the port's MAC, or null when it has none of its own
 * @param portId the DPDK port id
 * @param link   {@link #UP} or {@link #DOWN}
 * @param rxqs   per rx queue: the lcore (and CPU) that polls it, and whether the guest enabled it
 */
public record PortInfo(String name, PortType type, String path, String iface, int queues, Integer vlan, String mac,
        int portId, String link, List<RxQueue> rxqs) {
    public static final String UP = "up";
    public static final String DOWN = "down";

    /** One rx queue: who polls it; {@code enabled} is false while a vhost guest has not enabled the queue. */
    public record RxQueue(int queue, int lcore, int cpu, boolean enabled) {}

    public PortInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        rxqs = List.copyOf(rxqs);
    }

    /** The port created from {@code r}: its socket path made absolute against this process's working directory. */
    public static PortInfo of(PortRequest r, int portId, boolean linkUp, List<RxQueue> rxqs) {
        Path socket = r.socketPath();
        return new PortInfo(r.name(), r.type(), socket == null ? null : socket.toString(), r.iface(), r.queues(),
                r.vlan(), r.mac(), portId, linkUp ? UP : DOWN, rxqs);
    }
}
