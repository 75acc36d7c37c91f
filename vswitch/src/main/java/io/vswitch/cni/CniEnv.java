package io.vswitch.cni;

import io.vswitch.ctl.PortRequest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CNI parameters a runtime passes in the environment (spec 1.1 section 2), validated for the
 * command: {@code CNI_COMMAND}, {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME},
 * {@code CNI_ARGS}, {@code CNI_PATH}. A missing or invalid one is error 4 naming it.
 *
 * @param command     the operation
 * @param containerId CNI_CONTAINERID, or null where the command does not take one
 * @param netns       CNI_NETNS, or null
 * @param ifname      CNI_IFNAME, or null
 * @param args        CNI_ARGS as key/value pairs (empty when unset)
 * @param path        CNI_PATH, or null
 */
public record CniEnv(Command command, String containerId, String netns, String ifname, Map<String, String> args,
        String path) {

    /** The operations of CNI 1.1. */
    public enum Command { ADD, DEL, CHECK, STATUS, VERSION, GC }

    /** A container id (spec section 2): alphanumeric first, then alphanumerics, _ . -. */
    static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    /** CNI_ARGS: {@code K=V;K2=V2} (values may be empty). */
    private static final Pattern ARG = Pattern.compile("([A-Za-z0-9_.-]+)=([^;]*)");

    /** Reads and validates the environment; {@code CNI_COMMAND} decides which variables are required. */
    public static CniEnv from(Map<String, String> env) throws CniError {
        String cmd = env.get("CNI_COMMAND");
        if (cmd == null || cmd.isEmpty()) {
            throw CniError.env("CNI_COMMAND", "not set", "set it to ADD, DEL, CHECK, STATUS, VERSION or GC (the runtime"
                    + " does; `bin/vswitch-cni` is run by a container runtime, see README \"Kubernetes (CNI)\")");
        }
        Command command;
        try {
            command = Command.valueOf(cmd.toUpperCase(Locale.ROOT).equals(cmd) ? cmd : "?");
        } catch (IllegalArgumentException e) {
            throw CniError.env("CNI_COMMAND", "unknown command \"" + cmd + "\"",
                    "one of ADD, DEL, CHECK, STATUS, VERSION, GC");
        }
        boolean attachment = command == Command.ADD || command == Command.DEL || command == Command.CHECK;
        String id = null;
        String ifname = null;
        String netns = null;
        if (attachment) {
            id = required(env, "CNI_CONTAINERID", "the container's id");
            if (!CONTAINER_ID.matcher(id).matches()) {
                throw CniError.env("CNI_CONTAINERID", "\"" + id + "\" is not a container id",
                        "a letter or digit, then letters, digits, _ . or -");
            }
            ifname = required(env, "CNI_IFNAME", "the interface name in the pod, e.g. net1");
            if (!PortRequest.isValidIface(ifname)) {
                throw CniError.env("CNI_IFNAME", "\"" + ifname + "\" is not an interface name",
                        "1..15 bytes, not . or .., without / : or whitespace");
            }
            if (!PortRequest.isValidName(ifname) || ifname.startsWith(".") || ifname.startsWith("-")) {
                throw CniError.env("CNI_IFNAME", "\"" + ifname + "\" cannot be part of a switch port name",
                        "use letters, digits, _ . - (the port is named <container id[:12]>-<ifname>)");
            }
            netns = env.get("CNI_NETNS");
            if (command != Command.DEL && (netns == null || netns.isEmpty())) {
                throw CniError.env("CNI_NETNS", "not set", "the path of the pod's network namespace");
            }
            if (netns != null && netns.isEmpty()) {
                netns = null;
            }
        }
        Map<String, String> args = parseArgs(env.get("CNI_ARGS"));
        String path = env.get("CNI_PATH");
        return new CniEnv(command, id, netns, ifname, args, path == null || path.isEmpty() ? null : path);
    }

    /** CNI_ARGS's pairs, in order; a malformed one is error 4. */
    static Map<String, String> parseArgs(String s) throws CniError {
        Map<String, String> out = new LinkedHashMap<>();
        if (s == null || s.isEmpty()) {
            return out;
        }
        for (String pair : s.split(";", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            var m = ARG.matcher(pair);
            if (!m.matches()) {
                throw CniError.env("CNI_ARGS", "\"" + pair + "\" is not KEY=VALUE", "pairs separated by ';', e.g."
                        + " IgnoreUnknown=1;K8S_POD_NAME=pod0");
            }
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static String required(Map<String, String> env, String name, String what) throws CniError {
        String v = env.get(name);
        if (v == null || v.isEmpty()) {
            throw CniError.env(name, "not set", name + " is " + what + " (the runtime sets it)");
        }
        return v;
    }
}
