package io.vswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.openshift.api.model.miscellaneous.cncf.cni.v1.NetworkAttachmentDefinition;
import io.fabric8.openshift.api.model.miscellaneous.cncf.cni.v1.NetworkSelectionElement;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes: the DaemonSet, the NetworkAttachmentDefinitions and the example pods
 * parse as their kinds (fabric8's models, unknown fields rejected: see {@link Manifests}),
 * and hold together: the paths the switch serves are the ones the CNI configuration names
 * and the pods mount, every pod is Guaranteed QoS with integer CPUs and hugepages, the pods'
 * networks exist. No cluster is needed; what only a cluster can show is in the README.
 */
class KubernetesManifestsTest {
    static final String CTL = "/run/vswitch/vswitch.ctl";
    static final String SOCKETS = "/var/lib/vswitch/sockets";
    /** A Unix socket path holds 107 bytes and a NUL (sun_path is 108). */
    static final int SUN_PATH_MAX = 107;
    /** Linux interface names are at most 15 characters (IFNAMSIZ 16). */
    static final int IFNAME_MAX = 15;

    /** The NetworkAttachmentDefinition's config: the CNI network configuration, strictly. */
    record CniConfig(String cniVersion, String name, String type, String ctl, String sharedDir,
                     Map<String, Boolean> capabilities, HostSide host, ContainerSide container) {}

    record HostSide(String engine, String iftype, Vhost vhost, Bridge bridge, Integer queues) {}

    record ContainerSide(String engine, String iftype, Vhost vhost) {}

    record Vhost(String mode) {}

    record Bridge(Integer vlanId) {}

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    // ---- the DaemonSet ------------------------------------------------------------------------

    static DaemonSet daemonSet(List<HasMetadata> objects) {
        List<DaemonSet> ds = Manifests.only(objects, DaemonSet.class);
        assertEquals(1, ds.size(), "daemonset.yaml: one DaemonSet");
        return ds.getFirst();
    }

    static Container container(PodSpec spec, String name) {
        return spec.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container named " + name));
    }

    static Optional<String> env(Container c, String name) {
        return Optional.ofNullable(c.getEnv()).orElse(List.of()).stream().filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue).filter(v -> v != null).findFirst();
    }

    static Map<String, Volume> volumes(PodSpec spec) {
        Map<String, Volume> m = new HashMap<>();
        for (Volume v : spec.getVolumes()) {
            assertTrue(m.put(v.getName(), v) == null, "volume " + v.getName() + " defined twice");
        }
        return m;
    }

    /** The host path mounted at {@code mountPath} in {@code c}, or empty if none is. */
    static Optional<String> hostPathAt(PodSpec spec, Container c, String mountPath) {
        Map<String, Volume> vols = volumes(spec);
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = vols.get(m.getName());
            assertNotNull(v, c.getName() + " mounts volume " + m.getName() + ", which the pod does not define");
            if (m.getMountPath().equals(mountPath) && v.getHostPath() != null) {
                return Optional.of(v.getHostPath().getPath());
            }
        }
        return Optional.empty();
    }

    @Test
    void daemonSetRunsThePrivilegedSwitchOnLabelledNodes() {
        List<HasMetadata> objects = Manifests.load("daemonset.yaml");
        DaemonSet ds = daemonSet(objects);
        String ns = ds.getMetadata().getNamespace();
        assertNotNull(ns, "the DaemonSet names its namespace");
        List<Namespace> namespaces = Manifests.only(objects, Namespace.class);
        assertTrue(namespaces.stream().anyMatch(n -> n.getMetadata().getName().equals(ns)),
                "daemonset.yaml creates the namespace " + ns + " it uses");
        Namespace namespace = namespaces.stream().filter(n -> n.getMetadata().getName().equals(ns)).findFirst().orElseThrow();
        assertEquals("privileged", namespace.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"),
                "the namespace admits privileged pods (Pod Security): hostPath, hostNetwork, privileged");

        PodSpec spec = ds.getSpec().getTemplate().getSpec();
        String sa = spec.getServiceAccountName();
        assertTrue(Manifests.only(objects, ServiceAccount.class).stream()
                        .anyMatch(a -> a.getMetadata().getName().equals(sa) && ns.equals(a.getMetadata().getNamespace())),
                "the ServiceAccount " + sa + " is in daemonset.yaml, in namespace " + ns);
        Map<String, String> selector = ds.getSpec().getSelector().getMatchLabels();
        Map<String, String> labels = ds.getSpec().getTemplate().getMetadata().getLabels();
        selector.forEach((k, v) -> assertEquals(v, labels.get(k), "the selector's " + k + " matches the pod template"));
        assertEquals("true", spec.getNodeSelector().get("vswitch.io/enabled"), "runs on nodes labelled vswitch.io/enabled=true");
        assertEquals(Boolean.TRUE, spec.getHostNetwork(), "hostNetwork (tap/af_packet ports are the node's interfaces)");

        Container sw = container(spec, "vswitch");
        assertEquals(Boolean.TRUE, sw.getSecurityContext().getPrivileged(), "the switch runs privileged");
        assertEquals(CTL, env(sw, "VSWITCH_CTL").orElseThrow(), "VSWITCH_CTL");
        assertEquals(SOCKETS, env(sw, "VSWITCH_SOCKET_DIR").orElseThrow(), "VSWITCH_SOCKET_DIR");
        String db = env(sw, "VSWITCH_DB").orElseThrow();
        String huge = env(sw, "VSWITCH_HUGE_DIR").orElseThrow();

        // --metrics: the address parses as vswitch's own option does, its port is the container's
        // "metrics" port and the one the prometheus.io annotations (deploy/prometheus) point at.
        io.vswitch.metrics.MetricsAddress metrics = io.vswitch.metrics.MetricsAddress.parse(
                env(sw, "VSWITCH_METRICS").orElseThrow());
        assertTrue(sw.getPorts().stream().anyMatch(p -> "metrics".equals(p.getName())
                && p.getContainerPort() == metrics.port()), "a container port named metrics, " + metrics.port());
        Map<String, String> podAnnotations = ds.getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("true", podAnnotations.get("prometheus.io/scrape"), "prometheus.io/scrape");
        assertEquals(Integer.toString(metrics.port()), podAnnotations.get("prometheus.io/port"), "prometheus.io/port");
        assertEquals("/metrics", podAnnotations.get("prometheus.io/path"), "prometheus.io/path");

        // The host paths the switch shares with the node: its control socket (the CNI plugin
        // runs on the host), the pods' sockets, and --db, each at the same path on both sides.
        for (String dir : List.of("/run/vswitch", SOCKETS, parent(db))) {
            assertEquals(Optional.of(dir), hostPathAt(spec, sw, dir), "the switch mounts the host's " + dir + " at " + dir);
        }
        assertTrue(CTL.startsWith("/run/vswitch/"), "the control socket is in the /run/vswitch host path");

        // Hugepages: requested, and a HugePages emptyDir where the entrypoint points EAL.
        assertTrue(positive(sw.getResources().getLimits().get("hugepages-2Mi")), "the switch requests hugepages-2Mi");
        Map<String, Volume> vols = volumes(spec);
        assertTrue(sw.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals(huge)
                        && vols.get(m.getName()).getEmptyDir() != null
                        && "HugePages".equals(vols.get(m.getName()).getEmptyDir().getMedium())),
                "an emptyDir with medium HugePages is mounted at " + huge);

        // CPU pinning through the CPU manager: the entrypoint compares its cpuset with the limit.
        EnvVar cpuLimit = sw.getEnv().stream().filter(e -> e.getName().equals("CPU_LIMIT")).findFirst().orElseThrow();
        assertEquals("limits.cpu", cpuLimit.getValueFrom().getResourceFieldRef().getResource(), "CPU_LIMIT from limits.cpu");

        // Probes: vswitchctl ping on the same control socket.
        for (Probe p : List.of(sw.getLivenessProbe(), sw.getReadinessProbe(), sw.getStartupProbe())) {
            assertNotNull(p, "liveness, readiness and startup probes");
            List<String> cmd = p.getExec().getCommand();
            assertTrue(cmd.getFirst().endsWith("/vswitchctl") && cmd.contains("ping"), "probe runs vswitchctl ping: " + cmd);
            assertEquals(CTL, cmd.get(cmd.indexOf("--ctl") + 1), "probe's --ctl");
        }
        assertTrue(spec.getTerminationGracePeriodSeconds() >= 10, "time for SIGTERM: the switch closes its ports and exits");
    }

    @Test
    void everyPodIsGuaranteedWithIntegerCpus() {
        Map<String, PodSpec> specs = new HashMap<>();
        specs.put("daemonset.yaml", daemonSet(Manifests.load("daemonset.yaml")).getSpec().getTemplate().getSpec());
        for (String f : List.of("pod-testpmd-a.yaml", "pod-testpmd-b.yaml")) {
            specs.put(f, Manifests.only(Manifests.load(f), Pod.class).getFirst().getSpec());
        }
        specs.forEach((file, spec) -> {
            // The QoS class counts init containers too.
            List<Container> all = new ArrayList<>(spec.getContainers());
            if (spec.getInitContainers() != null) {
                all.addAll(spec.getInitContainers());
            }
            for (Container c : all) {
                String who = file + " container " + c.getName();
                Map<String, Quantity> req = c.getResources().getRequests();
                Map<String, Quantity> lim = c.getResources().getLimits();
                assertNotNull(lim, who + ": limits");
                for (String r : List.of("cpu", "memory")) {
                    assertTrue(positive(lim.get(r)), who + ": limits." + r);
                    assertNotNull(req, who + ": requests");
                    assertEquals(0, Quantity.getAmountInBytes(lim.get(r)).compareTo(Quantity.getAmountInBytes(req.get(r))),
                            who + ": requests." + r + " == limits." + r + " (Guaranteed QoS)");
                }
                BigDecimal cpus = Quantity.getAmountInBytes(lim.get("cpu"));
                assertTrue(cpus.stripTrailingZeros().scale() <= 0,
                        who + ": an integer CPU count (" + lim.get("cpu") + "), or the CPU manager gives no exclusive CPUs");
                for (String r : lim.keySet()) {
                    if (r.startsWith("hugepages-") && req != null && req.containsKey(r)) {
                        assertEquals(0, Quantity.getAmountInBytes(lim.get(r)).compareTo(Quantity.getAmountInBytes(req.get(r))),
                                who + ": hugepages requests == limits");
                    }
                }
            }
        });
    }

    @Test
    void initContainerInstallsThePluginIntoTheHostsCniBin() {
        DaemonSet ds = daemonSet(Manifests.load("daemonset.yaml"));
        PodSpec spec = ds.getSpec().getTemplate().getSpec();
        assertEquals(1, spec.getInitContainers().size(), "one init container");
        Container init = spec.getInitContainers().getFirst();
        assertEquals(List.of("/opt/vswitch/bin/install-cni"), init.getCommand(), "the init container runs install-cni");
        // install-cni writes to HOST_CNI_BIN and HOST_OPT: those must be the host's /opt/cni/bin
        // and /opt/vswitch (the plugin script runs /opt/vswitch/jre/bin/java on the host).
        String cniBin = env(init, "HOST_CNI_BIN").orElseThrow(() -> new AssertionError("HOST_CNI_BIN"));
        String opt = env(init, "HOST_OPT").orElseThrow(() -> new AssertionError("HOST_OPT"));
        assertEquals(Optional.of("/opt/cni/bin"), hostPathAt(spec, init, cniBin), "HOST_CNI_BIN is the host's /opt/cni/bin");
        assertEquals(Optional.of("/opt/vswitch"), hostPathAt(spec, init, opt), "HOST_OPT is the host's /opt/vswitch");
        assertEquals(ds.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage(), init.getImage(),
                "the init container installs the plugin from the switch's own image");
    }

    // ---- the NetworkAttachmentDefinitions -----------------------------------------------------------

    static Map<String, CniConfig> networks() {
        Map<String, CniConfig> out = new HashMap<>();
        for (NetworkAttachmentDefinition nad : Manifests.only(Manifests.load("network-attachment-definition.yaml"),
                NetworkAttachmentDefinition.class)) {
            String name = nad.getMetadata().getNamespace() + "/" + nad.getMetadata().getName();
            String config = nad.getSpec().getConfig();
            assertNotNull(config, name + ": spec.config");
            try {
                out.put(name, JSON.readValue(config.getBytes(StandardCharsets.UTF_8), CniConfig.class));
            } catch (java.io.IOException e) {
                fail(name + ": spec.config is not the vswitch-cni configuration: " + e.getMessage());
            }
        }
        return out;
    }

    @Test
    void networkConfigsAreVswitchCniConfigurations() {
        DaemonSet ds = daemonSet(Manifests.load("daemonset.yaml"));
        PodSpec dsSpec = ds.getSpec().getTemplate().getSpec();
        Container sw = container(dsSpec, "vswitch");
        int switchCpus = Quantity.getAmountInBytes(sw.getResources().getLimits().get("cpu")).intValueExact();
        int pollLoops = Math.max(1, switchCpus - 1); // the entrypoint leaves one CPU to the control thread

        Map<String, CniConfig> nets = networks();
        assertTrue(nets.size() >= 2, "two networks, to show VLAN isolation");
        Set<Integer> vlans = new HashSet<>();
        nets.forEach((name, c) -> {
            assertEquals("1.1.0", c.cniVersion(), name + ": cniVersion");
            assertEquals(name.substring(name.indexOf('/') + 1), c.name(), name + ": the config's name is the NAD's name");
            assertEquals("vswitch-cni", c.type(), name + ": type is the plugin's file name in /opt/cni/bin");
            assertEquals(env(sw, "VSWITCH_CTL").orElseThrow(), c.ctl(), name + ": ctl is the switch's --ctl");
            assertEquals(env(sw, "VSWITCH_SOCKET_DIR").orElseThrow(), c.sharedDir(), name + ": sharedDir");
            assertEquals(Optional.of(c.sharedDir()), hostPathAt(dsSpec, sw, c.sharedDir()),
                    name + ": sharedDir is a host path the switch mounts at the same path");
            assertEquals(Map.of("CNIDeviceInfoFile", true), c.capabilities(), name + ": capabilities");
            assertNotNull(c.host(), name + ": host");
            assertEquals("vswitch", c.host().engine(), name + ": host.engine");
            assertEquals("vhostuser", c.host().iftype(), name + ": host.iftype");
            assertTrue(Set.of("client", "server").contains(c.host().vhost().mode()), name + ": host.vhost.mode");
            int vlan = c.host().bridge().vlanId();
            assertTrue(vlan >= 1 && vlan <= 4094, name + ": host.bridge.vlanId in 1..4094");
            assertTrue(vlans.add(vlan), name + ": a VLAN of its own");
            assertTrue(c.host().queues() >= pollLoops, name + ": host.queues " + c.host().queues()
                    + " >= the switch's " + pollLoops + " poll loop(s) (each lcore has its own tx queue)");
            assertNotNull(c.container(), name + ": container");
            assertEquals("vhostuser", c.container().iftype(), name + ": container.iftype");
            assertNotEquals(c.host().vhost().mode(), c.container().vhost().mode(),
                    name + ": one side owns the socket, the other connects (container.vhost.mode != host.vhost.mode)");
            // <sharedDir>/<12 chars of the container id>-<ifname> fits a Unix socket address.
            int longest = (c.sharedDir() + "/" + "x".repeat(12) + "-" + "x".repeat(IFNAME_MAX)).length();
            assertTrue(longest <= SUN_PATH_MAX, name + ": socket paths up to " + longest + " bytes > " + SUN_PATH_MAX);
        });
    }

    // ---- the example pods ---------------------------------------------------------------------

    static List<NetworkSelectionElement> networksOf(Pod pod) {
        String annotation = pod.getMetadata().getAnnotations().get("k8s.v1.cni.cncf.io/networks");
        assertNotNull(annotation, pod.getMetadata().getName() + ": k8s.v1.cni.cncf.io/networks");
        try {
            List<NetworkSelectionElement> list = Manifests.YAML.readValue(annotation, new TypeReference<>() {});
            Manifests.strict(list, pod.getMetadata().getName() + " networks annotation");
            return list;
        } catch (java.io.IOException e) {
            throw new AssertionError(pod.getMetadata().getName() + ": the networks annotation is not Multus's JSON list: "
                    + e.getMessage());
        }
    }

    @Test
    void examplePodsUseTheNetworksAndMountTheSocketsTheWayThePluginWritesThem() {
        Map<String, CniConfig> nets = networks();
        DaemonSet ds = daemonSet(Manifests.load("daemonset.yaml"));
        Map<String, Pod> pods = new HashMap<>();
        for (String f : List.of("pod-testpmd-a.yaml", "pod-testpmd-b.yaml")) {
            List<Pod> p = Manifests.only(Manifests.load(f), Pod.class);
            assertEquals(1, p.size(), f + ": one Pod");
            pods.put(p.getFirst().getMetadata().getName(), p.getFirst());
        }
        for (Pod pod : pods.values()) {
            String who = pod.getMetadata().getName();
            String ns = Optional.ofNullable(pod.getMetadata().getNamespace()).orElse("default");
            PodSpec spec = pod.getSpec();
            assertEquals(ds.getSpec().getTemplate().getSpec().getNodeSelector().get("vswitch.io/enabled"),
                    spec.getNodeSelector().get("vswitch.io/enabled"), who + ": only on nodes that run the switch");
            List<NetworkSelectionElement> sel = networksOf(pod);
            assertEquals(1, sel.size(), who + ": one vswitch network");
            NetworkSelectionElement e = sel.getFirst();
            String key = Optional.ofNullable(e.getNamespace()).orElse(ns) + "/" + e.getName();
            CniConfig net = nets.get(key);
            assertNotNull(net, who + ": network " + key + " is not in network-attachment-definition.yaml " + nets.keySet());
            assertTrue(e.getInterface() == null || e.getInterface().length() <= IFNAME_MAX, who + ": interface name <= 15");

            Container c = spec.getContainers().getFirst();
            assertEquals(Optional.of(e.getName()), env(c, "VSWITCH_NETWORK"), who + ": testpmd-pod looks for the network it asked for");
            assertEquals(Optional.of(net.sharedDir()), hostPathAt(spec, c, net.sharedDir()),
                    who + ": mounts the host's sharedDir at the same path, so the socket path in device-info is valid in the pod");
            assertTrue(positive(c.getResources().getLimits().get("hugepages-2Mi")), who + ": hugepages-2Mi");
            Map<String, Volume> vols = volumes(spec);
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/dev/hugepages")
                    && "HugePages".equals(vols.get(m.getName()).getEmptyDir().getMedium())), who + ": HugePages emptyDir at /dev/hugepages");
            // The downward API file testpmd-pod reads: /etc/podinfo/annotations.
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/podinfo")
                            && vols.get(m.getName()).getDownwardAPI() != null
                            && vols.get(m.getName()).getDownwardAPI().getItems().stream().anyMatch(i -> i.getPath().equals("annotations")
                                    && i.getFieldRef().getFieldPath().equals("metadata.annotations"))),
                    who + ": the pod's annotations at /etc/podinfo/annotations (downward API)");
            assertEquals(List.of("/opt/vswitch/bin/testpmd-pod"), c.getCommand(), who + ": runs testpmd-pod");
        }
        // A generates, B answers; both on one network, and on one node (one switch per node).
        Pod a = pods.get("testpmd-a");
        Pod b = pods.get("testpmd-b");
        assertNotNull(a, "testpmd-a");
        assertNotNull(b, "testpmd-b");
        Container ca = a.getSpec().getContainers().getFirst();
        Container cb = b.getSpec().getContainers().getFirst();
        assertEquals(Optional.of("flowgen"), env(ca, "TESTPMD_FWD"), "A generates, and counts what comes back");
        assertEquals(Optional.of("macswap"), env(cb, "TESTPMD_FWD"), "B sends every frame back to its sender");
        assertEquals(networksOf(a).getFirst().getName(), networksOf(b).getFirst().getName(), "A and B share a network");
        var term = b.getSpec().getAffinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getFirst();
        assertEquals("kubernetes.io/hostname", term.getTopologyKey(), "B on A's node");
        term.getLabelSelector().getMatchLabels().forEach((k, v) ->
                assertEquals(v, a.getMetadata().getLabels().get(k), "B's affinity selects A's label " + k));
    }

    @Test
    void everyImageIsTheOneTheContainerfileBuilds() {
        Set<String> images = new HashSet<>();
        Stream.of("daemonset.yaml", "pod-testpmd-a.yaml", "pod-testpmd-b.yaml").forEach(f -> {
            for (HasMetadata o : Manifests.load(f)) {
                PodSpec spec = o instanceof DaemonSet d ? d.getSpec().getTemplate().getSpec()
                        : o instanceof Pod p ? p.getSpec() : null;
                if (spec != null) {
                    spec.getContainers().forEach(c -> images.add(c.getImage()));
                    Optional.ofNullable(spec.getInitContainers()).orElse(List.of()).forEach(c -> images.add(c.getImage()));
                }
            }
        });
        assertEquals(1, images.size(), "one image everywhere (the README's REGISTRY/vswitch:TAG): " + images);
        assertFalse(images.iterator().next().endsWith(":latest"), "a pinned tag, not :latest");
    }

    static String parent(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }

    static boolean positive(Quantity q) {
        return q != null && Quantity.getAmountInBytes(q).signum() > 0;
    }
}
