package io.vswitch.cni;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The delegated IPAM plugin (CNI spec 1.1 section 4), when the configuration has an {@code ipam} block
 * (the userspace CNI plugin's NetworkAttachmentDefinitions have one): found by {@code ipam.type} in
 * {@code CNI_PATH}, run with the same environment (but {@code CNI_COMMAND}) and the same configuration on
 * stdin, its stderr passed on. Its addresses go into the ADD result for the pod's application to use (Multus
 * shows them in the network-status annotation); the plugin configures no kernel interface with them.
 */
final class Ipam {
    static final long TIMEOUT_SECONDS = 60;

    private final String type;
    private final Map<String, String> env;
    private final byte[] config;
    private final PrintStream log;

    private Ipam(String type, Map<String, String> env, byte[] config, PrintStream log) {
        this.type = type;
        this.env = env;
        this.config = config;
        this.log = log;
    }

    /** The IPAM delegate of {@code cfg}, or null when it has none. */
    static Ipam of(CniConfig cfg, Map<String, String> env, byte[] config, PrintStream log) {
        return cfg.ipamType() == null ? null : new Ipam(cfg.ipamType(), env, config, log);
    }

    String type() {
        return type;
    }

    /** Runs the IPAM plugin with {@code command}; returns its stdout as JSON (null when empty). */
    JsonNode run(String command) throws CniError {
        Path exe = find();
        ProcessBuilder pb = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.PIPE);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("CNI_COMMAND", command);
        String out;
        String err;
        int status;
        try {
            Process p = pb.start();
            var outText = drain(p.getInputStream());
            var errText = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                in.write(config);
            } catch (IOException ignored) {
                // it may not read stdin
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new CniError(CniError.TRY_AGAIN, "ipam: " + type + " " + command + " did not finish in "
                        + TIMEOUT_SECONDS + " s", exe.toString());
            }
            status = p.exitValue();
            out = outText.join();
            err = errText.join();
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "ipam: cannot run " + exe, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniError(CniError.TRY_AGAIN, "ipam: interrupted", type);
        }
        if (!err.isEmpty()) {
            log.print(err.endsWith("\n") ? err : err + "\n");
        }
        JsonNode j = null;
        if (!out.isBlank()) {
            try {
                j = Json.MAPPER.readTree(out);
            } catch (IOException e) {
                throw new CniError(CniError.DECODE, "ipam: " + type + " " + command + " printed something that is not"
                        + " JSON", out.strip());
            }
        }
        if (status != 0) {
            int code = j != null && j.path("code").canConvertToInt() ? j.get("code").asInt() : CniError.INTERNAL;
            String msg = j != null ? j.path("msg").asText("") : "";
            String details = j != null ? j.path("details").asText("") : out.strip();
            throw new CniError(code == 0 ? CniError.INTERNAL : code, "ipam: " + type + " " + command + " failed"
                    + (msg.isEmpty() ? " (exit " + status + ")" : ": " + msg), details);
        }
        return j;
    }

    /** Reads {@code in} to its end on a virtual thread (so a plugin that fills a pipe never blocks). */
    private static java.util.concurrent.CompletableFuture<String> drain(java.io.InputStream in) {
        var f = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("");
            }
        });
        return f;
    }

    /** {@link #run}, logging instead of failing (undoing an ADD, best effort). */
    void runQuietly(String command) {
        try {
            run(command);
        } catch (CniError e) {
            log.println("vswitch-cni: " + e.msg() + " (" + e.details() + ")");
        }
    }

    private Path find() throws CniError {
        String path = env.get("CNI_PATH");
        if (path == null || path.isEmpty()) {
            throw CniError.env("CNI_PATH", "not set", "the IPAM plugin " + type + " is looked up in CNI_PATH");
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, type);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw CniError.config("ipam.type", "no executable \"" + type + "\" in CNI_PATH " + path,
                "install the IPAM plugin (e.g. the CNI reference plugins' host-local) in /opt/cni/bin");
    }
}
