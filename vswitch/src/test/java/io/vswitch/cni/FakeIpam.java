package io.vswitch.cni;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A stand-in IPAM plugin for the tests (no CNI reference plugins on this machine): an executable
 * {@code fake-ipam} in {@code dir} that appends "COMMAND CNI_CONTAINERID" to {@code dir/ipam.log}, answers
 * ADD with one address, a route and a name server in the requested cniVersion, and fails the command
 * named by {@code ipam.fail} in its configuration with the spec's error object (code 11).
 */
final class FakeIpam {
    private FakeIpam() {}

    static final String TYPE = "fake-ipam";
    static final String ADDRESS = "10.56.217.131/24";

    static Path install(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path exe = dir.resolve(TYPE);
        Files.writeString(exe, """
                #!/usr/bin/python3
                import json, os, sys
                cfg = json.load(sys.stdin)
                cmd = os.environ.get("CNI_COMMAND", "")
                with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ipam.log"), "a") as log:
                    log.write(cmd + " " + os.environ.get("CNI_CONTAINERID", "-") + "\\n")
                if cfg.get("ipam", {}).get("fail") == cmd:
                    print(json.dumps({"cniVersion": cfg["cniVersion"], "code": 11, "msg": "pool exhausted",
                                      "details": "fake-ipam fails " + cmd}))
                    sys.exit(1)
                if cmd == "ADD":
                    print(json.dumps({"cniVersion": cfg["cniVersion"],
                                      "ips": [{"address": "%s", "gateway": "10.56.217.1"}],
                                      "routes": [{"dst": "0.0.0.0/0"}], "dns": {"nameservers": ["10.56.217.1"]}}))
                """.formatted(ADDRESS));
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return exe;
    }

    /** The calls so far, one "COMMAND CONTAINERID" per line. */
    static java.util.List<String> calls(Path dir) throws Exception {
        Path log = dir.resolve("ipam.log");
        return Files.exists(log) ? Files.readAllLines(log) : java.util.List.of();
    }
}
