package io.vswitch.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code vswitch-cni}: a CNI 1.1 plugin that gives pods vhost-user ports on the node's vswitch
 * (README "Kubernetes (CNI)"). Run by a container runtime, not by hand: {@code CNI_COMMAND} and
 * the other CNI_ variables in the environment, the network configuration on stdin, the result (or
 * the spec's error object) on stdout, notes on stderr.
 *
 * <p>Exit status: 0 on success; on failure the error's code ({@link CniError}: 1..11 and 50 the
 * spec's, 100 and up this plugin's; 1 for an IPAM plugin's code outside 1..255).
 *
 * <p>Needs nothing but its jars and a JDK 25 runtime (no DPDK, no repository): on a node it runs as
 * {@code java -cp '/opt/vswitch/lib/*' io.vswitch.cni.CniCommand}.
 */
public final class CniCommand {
    /** Refuse configurations larger than this (a configuration is a few kB; prevResult included). */
    static final int MAX_STDIN_BYTES = 4 << 20;

    private CniCommand() {}

    static final String USAGE = """
            Usage: vswitch-cni   (run by a container runtime, not by hand)
            A CNI 1.1 plugin that gives pods vhost-user ports on the node's vswitch.
              CNI_COMMAND      ADD, DEL, CHECK, STATUS, VERSION or GC
              CNI_CONTAINERID  CNI_NETNS  CNI_IFNAME  CNI_ARGS  CNI_PATH   as the CNI spec says
              stdin            the network configuration (JSON), e.g.
                {"cniVersion":"1.1.0","name":"dpdk-net","type":"vswitch-cni","ctl":"/run/vswitch/vswitch.ctl",
                 "sharedDir":"/var/lib/vswitch/sockets","host":{"engine":"vswitch","iftype":"vhostuser",
                 "vhost":{"mode":"client"},"bridge":{"vlanId":10},"queues":1}}
              stdout           the result, or {"cniVersion","code","msg","details"}; the exit status is the code
            Try: echo '{"cniVersion":"1.1.0"}' | CNI_COMMAND=VERSION vswitch-cni
            README "Kubernetes (CNI)" and deploy/kubernetes/README.md have the rest.
            """;

    public static void main(String[] args) {
        if (args.length > 0) {
            if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
                System.out.print(USAGE);
                System.exit(0);
            }
            System.err.println("vswitch-cni: takes no arguments (a runtime passes CNI_COMMAND and the configuration on"
                    + " stdin): see vswitch-cni --help");
            System.exit(2);
        }
        System.exit(run(System.getenv(), System.in, System.out, System.err));
    }

    /** One invocation; returns the exit status. */
    public static int run(Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err) {
        JsonNode root = null;
        try {
            CniEnv e = CniEnv.from(env);
            byte[] raw = readBytes(stdin);
            root = parseConfig(raw, e.command() != CniEnv.Command.VERSION);
            CniPlugin plugin = new CniPlugin(err, env, raw);
            JsonNode result = switch (e.command()) {
                case VERSION -> CniPlugin.version(CniConfig.parseVersion(root));
                case ADD -> plugin.add(CniConfig.parse(root), e);
                case DEL -> plugin.del(CniConfig.parse(root), e);
                case CHECK -> plugin.check(CniConfig.parse(root), e);
                case STATUS -> plugin.status(CniConfig.parse(root));
                case GC -> plugin.gc(CniConfig.parse(root));
            };
            if (result != null) {
                out.println(Json.MAPPER.writeValueAsString(result));
            }
            out.flush();
            return 0;
        } catch (CniError e) {
            return fail(out, err, e, root);
        } catch (Throwable t) {
            err.print("vswitch-cni: bug: ");
            t.printStackTrace(err);
            return fail(out, err, new CniError(CniError.INTERNAL, "internal error: " + t,
                    "a bug in vswitch-cni: the runtime's log (stderr) has the stack trace"), root);
        }
    }

    private static int fail(PrintStream out, PrintStream err, CniError e, JsonNode root) {
        String json;
        try {
            json = Json.MAPPER.writeValueAsString(e.toJson(CniConfig.versionOf(root)));
        } catch (JsonProcessingException x) {
            json = "{\"cniVersion\":\"" + CniConfig.LATEST + "\",\"code\":" + e.code() + ",\"msg\":\"error\"}";
        }
        out.println(json);
        out.flush();
        err.println("vswitch-cni: " + e.msg() + (e.details().isEmpty() ? "" : " (" + e.details() + ")"));
        // an exit status is one byte: a code passed on from an IPAM plugin may not fit (256 would read as success)
        return e.code() >= 1 && e.code() <= 255 ? e.code() : 1;
    }

    static byte[] readBytes(InputStream in) throws CniError {
        try {
            return in.readNBytes(MAX_STDIN_BYTES + 1);
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "cannot read the network configuration from stdin",
                    String.valueOf(e.getMessage()));
        }
    }

    /** stdin as JSON; null when empty and {@code required} is false. */
    static JsonNode parseConfig(byte[] bytes, boolean required) throws CniError {
        if (bytes.length > MAX_STDIN_BYTES) {
            throw new CniError(CniError.DECODE, "the network configuration on stdin is over " + (MAX_STDIN_BYTES >> 20)
                    + " MiB", "the runtime passes one plugin configuration");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            if (!required) {
                return null;
            }
            throw new CniError(CniError.DECODE, "no network configuration on stdin",
                    "the runtime passes the plugin's configuration object on stdin");
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CniError(CniError.DECODE, "the network configuration on stdin is not JSON",
                    e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr());
        }
    }
}
