package io.vswitch.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the host offers: the QEMU binary and version, whether KVM really works,
 * and hugepages. Decisions that depend on these are made in {@link QemuCommandLine}.
 *
 * @param binary     QEMU executable
 * @param major      QEMU major version
 * @param minor      QEMU minor version
 * @param kvm        true when KVM is usable
 * @param kvmReason  why KVM is or is not used
 */
public record QemuInfo(String binary, int major, int minor, boolean kvm, String kvmReason) {

    public boolean atLeast(int maj, int min) { return major > maj || (major == maj && minor >= min); }

    public String version() { return major + "." + minor; }

    /** Probes the host. */
    public static QemuInfo probe(String binary) {
        String out;
        try {
            Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(binary + " --version failed: " + out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + binary + " (" + e.getMessage() + "); install it: apt-get install qemu-system-x86", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Matcher m = Pattern.compile("version (\\d+)\\.(\\d+)").matcher(out);
        if (!m.find()) throw new IllegalStateException("cannot read the version from '" + binary + " --version': " + out.strip());
        String[] kvm = kvmUsable();
        return new QemuInfo(binary, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), kvm[0] != null, kvm[1]);
    }

    /**
     * KVM is used only when /dev/kvm is read-write for us AND the CPU advertises hardware
     * virtualisation (vmx/svm). Some sandboxes expose a /dev/kvm that is a software
     * hypervisor: it opens fine, then runs stock kernels in a crawling emulation and fails.
     * There the flags are absent, and TCG is the honest choice.
     * Returns {non-null if usable, reason}.
     */
    static String[] kvmUsable() {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) return new String[] {null, "no /dev/kvm"};
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) return new String[] {null, "/dev/kvm not read-write for this user (add it to group kvm)"};
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return new String[] {null, "cannot read /proc/cpuinfo"};
        }
        Matcher f = Pattern.compile("(?m)^flags\\s*:(.*)$").matcher(cpuinfo);
        String flags = f.find() ? " " + f.group(1) + " " : "";
        if (!flags.contains(" vmx ") && !flags.contains(" svm ")) {
            return new String[] {null, "/dev/kvm exists but the CPU has no vmx/svm flag (nested software hypervisor): using TCG"};
        }
        return new String[] {"kvm", "/dev/kvm usable and the CPU has hardware virtualisation"};
    }

    /** Mount point of a hugetlbfs with 2 MB pages, or null. */
    public static Path hugetlbfsMount() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split("\\s+");
                if (f.length >= 4 && f[2].equals("hugetlbfs") && (!f[3].contains("pagesize=") || f[3].contains("pagesize=2M"))) {
                    return Path.of(f[1]);
                }
            }
        } catch (IOException ignored) {
            // no /proc/mounts: no hugepages
        }
        return null;
    }

    /** Free 2 MB hugepages (HugePages_Free in /proc/meminfo). */
    public static long freeHugepages() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("HugePages_Free:")) return Long.parseLong(line.replaceAll("\\D", ""));
            }
        } catch (IOException ignored) {
            // treat as none
        }
        return 0;
    }
}
