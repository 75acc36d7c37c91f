package io.vswitch.vm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** bin/vswitch-vm: boot a test guest against vhost-user sockets (see vm-scripts/README.md). */
@Command(name = "vswitch-vm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Boots a guest (Debian cloud kernel + busybox initramfs from vm-scripts/build-guest.sh) with",
            "vhost-user NICs on shared guest memory, pins each vCPU thread to its own host CPU, runs the",
            "guest workload (ping through the switch, or dpdk-testpmd in the guest) and prints its",
            "VSRESULT line(s). Exit code 0 when every result has status=ok."})
public final class VmCommand implements Callable<Integer> {
    @Mixin
    VmSpec spec = new VmSpec();

    @Option(names = "--dry-run", description = "print the QEMU command line and the decisions behind it; start nothing")
    boolean dryRun;

    @Option(names = "--json", description = "also write the results as JSON to this file")
    Path json;

    @Option(names = "--build-only", description = "build (or check the cache of) the guest image and exit")
    boolean buildOnly;

    @Override
    public Integer call() throws Exception {
        if (buildOnly) {
            GuestImage.Image img = GuestImage.ensure();
            System.out.println("kernel " + img.kernel() + "\ninitrd " + img.initrd());
            return 0;
        }
        if (dryRun) {
            QemuInfo info = QemuInfo.probe(spec.qemu);
            Path runDir = spec.runDir != null ? spec.runDir : Path.of("<run-dir>");
            Path k = spec.kernel != null ? spec.kernel : Path.of("<vm-scripts/build-guest.sh>/vmlinuz");
            Path i = spec.initrd != null ? spec.initrd : Path.of("<vm-scripts/build-guest.sh>/initrd.img");
            QemuCommandLine c = QemuCommandLine.build(spec, info,
                    new QemuCommandLine.Paths(k, i, runDir.resolve("serial.log"), runDir.resolve("qmp.sock")));
            System.out.println("# QEMU " + info.version());
            for (String n : c.notes()) System.out.println("# " + n);
            if (!spec.pin.isEmpty()) System.out.println("# after start: vCPU i thread (QMP query-cpus-fast) -> sched_setaffinity to " + spec.pin + ", then QMP cont");
            System.out.println(c.toShell());
            return 0;
        }
        GuestRun.Outcome o = GuestRun.run(spec, System.out);
        for (GuestResult r : o.results()) System.out.println(r.line());
        if (json != null) {
            ObjectNode doc = Json.MAPPER.createObjectNode().put("exit", o.exitCode());
            ObjectNode pinning = doc.putObject("pinning");
            new TreeMap<>(o.pinning()).forEach((vcpu, cpu) -> pinning.put(Integer.toString(vcpu), cpu));
            ArrayNode results = doc.putArray("results");
            for (GuestResult r : o.results()) results.add(r.toJsonNode());
            Files.writeString(json, Json.MAPPER.writeValueAsString(doc) + "\n");
        }
        if (!o.ok()) {
            System.err.println("vswitch-vm: guest run failed or incomplete; serial log " + o.serialLog());
            return 1;
        }
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new VmCommand());
        // Setup problems (no QEMU, no socket, image build failed) are messages, not stack traces.
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("vswitch-vm: " + e.getMessage());
            if (System.getenv("VSWITCH_DEBUG") != null) e.printStackTrace(c.getErr());
            return 2;
        });
        System.exit(cl.execute(args));
    }
}
