package io.vswitch;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.PackageMatcher;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of issue 11, held over the vswitch module's main classes and the bindings module:
 *
 * <pre>
 *   io.vswitch.bindings..   generated FFM bindings          depends on nothing else of io.vswitch
 *   io.vswitch.dpdk..       the only caller of the bindings  depends on no program
 *   io.vswitch.datapath..   pure Java packet logic           no DPDK, no bindings, no program
 *   programs                io.vswitch.reflector.., .gen.., .vm.., .ctl.., .sw.., .cni.., .metrics.., and the
 *                           top-level io.vswitch classes (Cli, ExitCode, UserError, DpdkOptions)
 *   io.vswitch.metrics..    the Prometheus endpoint: reads the switch (sw), which never depends on it
 * </pre>
 *
 * Each rule is checked twice: by ArchUnit over the bytecode, and over the {@code import} lines of
 * the vswitch module's main sources. The second check is there because javac inlines
 * compile-time constants ({@code static final} primitives and strings, e.g. the bindings'
 * {@code RTE_ETH_RSS_*}): using one leaves no trace in the class file, so the bytecode rule
 * cannot see it.
 */
class LayeringTest {
    static final String BINDINGS = "io.vswitch.bindings..";
    static final String DPDK = "io.vswitch.dpdk..";
    static final String DATAPATH = "io.vswitch.datapath..";
    static final String ALL = "io.vswitch..";
    /** The programs: their packages, and the top-level package itself (no "..": only its own classes). */
    static final String[] PROGRAMS = {"io.vswitch", "io.vswitch.reflector..", "io.vswitch.gen..", "io.vswitch.vm..",
            "io.vswitch.ctl..", "io.vswitch.sw..", "io.vswitch.cni..", "io.vswitch.metrics.."};

    /**
     * No class in {@code from} (outside {@code fromExcept}) may depend on a class in {@code to}
     * (outside {@code toExcept}); {@code name} says which layer rule that is.
     */
    record Rule(String name, String[] from, String[] fromExcept, String[] to, String[] toExcept) {
        boolean forbids(String fromPackage, String toPackage) {
            return in(fromPackage, from) && !in(fromPackage, fromExcept) && in(toPackage, to) && !in(toPackage, toExcept);
        }

        ArchRule archRule() {
            DescribedPredicate<JavaClass> origin = resideInAnyPackage(from);
            if (fromExcept.length > 0) origin = origin.and(resideOutsideOfPackages(fromExcept));
            DescribedPredicate<JavaClass> target = resideInAnyPackage(to);
            if (toExcept.length > 0) target = target.and(resideOutsideOfPackages(toExcept));
            return noClasses().that(origin).should().dependOnClassesThat(target).because(name);
        }

        private static boolean in(String pkg, String[] patterns) {
            for (String p : patterns) {
                if (PackageMatcher.of(p).matches(pkg)) return true;
            }
            return false;
        }
    }

    static final String[] NONE = {};

    static final Rule BINDINGS_ALONE = new Rule(
            "layer rule (a) broken: io.vswitch.bindings.. (generated bindings) must depend on nothing else of io.vswitch",
            new String[] {BINDINGS}, NONE, new String[] {ALL}, new String[] {BINDINGS});
    static final Rule DATAPATH_PURE = new Rule(
            "layer rule (b) broken: io.vswitch.datapath.. is pure Java: it must not depend on io.vswitch.dpdk..,"
                    + " io.vswitch.bindings.. or the programs",
            new String[] {DATAPATH}, NONE, concat(new String[] {DPDK, BINDINGS}, PROGRAMS), NONE);
    static final Rule ONLY_DPDK_CALLS_BINDINGS = new Rule(
            "layer rule (c) broken: only io.vswitch.dpdk.. may use io.vswitch.bindings..: reach DPDK through"
                    + " io.vswitch.dpdk (PacketIo, Mbufs, Tsc, EthPort, ...)",
            new String[] {ALL}, new String[] {DPDK, BINDINGS}, new String[] {BINDINGS}, NONE);
    static final Rule DPDK_BELOW_PROGRAMS = new Rule(
            "layer rule (d) broken: io.vswitch.dpdk.. must not depend on the programs (reflector, gen, vm, ctl, sw,"
                    + " io.vswitch.Cli/ExitCode/UserError/DpdkOptions): it reports errors as DpdkException",
            new String[] {DPDK}, NONE, PROGRAMS, NONE);

