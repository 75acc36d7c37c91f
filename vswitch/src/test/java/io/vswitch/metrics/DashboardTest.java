package io.vswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vswitch.testutil.Dpdk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/grafana/vswitch-dashboard.json} reads only metrics the switch exports: every
 * metric name in its PromQL (panel targets and template variables) is one the collector
 * registers (here from its registry over a fake switch; {@link SwitchMetricsTest} checks the
 * same against a real scrape).
 */
class DashboardTest {
    static final Path FILE = Dpdk.REPO.resolve("deploy/grafana/vswitch-dashboard.json");

    static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(FILE.toFile());
    }

    /** Every PromQL expression of the dashboard: panel targets (rows' panels too) and query variables. */
    static List<String> expressions(JsonNode d) {
        List<String> out = new java.util.ArrayList<>();
        collectTargets(d.path("panels"), out);
        for (JsonNode v : d.path("templating").path("list")) {
            JsonNode q = v.path("query");
            String s = q.isTextual() ? q.asText() : q.path("query").asText("");
            Matcher m = Pattern.compile("^label_values\\((.*),\\s*\\w+\\)$").matcher(s.strip());
            if (m.matches()) {
                out.add(m.group(1));               // label_values(SELECTOR, label): the selector is PromQL
            } else if (!s.isBlank()) {
                out.add(s);
            }
        }
        return out;
    }

    private static void collectTargets(JsonNode panels, List<String> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                if (t.hasNonNull("expr")) {
                    out.add(t.get("expr").asText());
                }
            }
            collectTargets(p.path("panels"), out);
        }
    }

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern NAME = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    /** The metric names one PromQL expression reads (functions, keywords, labels and literals left out). */
    static Set<String> metricNames(String expr) {
        String e = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"|'(\\\\.|[^'\\\\])*'", "\"\"")   // string literals
                .replaceAll("\\{[^}]*}", "")                                                // label matchers
                .replaceAll("\\[[^]]*]", "")                                                // range and subquery
                .replaceAll("\\$\\{?\\w+}?", "");                                          // Grafana variables
        e = GROUPING.matcher(e).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(e);
        while (m.find()) {
            String n = m.group(1);
            if (m.group(2) == null && !KEYWORDS.contains(n.toLowerCase(java.util.Locale.ROOT))) {
                names.add(n);
            }
        }
        return names;
    }

    static Set<String> metricNames(JsonNode dashboard) {
        Set<String> all = new TreeSet<>();
        for (String e : expressions(dashboard)) {
            all.addAll(metricNames(e));
        }
        return all;
    }

    @Test
    void theExtractorFindsMetricNamesOnly() {
        assertEquals(Set.of("vswitch_port_rx_packets_total"), metricNames("sum by (instance, port) (rate("
                + "vswitch_port_rx_packets_total{instance=~\"$instance\", port=~\"$port\"}[1m])) / 1e6"));
        assertEquals(Set.of("a_total", "b"), metricNames("100 * a_total{x=\"y\"} / on(instance) group_left b > 0"));
        assertEquals(Set.of("up"), metricNames("max without (job) (up offset 5m) and bool 1"));
        assertEquals(Set.of("m"), metricNames("rate(m[$__rate_interval]) * 8"));
    }

    @Test
    void everyMetricTheDashboardReadsIsExported() throws Exception {
        Set<String> exported = SwitchCollectorTest.scrape(SwitchCollectorTest.fake()).seriesNames();
        Set<String> used = metricNames(dashboard());
        assertFalse(used.isEmpty());
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        assertTrue(missing.isEmpty(), "the dashboard reads metrics the switch does not export: " + missing
                + " (exported: " + new TreeSet<>(exported) + ")");
        for (String want : List.of("vswitch_port_rx_packets_total", "vswitch_port_tx_packets_total",
                "vswitch_port_dropped_packets_total", "vswitch_mac_table_entries", "vswitch_mac_table_capacity",
                "vswitch_mbufs_in_use", "vswitch_lcore_poll_seconds_bucket", "vswitch_lcore_poll_seconds_count")) {
            assertTrue(used.contains(want), "the dashboard shows " + want + ": " + used);
        }
    }

    @Test
    void theDashboardImportsIntoGrafana() throws Exception {
        JsonNode d = dashboard();
        assertEquals("vswitch-overview", d.path("uid").asText());
        assertEquals("DS_PROMETHEUS", d.path("__inputs").get(0).path("name").asText(), "asks for a Prometheus data source");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.path("panels")) {
            assertTrue(ids.add(p.path("id").asInt()), "panel ids unique: " + p.path("id"));
            assertFalse(p.path("title").asText().isBlank());
            assertTrue(p.path("gridPos").has("w") && p.path("gridPos").has("h"), p.path("title").asText());
            if (!p.path("type").asText().equals("row")) {
                assertEquals("${DS_PROMETHEUS}", p.path("datasource").path("uid").asText(), p.path("title").asText());
                assertTrue(p.path("targets").size() > 0, p.path("title").asText());
            }
        }
    }
}
