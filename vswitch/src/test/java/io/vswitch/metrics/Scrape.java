package io.vswitch.metrics;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One scrape of {@code /metrics}, as Prometheus makes it: over HTTP, asking for the protobuf
 * format, parsed with the Prometheus client library's own generated protobuf classes
 * ({@code io.prometheus.client.MetricFamily}, length-delimited) into families by name.
 */
record Scrape(Map<String, Family> families) {
    static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;"
            + " encoding=delimited";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * A family: its type (COUNTER, GAUGE, HISTOGRAM) and its samples, each labels to value (a
     * histogram's: its count); a histogram's buckets per labels, each upper bound to its
     * cumulative count.
     */
    record Family(String name, String type, String help, Map<Map<String, String>, Double> samples,
                  Map<Map<String, String>, Map<Double, Long>> buckets, Map<Map<String, String>, Double> sums) {
        /** The cumulative bucket counts (upper bound to count) of the histogram sample with {@code labels}. */
        Map<Double, Long> buckets(String... labels) {
            Map<String, String> want = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                want.put(labels[i], labels[i + 1]);
            }
            Map<Double, Long> b = buckets.get(want);
            if (b == null) {
                throw new AssertionError(name + " has no histogram " + want + "; it has " + buckets.keySet());
            }
            return b;
        }

        double value(String... labels) {
            Map<String, String> want = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                want.put(labels[i], labels[i + 1]);
            }
            Double v = samples.get(want);
            if (v == null) {
                throw new AssertionError(name + " has no sample " + want + "; it has " + samples.keySet());
            }
            return v;
        }

        /** The sum over the samples whose labels include {@code labels}. */
        double sum(String... labels) {
            double s = 0;
            for (var e : samples.entrySet()) {
                boolean match = true;
                for (int i = 0; i < labels.length; i += 2) {
                    match &= labels[i + 1].equals(e.getKey().get(labels[i]));
                }
                s += match ? e.getValue() : 0;
            }
            return s;
        }
    }

    static Scrape of(int port) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", PROTOBUF).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics: HTTP " + r.statusCode() + ": " + new String(r.body()));
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("application/vnd.google.protobuf")) {
            throw new AssertionError("asked for protobuf, got Content-Type " + type);
        }
        return parse(new ByteArrayInputStream(r.body()));
    }

    static Scrape parse(InputStream in) throws IOException {
        Map<String, Family> out = new LinkedHashMap<>();
        Metrics.MetricFamily f;
        while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            Map<Map<String, String>, Double> samples = new LinkedHashMap<>();
            Map<Map<String, String>, Map<Double, Long>> buckets = new LinkedHashMap<>();
            Map<Map<String, String>, Double> sums = new LinkedHashMap<>();
            for (Metrics.Metric m : f.getMetricList()) {
                Map<String, String> labels = m.getLabelList().stream().collect(Collectors.toMap(
                        Metrics.LabelPair::getName, Metrics.LabelPair::getValue, (a, b) -> a, TreeMap::new));
                double v = switch (f.getType()) {
                    case COUNTER -> m.getCounter().getValue();
                    case GAUGE -> m.getGauge().getValue();
                    case HISTOGRAM -> {
                        Map<Double, Long> b = new TreeMap<>();
                        for (Metrics.Bucket x : m.getHistogram().getBucketList()) {
                            b.put(x.getUpperBound(), x.getCumulativeCount());
                        }
                        buckets.put(labels, b);
                        sums.put(labels, m.getHistogram().getSampleSum());
                        yield (double) m.getHistogram().getSampleCount();
                    }
                    default -> throw new AssertionError(f.getName() + ": unexpected type " + f.getType());
                };
                if (samples.put(labels, v) != null) {
                    throw new AssertionError(f.getName() + ": two samples with labels " + labels);
                }
            }
            if (out.put(f.getName(), new Family(f.getName(), f.getType().name(), f.getHelp(), samples, buckets, sums)) != null) {
                throw new AssertionError("family " + f.getName() + " twice");
            }
        }
        return new Scrape(out);
    }

    Family family(String name) {
        Family f = families.get(name);
        if (f == null) {
            throw new AssertionError("no metric " + name + " in the scrape; it has " + families.keySet());
        }
        return f;
    }

    List<String> names() {
        return List.copyOf(families.keySet());
    }

    /** The names PromQL reads: the families' names, a histogram's as its _bucket, _count and _sum series. */
    java.util.Set<String> seriesNames() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (Family f : families.values()) {
            if (f.type().equals("HISTOGRAM")) {
                for (String series : List.of("_bucket", "_count", "_sum")) {
                    out.add(f.name() + series);
                }
            } else {
                out.add(f.name());
            }
        }
        return out;
    }

    /** The text format, as a person or curl sees it. */
    static String text(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics: HTTP " + r.statusCode());
        }
        return r.body();
    }
}
