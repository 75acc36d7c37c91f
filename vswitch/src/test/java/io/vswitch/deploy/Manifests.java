package io.vswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.openshift.api.model.miscellaneous.cncf.cni.v1.NetworkAttachmentDefinition;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * deploy/kubernetes/*.yaml read as the Kubernetes objects they claim to be, with fabric8's
 * model classes (the schema of each kind as Java types).
 *
 * <p>fabric8's models accept fields they do not know into {@code additionalProperties}
 * (a server would reject or drop them), so {@link #strict} walks every model object and
 * fails on any: a misspelt field ({@code hostpath:}, {@code medium: Hugepages} is a value,
 * but {@code mediums:} a field) fails the test with its path in the document.
 */
final class Manifests {
    static final Path REPO = Path.of(System.getProperty("vswitch.repo", "..")).toAbsolutePath().normalize();
    static final Path DIR = REPO.resolve("deploy/kubernetes");

    /** YAML in, model objects out; unknown properties fail where the model has no catch-all. */
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** The kinds these manifests may hold, by apiVersion/kind. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/Pod", Pod.class,
            "apps/v1/DaemonSet", DaemonSet.class,
            "k8s.cni.cncf.io/v1/NetworkAttachmentDefinition", NetworkAttachmentDefinition.class);

    /** Node equality where 30 (an int) and 30 (a long) are the same number. */
    private static final Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private Manifests() {}

    /** Every document of one file, each as its model class, checked strictly. */
    static List<HasMetadata> load(String file) {
        Path path = DIR.resolve(file);
        assertTrue(Files.isRegularFile(path), path + " missing");
        List<HasMetadata> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(path.toFile())) {
            int index = 0;
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                index++;
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                String where = file + " document " + index;
                String apiVersion = doc.path("apiVersion").asText("");
                String kind = doc.path("kind").asText("");
                Class<? extends HasMetadata> type = KINDS.get(apiVersion + "/" + kind);
                assertNotNull(type, where + ": apiVersion " + apiVersion + " kind " + kind + " is not a kind these manifests use");
                HasMetadata object = YAML.treeToValue(doc, type);
                strict(object, where + " (" + kind + ")");
                // Nothing read was lost or changed in type on the way in: written back, the
                // object is the document.
                JsonNode back = YAML.valueToTree(object);
                assertTrue(doc.equals(SAME_VALUE, back), where + ": the " + kind + " model does not read back as written"
                        + " (a value of the wrong type, or a field the model drops):\n  read    " + doc + "\n  written " + back);
                assertNotNull(object.getMetadata(), where + ": no metadata");
                assertNotNull(object.getMetadata().getName(), where + ": no metadata.name");
                out.add(object);
            }
        } catch (IOException e) {
            fail(file + ": does not parse: " + e.getMessage());
        }
        assertTrue(!out.isEmpty(), file + " holds no object");
        return out;
    }

    static <T> List<T> only(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /**
     * Fails on any field a fabric8 model object took into additionalProperties (a field
     * its kind does not have), anywhere below {@code o}.
     */
    static void strict(Object o, String path) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean
                || o instanceof Enum<?> || o instanceof JsonNode) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                strict(e, path + "[" + i++ + "]");
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                strict(e.getValue(), path + "." + e.getKey());
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        List<Method> getters = new ArrayList<>();
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() == 0 && !Modifier.isStatic(m.getModifiers())
                    && m.getName().startsWith("get") && m.getName().length() > 3
                    && !m.getName().equals("getClass") && m.getReturnType() != void.class) {
                getters.add(m);
            }
        }
        getters.sort(Comparator.comparing(Method::getName));
        for (Method m : getters) {
            Object value;
            try {
                value = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue; // a computed getter that does not apply to this object
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    fail(path + ": unknown field(s) " + extra.keySet() + " for "
                            + o.getClass().getSimpleName() + " (misspelt, or at the wrong level?)");
                }
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            strict(value, path + "." + field);
        }
    }
}
