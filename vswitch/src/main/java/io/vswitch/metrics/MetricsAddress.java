package io.vswitch.metrics;

import io.vswitch.ExitCode;
import io.vswitch.UserError;

/**
 * The value of {@code --metrics ADDRESS:PORT}: {@code 127.0.0.1:9464}, {@code localhost:9464},
 * {@code [::1]:9464}, or {@code :9464} for every address of the host. A malformed value is a
 * usage error (exit 2) before anything starts.
 *
 * @param host the address or host name to listen on, or null for all addresses
 * @param port 1..65535
 */
public record MetricsAddress(String host, int port) {
    /** Prometheus' default port for exporters that have none registered. */
    public static final String EXAMPLE = "127.0.0.1:9464";

    public static MetricsAddress parse(String value) {
        String v = value == null ? "" : value.strip();
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            throw bad(value, "give ADDRESS:PORT");
        }
        String host = v.substring(0, colon);
        String port = v.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (host.isEmpty()) {
                throw bad(value, "the brackets hold no IPv6 address");
            }
        } else if (host.contains(":")) {
            throw bad(value, "write an IPv6 address in brackets, e.g. [::1]:9464");
        }
        if (host.isEmpty()) {
            host = null;
        } else if (!host.matches("[A-Za-z0-9.:%_-]+")) {
            throw bad(value, "'" + host + "' is not an address or host name");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw bad(value, "'" + port + "' is not a port number");
        }
        if (p < 1 || p > 65535) {
            throw bad(value, "port " + p + " is not 1..65535");
        }
        return new MetricsAddress(host, p);
    }

    private static UserError bad(String value, String why) {
        return new UserError(ExitCode.USAGE, "--metrics " + value + ": " + why + " (e.g. --metrics " + EXAMPLE
                + ", or --metrics :9464 for all addresses)");
    }

    /** The URL of the metrics page. */
    public String url() {
        String h = host == null ? "0.0.0.0" : host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port + "/metrics";
    }

    @Override
    public String toString() {
        return (host == null ? "" : host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
