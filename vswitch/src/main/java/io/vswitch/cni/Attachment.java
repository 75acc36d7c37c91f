package io.vswitch.cni;

import io.vswitch.ctl.PortRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * How one attachment {@code (CNI_CONTAINERID, CNI_IFNAME)} is named on the node:
 *
 * <ul>
 * <li>the switch port and the socket file are both {@code <first 12 characters of the container id>-<ifname>}
 *     (at most 12 + 1 + 15 = 28 characters: a valid port name, and the userspace CNI plugin's socket
 *     file name); the socket is {@code <sharedDir>/<that>};</li>
 * <li>the plugin's record of it is {@code <stateDir>/<network name>/<container id>-<ifname>.json}, which
 *     is how GC tells this network's ports from everyone else's (ports added by hand, or by other
 *     networks on the same switch).</li>
 * </ul>
 *
 * @param containerId CNI_CONTAINERID
 * @param ifname      CNI_IFNAME
 * @param portName    the switch port's name
 * @param socket      the vhost-user socket path
 * @param stateFile   the plugin's record of the attachment
 */
public record Attachment(String containerId, String ifname, String portName, Path socket, Path stateFile) {
    public static final int ID_CHARS = 12;

    /** The port (and socket file) name of an attachment. */
    public static String portName(String containerId, String ifname) {
        return containerId.substring(0, Math.min(ID_CHARS, containerId.length())) + "-" + ifname;
    }

    /**
     * The attachment's names under {@code cfg}.
     *
     * @throws CniError code 7 naming {@code sharedDir} when the socket path would be longer than a Unix
     *                  socket path can be
     */
    public static Attachment of(CniConfig cfg, String containerId, String ifname) throws CniError {
        String port = portName(containerId, ifname);
        if (!PortRequest.isValidName(port)) {
            throw CniError.env("CNI_IFNAME", "the port name " + port + " is not valid", PortRequest.NAME_RULE);
        }
        Path socket = cfg.sharedDir().resolve(port);
        int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > PortRequest.MAX_SOCKET_PATH_BYTES) {
            throw CniError.config("sharedDir", "the socket path " + socket + " is " + bytes + " bytes, longer than the "
                    + PortRequest.MAX_SOCKET_PATH_BYTES + " a Unix socket path can have", "use a sharedDir of at most "
                    + (PortRequest.MAX_SOCKET_PATH_BYTES - 1 - ID_CHARS - 1 - PortRequest.MAX_IFACE_BYTES) + " bytes");
        }
        Path state = cfg.stateDir().resolve(cfg.name()).resolve(containerId + "-" + ifname + ".json");
        return new Attachment(containerId, ifname, port, socket, state);
    }
}