    static final Rule SWITCH_BELOW_METRICS = new Rule(
            "layer rule (e) broken: io.vswitch.sw.. must not depend on io.vswitch.metrics..: the metrics endpoint reads"
                    + " the switch (SwitchSnapshot) and is wired in by VswitchCommand through ControlledSwitch.Lifecycle",
            new String[] {"io.vswitch.sw.."}, NONE, new String[] {"io.vswitch.metrics.."}, NONE);

    /** The vswitch module's main classes and the bindings module's (from its jar or its target/classes). */
    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.vswitch");

    static final Path MAIN_SOURCES = Path.of(System.getProperty("vswitch.repo", "..")).resolve("vswitch/src/main/java");

    @Test
    void importsTheMainClassesOfBothModulesAndNoTests() {
        assertTrue(CLASSES.contain("io.vswitch.bindings.generated.vsshim_h"), "bindings module imported");
        assertTrue(CLASSES.contain("io.vswitch.dpdk.DpdkIo"), "dpdk layer imported");
        assertTrue(CLASSES.contain("io.vswitch.datapath.Forwarding"), "datapath layer imported");
        assertTrue(CLASSES.contain("io.vswitch.gen.GenLoop") && CLASSES.contain("io.vswitch.Cli"), "programs imported");
        assertTrue(CLASSES.contain("io.vswitch.cni.CniCommand"), "the CNI plugin imported");
        assertFalse(CLASSES.contain(LayeringTest.class.getName()), "test classes left out");
        assertTrue(Files.isDirectory(MAIN_SOURCES.resolve("io/vswitch/dpdk")), "main sources at " + MAIN_SOURCES);
    }

    @Test
    void bindingsDependOnNothingElseOfTheProject() {
        check(BINDINGS_ALONE);
    }

    @Test
    void datapathIsPureJava() {
        check(DATAPATH_PURE);
    }

    @Test
    void onlyTheDpdkLayerUsesTheBindings() {
        check(ONLY_DPDK_CALLS_BINDINGS);
    }

    @Test
    void dpdkLayerDoesNotDependOnThePrograms() {
        check(DPDK_BELOW_PROGRAMS);
    }

    @Test
    void theSwitchDoesNotDependOnTheMetricsEndpoint() {
        assertTrue(CLASSES.contain("io.vswitch.metrics.SwitchCollector"), "metrics package imported");
        check(SWITCH_BELOW_METRICS);
    }

    private static void check(Rule rule) {
        rule.archRule().check(CLASSES);
        List<String> broken = importViolations(rule);
        if (!broken.isEmpty()) {
            fail(rule.name() + " (imports in the main sources that leave no trace in the bytecode: inlined"
                    + " constants, unused imports):\n  "
                    + String.join("\n  ", broken));
        }
    }

    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?(io\\.vswitch\\.[\\w.]+?)(\\.\\*)?\\s*;",
            Pattern.MULTILINE);

    /** {@code file:line: import ...} for every import in the main sources that {@code rule} forbids. */
    static List<String> importViolations(Rule rule) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String src = Files.readString(f);
                Matcher pm = PACKAGE.matcher(src);
                if (!pm.find()) continue;
                String from = pm.group(1);
                Matcher im = IMPORT.matcher(src);
                while (im.find()) {
                    String to = importedPackage(im.group(2), im.group(1) != null, im.group(3) != null);
                    if (rule.forbids(from, to)) {
                        int line = (int) src.substring(0, im.start()).chars().filter(c -> c == '\n').count() + 1;
                        out.add(MAIN_SOURCES.relativize(f) + ":" + line + ": " + im.group().trim());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * The package an import names, resolved against the imported classes (generated class names
     * such as {@code rte_ethdev_h} are lower case, so case cannot tell a class from a package).
     */
    static String importedPackage(String name, boolean isStatic, boolean wildcard) {
        String cls = isStatic && !wildcard ? name.substring(0, name.lastIndexOf('.')) : name;
        for (String c = cls; c.contains("."); c = c.substring(0, c.lastIndexOf('.'))) {
            if (CLASSES.contain(c)) return CLASSES.get(c).getPackageName();
        }
        // Not a known class: a package (wildcard import), or a class this import cannot resolve.
        return wildcard && !isStatic ? name : name.substring(0, name.lastIndexOf('.'));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
