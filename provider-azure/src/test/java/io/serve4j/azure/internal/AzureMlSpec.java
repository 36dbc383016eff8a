package io.serve4j.azure.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Azure ML's published REST contract for api-version 2025-12-01 ({@code mfe.json} from
 * Azure/azure-rest-api-specs with the ARM common types it references, in {@code
 * src/test/resources/azureml/spec}, see the README there), applied to the requests the provider's
 * tests send.
 *
 * <p>A request is matched to its operation by method, path template and {@code api-version}; its
 * body is validated by networknt's JSON Schema validator (draft 2019-09, {@code readOnly} enforced
 * as for a request) against the operation's body definition. Swagger 2.0 is not JSON Schema, so the
 * definitions are first put in the validator's terms, keeping their meaning as AutoRest and ARM
 * give it: {@code allOf} inheritance is flattened (a definition's {@code additionalProperties:
 * false} closes the inherited properties too), a reference to a polymorphic base selects the
 * subtype its {@code discriminator} value names ({@code x-ms-discriminator-value}), {@code
 * x-nullable} admits null. What JSON Schema cannot say is checked here against the resource as the
 * service holds it before a PUT: a field whose {@code x-ms-mutability} lacks {@code update} keeps
 * its value, and a dictionary whose description says its entries "can be added, but not removed or
 * altered" keeps every entry.
 */
final class AzureMlSpec {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROOT = "azureml/spec/specification/";
  private static final String MFE =
      ROOT
          + "machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/"
          + "2025-12-01/mfe.json";
  private static final String TYPES = ROOT + "common-types/resource-management/v3/types.json";
  private static final String IDENTITY =
      ROOT + "common-types/resource-management/v3/managedidentity.json";
  private static final String DOC = "https://serve4j.test/azureml/2025-12-01.json";
  private static final String ADD_ONLY = "can be added, but not removed or altered";

  private static volatile AzureMlSpec instance;

  /** The operation a request was matched to. */
  record Operation(String method, String template, Pattern path, String id, String bodyDef) {}

  /** What one request was found to be. */
  record Verdict(Operation operation, boolean hadBody, List<String> violations) {}

  private final String apiVersion;
  private final ObjectNode definitions;
  private final List<Operation> operations = new ArrayList<>();
  private final SchemaRegistry registry;
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

  static AzureMlSpec get() {
    AzureMlSpec s = instance;
    if (s == null) {
      synchronized (AzureMlSpec.class) {
        s = instance;
        if (s == null) {
          s = new AzureMlSpec();
          instance = s;
        }
      }
    }
    return s;
  }

