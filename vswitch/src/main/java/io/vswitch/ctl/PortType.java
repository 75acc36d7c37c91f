package io.vswitch.ctl;

import com.fasterxml.jackson.annotation.JsonValue;

/** The kinds of port {@code port.add} creates, by their wire names. */
public enum PortType {
    /** The switch creates the vhost-user socket ({@code path}); QEMU connects to it. */
    VHOST_USER("vhost-user", true),
    /** QEMU owns the socket ({@code path}, QEMU's {@code server=on}); the switch connects to it. */
    VHOST_USER_CLIENT("vhost-user-client", true),
    /** The switch creates a kernel TAP interface named {@code iface}. */
    TAP("tap", false),
    /** The switch binds the existing kernel interface {@code iface} with AF_PACKET. */
    AF_PACKET("af_packet", false);

    private final String wireName;
    private final boolean vhost;

    PortType(String wireName, boolean vhost) {
        this.wireName = wireName;
        this.vhost = vhost;
    }

    /** The name on the wire and on the command line, e.g. {@code vhost-user}. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** True for the vhost-user types, which take a socket {@code path}; false for those that take an {@code iface}. */
    public boolean vhost() {
        return vhost;
    }

    /** The type with this wire name, or null. */
    public static PortType fromWire(String name) {
        for (PortType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** "vhost-user, vhost-user-client, tap, af_packet". */
    public static String wireNames() {
        StringBuilder sb = new StringBuilder();
        for (PortType t : values()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(t.wireName);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