  private AzureMlSpec() {
    JsonNode mfe = read(MFE);
    this.apiVersion = mfe.path("info").path("version").asText();
    ObjectNode raw = JSON.createObjectNode();
    merge(raw, read(TYPES), "common.types.");
    merge(raw, read(IDENTITY), "common.identity.");
    merge(raw, mfe, "");
    this.definitions = translate(raw);
    ObjectNode doc = JSON.createObjectNode();
    doc.put("$schema", "https://json-schema.org/draft/2019-09/schema");
    doc.set("definitions", definitions);
    this.registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2019_09, b -> b.schemas(Map.of(DOC, doc.toString())));
    mfe.path("paths")
        .fields()
        .forEachRemaining(
            p ->
                p.getValue()
                    .fields()
                    .forEachRemaining(m -> operations.add(operation(p.getKey(), m))));
  }

  // ---------------------------------------------------------------- loading

  private static JsonNode read(String resource) {
    try (InputStream in = AzureMlSpec.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing " + resource);
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds a file's definitions under a prefix, its references rewritten to the merged names. */
  private static void merge(ObjectNode into, JsonNode file, String prefix) {
    file.path("definitions")
        .fields()
        .forEachRemaining(e -> into.set(prefix + e.getKey(), rewriteRefs(e.getValue(), prefix)));
  }

  private static JsonNode rewriteRefs(JsonNode node, String prefix) {
    if (node.isObject()) {
      ObjectNode copy = JSON.createObjectNode();
      node.fields()
          .forEachRemaining(
              e -> {
                if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
                  copy.put("$ref", "#/definitions/" + refName(e.getValue().asText(), prefix));
                } else {
                  copy.set(e.getKey(), rewriteRefs(e.getValue(), prefix));
                }
              });
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JSON.createArrayNode();
      node.forEach(n -> copy.add(rewriteRefs(n, prefix)));
      return copy;
    }
    return node;
  }

  private static String refName(String ref, String prefix) {
    String name = ref.substring(ref.lastIndexOf('/') + 1);
    if (ref.startsWith("#/definitions/")) {
      return prefix + name;
    }
    if (ref.contains("types.json#/definitions/")) {
      return "common.types." + name;
    }
    if (ref.contains("managedidentity.json#/definitions/")) {
      return "common.identity." + name;
    }
    throw new IllegalStateException("unresolvable $ref " + ref);
  }

  // ---------------------------------------------------------------- Swagger 2.0 -> JSON Schema

  /**
   * The definitions in JSON Schema terms: each flattened (inherited properties, required and
   * closure merged in), a polymorphic base {@code B} also as {@code B.poly} (the base, open, plus
   * the subtype its discriminator value selects), references to a polymorphic base pointed at its
   * {@code .poly}.
   */
  private static ObjectNode translate(ObjectNode raw) {
    Map<String, Map<String, String>> subtypes = new HashMap<>(); // base -> value -> subtype
    raw.fields()
        .forEachRemaining(
            e -> {
              for (String parent : parents(e.getValue())) {
                if (raw.path(parent).has("discriminator")) {
                  String value = e.getValue().path("x-ms-discriminator-value").asText(e.getKey());
                  subtypes
                      .computeIfAbsent(parent, k -> new LinkedHashMap<>())
                      .put(value, e.getKey());
                }
              }
            });
    ObjectNode out = JSON.createObjectNode();
    raw.fieldNames()
        .forEachRemaining(
            name -> out.set(name, schema(flatten(raw, name, new LinkedHashSet<>()), raw)));
    subtypes.forEach(
        (base, byValue) -> {
          String property = raw.path(base).path("discriminator").asText();
          ObjectNode open = out.path(base).deepCopy();
          open.remove("additionalProperties");
          open.put("$comment", "polymorphic base " + base + ": the subtype checks the rest");
          out.set(base + ".open", open);
          ObjectNode poly = JSON.createObjectNode();
          ArrayNode all = poly.putArray("allOf");
          all.addObject().put("$ref", "#/definitions/" + base + ".open");
          byValue.forEach(
              (value, sub) -> {
                ObjectNode branch = all.addObject();
                ObjectNode cond = branch.putObject("if");
                cond.putObject("properties").putObject(property).put("const", value);
                cond.putArray("required").add(property);
                branch.putObject("then").put("$ref", "#/definitions/" + sub);
              });
          out.set(base + ".poly", poly);
        });
    // References (outside inheritance, which is flattened away) to a polymorphic base.
    out.fields()
        .forEachRemaining(
            e -> {
              if (!e.getKey().endsWith(".poly")) {
                pointAtPoly(e.getValue(), subtypes.keySet());
              }
            });
    return out;
  }

  private static List<String> parents(JsonNode def) {
    List<String> parents = new ArrayList<>();
    for (JsonNode a : def.path("allOf")) {
      if (a.has("$ref")) {
        String ref = a.path("$ref").asText();
        parents.add(ref.substring(ref.lastIndexOf('/') + 1));
      }
    }
    return parents;
  }

  /** A definition with its ancestors' properties, required and closure merged in. */
  private static ObjectNode flatten(ObjectNode raw, String name, Set<String> seen) {
    if (!seen.add(name)) {
      throw new IllegalStateException("inheritance cycle at " + name);
    }
    JsonNode def = raw.path(name);
    ObjectNode flat = JSON.createObjectNode();
    ObjectNode properties = JSON.createObjectNode();
    Set<String> required = new LinkedHashSet<>();
    boolean closed = false;
    for (String parent : parents(def)) {
      ObjectNode p = flatten(raw, parent, new LinkedHashSet<>(seen));
      p.path("properties").fields().forEachRemaining(e -> properties.set(e.getKey(), e.getValue()));
      p.path("required").forEach(r -> required.add(r.asText()));
      closed |=
          p.path("additionalProperties").isBoolean() && !p.path("additionalProperties").asBoolean();
      if (p.has("type") && !def.has("type")) {
        flat.set("type", p.get("type"));
      }
    }
    def.fields()
        .forEachRemaining(
            e -> {
              switch (e.getKey()) {
                case "allOf" -> {
                  ArrayNode inline = JSON.createArrayNode();
                  e.getValue()
                      .forEach(
                          a -> {
                            if (!a.has("$ref")) {
                              inline.add(a);
                            }
                          });
                  if (!inline.isEmpty()) {
                    flat.set("allOf", inline);
                  }
                }
                case "properties" ->
                    e.getValue()
                        .fields()
                        .forEachRemaining(p -> properties.set(p.getKey(), p.getValue()));
                case "required" -> e.getValue().forEach(r -> required.add(r.asText()));
                default -> flat.set(e.getKey(), e.getValue());
              }
            });
    if (!properties.isEmpty()) {
      flat.set("properties", properties);
    }
    if (!required.isEmpty()) {
      ArrayNode r = flat.putArray("required");
      required.forEach(r::add);
    }
    if (closed && !flat.has("additionalProperties")) {
      flat.put("additionalProperties", false);
    }
    return flat;
  }

  /**
   * A Swagger schema in JSON Schema terms: {@code x-nullable} admits null; the Swagger-only {@code
   * discriminator} string and vendor extensions are kept as annotations.
   */
  private static JsonNode schema(JsonNode node, ObjectNode raw) {
    if (node.isArray()) {
      ArrayNode a = JSON.createArrayNode();
      node.forEach(n -> a.add(schema(n, raw)));
      return a;
    }
    if (!node.isObject()) {
      return node;
    }
    ObjectNode s = JSON.createObjectNode();
    node.fields()
        .forEachRemaining(
            e -> {
              String k = e.getKey();
              JsonNode v = e.getValue();
              if (k.equals("properties") || k.equals("definitions")) {
                ObjectNode props = JSON.createObjectNode();
                v.fields().forEachRemaining(p -> props.set(p.getKey(), schema(p.getValue(), raw)));
                s.set(k, props);
              } else if (k.equals("items")
                  || k.equals("additionalProperties")
                  || k.equals("allOf")) {
                s.set(k, schema(v, raw));
              } else if (k.equals("discriminator")) {
                s.put("x-discriminator", v.asText());
              } else if (k.equals("x-ms-enum") || k.equals("example") || k.equals("x-ms-secret")) {
                s.set(k, v); // annotations
              } else {
                s.set(k, v);
              }
            });
    if (node.path("x-nullable").asBoolean(false)) {
      if (s.has("$ref")) {
        ObjectNode ref = JSON.createObjectNode().put("$ref", s.remove("$ref").asText());
        ArrayNode any = s.putArray("anyOf");
        any.addObject().put("type", "null");
        any.add(ref);
      } else if (s.path("type").isTextual()) {
        ArrayNode types = JSON.createArrayNode();
        types.add(s.path("type").asText()).add("null");
        s.set("type", types);
        if (s.path("enum").isArray()) {
          ((ArrayNode) s.path("enum")).addNull();
        }
      }
    }
    return s;
  }

  private static void pointAtPoly(JsonNode node, Set<String> bases) {
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      JsonNode ref = o.get("$ref");
      if (ref != null && ref.isTextual()) {
        String name = ref.asText().substring("#/definitions/".length());
        if (bases.contains(name)) {
          o.put("$ref", "#/definitions/" + name + ".poly");
        }
      }
      o.fields().forEachRemaining(e -> pointAtPoly(e.getValue(), bases));
    } else if (node.isArray()) {
      node.forEach(n -> pointAtPoly(n, bases));
    }
  }

  private Operation operation(String template, Map.Entry<String, JsonNode> m) {
    String regex = "(?i)" + Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
    String bodyDef = null;
    for (JsonNode p : m.getValue().path("parameters")) {
      if ("body".equals(p.path("in").asText())) {
        String ref = p.path("schema").path("$ref").asText();
        bodyDef = ref.substring(ref.lastIndexOf('/') + 1);
      }
    }
    return new Operation(
        m.getKey().toUpperCase(java.util.Locale.ROOT),
        template,
        Pattern.compile(regex),
        m.getValue().path("operationId").asText(),
        bodyDef);
  }

  // ---------------------------------------------------------------- checking

  /** The API version the contract describes. */
  String apiVersion() {
    return apiVersion;
  }

  /**
   * Checks one control-plane request.
   *
   * @param method HTTP method
   * @param url path and query, without the host
   * @param body the body, possibly empty
   * @param existing for a PUT, the resource as the service holds it before; else null
   * @return the operation matched (null if none) and what is wrong
   */
  Verdict check(String method, String url, byte[] body, JsonNode existing) {
    List<String> violations = new ArrayList<>();
    String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
    Operation op =
        operations.stream()
            .filter(o -> o.method().equals(method) && o.path().matcher(path).matches())
            .findFirst()
            .orElse(null);
    String where = method + " " + path;
    if (op == null) {
      violations.add(where + ": no operation of the contract has this method and path");
      return new Verdict(null, body != null && body.length > 0, violations);
    }
    List<String> versions = queryValues(query, "api-version");
    if (!versions.equals(List.of(apiVersion))) {
      violations.add(where + " (" + op.id() + "): api-version " + versions + ", not " + apiVersion);
    }
    boolean hasBody = body != null && body.length > 0;
    if (op.bodyDef() == null) {
      if (hasBody) {
        violations.add(where + " (" + op.id() + ") takes no body, one was sent");
      }
      return new Verdict(op, hasBody, violations);
    }
    if (!hasBody) {
      violations.add(where + " (" + op.id() + ") requires a " + op.bodyDef() + " body");
      return new Verdict(op, false, violations);
    }
    String text = new String(body, StandardCharsets.UTF_8);
    List<Error> errors =
        schema(op.bodyDef())
            .validate(text, InputFormat.JSON, ctx -> ctx.executionConfig(c -> c.readOnly(true)));
    for (Error e : errors) {
      violations.add(where + " (" + op.id() + ", " + op.bodyDef() + "): " + e);
    }
    if (existing != null && method.equals("PUT")) {
      JsonNode sent;
      try {
        sent = JSON.readTree(text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      mutability(
          definitions.path(op.bodyDef()),
          sent,
          existing,
          "$",
          where + " (" + op.id() + ")",
          violations);
    }
    return new Verdict(op, true, violations);
  }

  private Schema schema(String def) {
    return schemas.computeIfAbsent(
        def, d -> registry.getSchema(SchemaLocation.of(DOC + "#/definitions/" + d)));
  }

  private static List<String> queryValues(String query, String name) {
    List<String> values = new ArrayList<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        values.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  /**
   * An update PUT against the resource as it is: create-only fields keep their value, add-only
   * dictionaries keep every entry.
   */
  private void mutability(
      JsonNode schema, JsonNode sent, JsonNode was, String at, String where, List<String> out) {
    ObjectNode s = resolve(schema, sent);
    if (s == null || !sent.isObject() || !was.isObject()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode ps = e.getValue();
      JsonNode now = sent.get(name);
      JsonNode before = was.get(name);
      String field = at + "." + name;
      if (before == null || before.isNull()) {
        continue;
      }
      JsonNode mut = ps.path("x-ms-mutability");
      if (mut.isArray() && !contains(mut, "update") && !ps.path("readOnly").asBoolean(false)) {
        if (now == null && contains(mut, "read")) {
          out.add(
              where
                  + ": "
                  + field
                  + " is create-only (x-ms-mutability "
                  + mut
                  + ") and was "
                  + before
                  + "; the update leaves it out");
        } else if (now != null && !now.equals(before)) {
          out.add(
              where
                  + ": "
                  + field
                  + " is create-only (x-ms-mutability "
                  + mut
                  + "): "
                  + before
                  + " -> "
                  + now);
        }
      }
      if (ps.path("description").asText("").contains(ADD_ONLY) && before.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> kv = before.fields(); kv.hasNext(); ) {
          Map.Entry<String, JsonNode> entry = kv.next();
          JsonNode n = now == null ? null : now.get(entry.getKey());
          if (n == null || !n.equals(entry.getValue())) {
            out.add(
                where
                    + ": "
                    + field
                    + " entries \""
                    + ADD_ONLY
                    + "\": "
                    + entry.getKey()
                    + "="
                    + entry.getValue()
                    + " -> "
                    + (n == null ? "removed" : n));
          }
        }
      }
      if (now != null && now.isObject()) {
        mutability(ps, now, before, field, where, out);
      }
    }
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode v : array) {
      if (v.asText().equalsIgnoreCase(value)) {
        return true;
      }
    }
    return false;
  }

  /** The object schema a value is checked against: references followed, the subtype selected. */
  private ObjectNode resolve(JsonNode schema, JsonNode value) {
    JsonNode s = schema;
    for (int i = 0; i < 10 && s != null; i++) {
      if (s.has("anyOf")) {
        JsonNode next = null;
        for (JsonNode a : s.path("anyOf")) {
          if (!"null".equals(a.path("type").asText())) {
            next = a;
          }
        }
        s = next;
        continue;
      }
      if (!s.has("$ref")) {
        return s.isObject() ? (ObjectNode) s : null;
      }
      String name = s.path("$ref").asText().substring("#/definitions/".length());
      if (name.endsWith(".poly")) {
        String base = name.substring(0, name.length() - ".poly".length());
        String property = definitions.path(base).path("x-discriminator").asText();
        String chosen = base;
        for (JsonNode branch : definitions.path(name).path("allOf")) {
          JsonNode c = branch.path("if").path("properties").path(property).path("const");
          if (!c.isMissingNode() && c.asText().equals(value.path(property).asText(null))) {
            chosen = branch.path("then").path("$ref").asText().substring("#/definitions/".length());
          }
        }
        name = chosen;
      }
      s = definitions.path(name);
    }
    return null;
  }
}
