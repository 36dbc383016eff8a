package io.serve4j.aws;

import static io.serve4j.aws.ServiceModels.resolve;
import static io.serve4j.aws.ServiceModels.type;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.aws.ServiceModels.Service;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks one request that reached {@link FakeAws} against AWS's published service models ({@link
 * ServiceModels}): the operation is known; against the current model, every member sent is a member
 * of the operation's input (JSON bodies, S3 and SageMaker Runtime headers and query parameters, S3
 * XML bodies, STS query parameters) and every required member is there; against the older botocore
 * model, each constraint it states for a member it knows (enum, pattern, length, list and map size,
 * numeric range). Thread-safe.
 */
final class RequestConformance {
  /** Requests checked in this JVM, for the report. */
  static final AtomicLong CHECKED = new AtomicLong();

  /** Requests checked per operation ("sagemaker CreateModel"), for the report. */
  static final Map<String, AtomicLong> BY_OPERATION = new ConcurrentHashMap<>();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

  /** Headers of the HTTP and signing layers, not members of any operation. */
  private static final Set<String> PROTOCOL_HEADERS =
      Set.of(
          "x-amz-date",
          "x-amz-security-token",
          "x-amz-content-sha256",
          "x-amz-decoded-content-length",
          "x-amz-trailer",
          "x-amz-user-agent",
          "x-amz-target",
          "x-amzn-trace-id",
          "x-amzn-query-mode",
          // The S3 client's GetObject asks S3 to append the object's MD5 to the body (the SDK's
          // S3Configuration.checksumValidationEnabled, on by default): a transfer setting of the
          // SDK, not a member of the operation.
          "x-amz-te");

  private final Map<String, Service> services;

  RequestConformance(Map<String, Service> services) {
    this.services = services;
  }

  /** The outcome of one check. */
  record Result(String operation, List<String> violations) {}

  /**
   * Checks a request.
   *
   * @param call the request as the fake received it
   * @return the operation ("sagemaker CreateModel") and the violations, none if it conforms
   */
  Result check(FakeAws.Call call) {
    List<String> out = new ArrayList<>();
    String op;
    if (call.target() != null) {
      op = json(call, out);
    } else if (call.path().startsWith("/endpoints/")) {
      op = rest(services.get("sagemaker-runtime"), call, out);
    } else if ("POST".equals(call.method())
        && call.path().equals("/")
        && new String(call.body(), StandardCharsets.UTF_8).contains("Action=")) {
      op = query(services.get("sts"), call, out);
    } else {
      op = rest(services.get("s3"), call, out);
    }
    CHECKED.incrementAndGet();
    BY_OPERATION.computeIfAbsent(op, k -> new AtomicLong()).incrementAndGet();
    List<String> named = new ArrayList<>();
    for (String v : out) {
      named.add(op + ": " + v);
    }
    return new Result(op, named);
  }

  // ------------------------------------------------------------------ awsJson1_1

  private String json(FakeAws.Call call, List<String> out) {
    String target = call.target();
    int dot = target.indexOf('.');
    String prefix = dot < 0 ? target : target.substring(0, dot);
    String name = dot < 0 ? "" : target.substring(dot + 1);
    Service s =
        services.values().stream()
            .filter(x -> prefix.equals(x.current().at("/metadata/targetPrefix").asText()))
            .findFirst()
            .orElse(null);
    if (s == null) {
      out.add("X-Amz-Target " + target + ": no service has target prefix " + prefix);
      return "? " + target;
    }
    String op = s.name() + " " + name;
    if (s.operation(name) == null) {
      out.add("unknown operation " + name + " of " + s.name());
      return op;
    }
    String contentType =
        "application/x-amz-json-" + s.current().at("/metadata/jsonVersion").asText();
    if (!contentType.equals(call.header("Content-Type"))) {
      out.add("Content-Type " + call.header("Content-Type") + ", the model says " + contentType);
    }
    JsonNode body;
    try {
      body = call.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(call.body());
    } catch (IOException e) {
      out.add("body is not JSON: " + e.getMessage());
      return op;
    }
    value(s, "", body, s.input(name), s.olderInput(name), out);
    return op;
  }

  /**
   * Checks a JSON value against its shape in the current model ({@code cur}) and in the older one
   * ({@code old}, null where the older model does not know the member).
   */
  private void value(
      Service s, String path, JsonNode v, JsonNode cur, JsonNode old, List<String> out) {
    String where = path.isEmpty() ? "input" : path;
    String type = type(cur);
    switch (type) {
      case "structure" -> {
        if (!v.isObject()) {
          out.add(where + " must be an object, was " + brief(v));
          return;
        }
        JsonNode members = cur.path("members");
        JsonNode oldMembers = old == null ? null : old.path("members");
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          String child = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
          JsonNode m = members.get(f.getKey());
          if (m == null) {
            out.add("unknown member " + child);
            continue;
          }
          JsonNode om = oldMembers == null ? null : oldMembers.get(f.getKey());
          value(
              s,
              child,
              f.getValue(),
              resolve(s.current(), m),
              om == null ? null : resolve(s.older(), om),
              out);
        }
        for (JsonNode r : cur.path("required")) {
          if (!v.has(r.asText()) || v.get(r.asText()).isNull()) {
            out.add("missing required member " + (path.isEmpty() ? "" : path + ".") + r.asText());
          }
        }
      }
      case "list" -> {
        if (!v.isArray()) {
          out.add(where + " must be a list, was " + brief(v));
          return;
        }
        range(where + " size", v.size(), old, out);
        for (int i = 0; i < v.size(); i++) {
          value(
              s,
              path + "[" + i + "]",
              v.get(i),
              resolve(s.current(), cur.path("member")),
              old == null ? null : resolve(s.older(), old.path("member")),
              out);
        }
      }
      case "map" -> {
        if (!v.isObject()) {
          out.add(where + " must be a map, was " + brief(v));
          return;
        }
        range(where + " size", v.size(), old, out);
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          String child = path + "{" + f.getKey() + "}";
          if (old != null) {
            string(child + " key", f.getKey(), resolve(s.older(), old.path("key")), out);
          }
          value(
              s,
              child,
              f.getValue(),
              resolve(s.current(), cur.path("value")),
              old == null ? null : resolve(s.older(), old.path("value")),
              out);
        }
      }
      case "string" -> {
        if (!v.isTextual()) {
          out.add(where + " must be a string, was " + brief(v));
          return;
        }
        string(where, v.asText(), old, out);
      }
      case "integer", "long" -> {
        if (!v.isIntegralNumber()) {
          out.add(where + " must be an integer, was " + brief(v));
          return;
        }
        number(where, v.asDouble(), old, out);
      }
      case "float", "double" -> {
        if (!v.isNumber()) {
          out.add(where + " must be a number, was " + brief(v));
          return;
        }
        number(where, v.asDouble(), old, out);
      }
      case "boolean" -> {
        if (!v.isBoolean()) {
          out.add(where + " must be a boolean, was " + brief(v));
        }
      }
      case "timestamp" -> {
        if (!v.isNumber() && !v.isTextual()) {
          out.add(where + " must be a timestamp, was " + brief(v));
        }
      }
      case "blob" -> {
        if (!v.isTextual()) {
          out.add(where + " must be base64 text, was " + brief(v));
        }
      }
      default -> out.add(where + ": the validator does not know type " + type);
    }
  }

  /** The older model's constraints of a string: enum, pattern, length. */
  private static void string(String where, String v, JsonNode old, List<String> out) {
    if (old == null) {
      return;
    }
    JsonNode e = old.get("enum");
    if (e != null && e.isArray()) {
      boolean found = false;
      for (JsonNode x : e) {
        found |= x.asText().equals(v);
      }
      if (!found) {
        out.add(where + " = '" + brief(v) + "' is not one of the model's values " + e);
      }
    }
    JsonNode p = old.get("pattern");
    if (p != null) {
      Pattern compiled = PATTERNS.computeIfAbsent(p.asText(), RequestConformance::compile);
      if (compiled == null) {
        out.add(where + ": the model's pattern " + p.asText() + " does not compile in Java");
      } else if (!compiled.matcher(v).find()) {
        out.add(where + " = '" + brief(v) + "' does not match the model's pattern " + p.asText());
      }
    }
    range(where + " length", v.codePointCount(0, v.length()), old, out);
  }

  private static Pattern compile(String p) {
    try {
      return Pattern.compile(p);
    } catch (PatternSyntaxException e) {
      return null;
    }
  }

  private static void number(String where, double v, JsonNode old, List<String> out) {
    range(where, v, old, out);
  }

  private static void range(String where, double v, JsonNode old, List<String> out) {
    if (old == null) {
      return;
    }
    if (old.has("min") && v < old.get("min").asDouble()) {
      out.add(where + " " + fmt(v) + " is below the model's min " + old.get("min"));
    }
    if (old.has("max") && v > old.get("max").asDouble()) {
      out.add(where + " " + fmt(v) + " is above the model's max " + old.get("max"));
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private static String brief(Object v) {
    String s = String.valueOf(v);
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  // ------------------------------------------------------------------ REST (S3, SageMaker Runtime)

  private record Candidate(String name, Matcher path, List<String> violations, int literals) {}

  private String rest(Service s, FakeAws.Call call, List<String> out) {
    Map<String, String> query = query(call.query());
    List<Candidate> candidates = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = s.current().path("operations").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode http = e.getValue().path("http");
      if (!http.path("method").asText("POST").equals(call.method())) {
        continue;
      }
      String uri = http.path("requestUri").asText();
      int q = uri.indexOf('?');
      Matcher m = template(q < 0 ? uri : uri.substring(0, q)).matcher(call.path());
      if (!m.matches()) {
        continue;
      }
      Map<String, String> literals = query(q < 0 ? null : uri.substring(q + 1));
      boolean all = true;
      for (Map.Entry<String, String> l : literals.entrySet()) {
        String got = query.get(l.getKey());
        all &= got != null && (l.getValue().isEmpty() || l.getValue().equals(got));
      }
      if (!all) {
        continue;
      }
      List<String> v = new ArrayList<>();
      restMembers(s, e.getKey(), m, literals.keySet(), call, query, v);
      candidates.add(new Candidate(e.getKey(), m, v, literals.size()));
    }
    if (candidates.isEmpty()) {
      out.add(
          "no operation of "
              + s.name()
              + " is "
              + call.method()
              + " "
              + call.path()
              + (call.query() == null ? "" : "?" + call.query()));
      return s.name() + " ?";
    }
    // The most specific operation the request fits: most literal query parameters of its request
    // URI (?uploads, ?encryption), then fewest violations, then most required members.
    Candidate best =
        candidates.stream()
            .min(
                Comparator.comparingInt(Candidate::literals)
                    .reversed()
                    .thenComparingInt(c -> c.violations().size())
                    .thenComparing(
                        Comparator.<Candidate>comparingInt(
                                c -> s.input(c.name()).path("required").size())
                            .reversed()))
            .orElseThrow();
    out.addAll(best.violations());
    return s.name() + " " + best.name();
  }

  private static Pattern template(String path) {
    StringBuilder re = new StringBuilder();
    Matcher m = Pattern.compile("\\{([A-Za-z0-9]+)(\\+?)}").matcher(path);
    int at = 0;
    while (m.find()) {
      re.append(Pattern.quote(path.substring(at, m.start())));
      re.append("(?<").append(m.group(1)).append(">").append(m.group(2).isEmpty() ? "[^/]+" : ".+");
      re.append(")");
      at = m.end();
    }
    re.append(Pattern.quote(path.substring(at)));
    return Pattern.compile(re.toString());
  }

  private void restMembers(
      Service s,
      String op,
      Matcher path,
      Set<String> literals,
      FakeAws.Call call,
      Map<String, String> query,
      List<String> out) {
    JsonNode input = s.input(op);
    JsonNode old = s.olderInput(op);
    Map<String, String> headers = new LinkedHashMap<>(call.headers());
    Set<String> present = new java.util.HashSet<>();
    String payload = input.path("payload").asText(null);
    for (Iterator<Map.Entry<String, JsonNode>> it = input.path("members").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode m = resolve(s.current(), e.getValue());
      JsonNode om =
          old == null || old.path("members").get(e.getKey()) == null
              ? null
              : resolve(s.older(), old.path("members").get(e.getKey()));
      String location = m.path("location").asText("");
      String wire = m.path("locationName").asText(e.getKey());
      String value = null;
      switch (location) {
        case "uri" -> {
          value = URLDecoder.decode(path.group(wire).replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        case "querystring" -> {
          value = query.remove(wire);
        }
        case "header" -> {
          value = headers.remove(wire.toLowerCase(Locale.ROOT));
        }
        case "headers" -> {
          String prefix = wire.toLowerCase(Locale.ROOT);
          boolean any = headers.keySet().removeIf(h -> h.startsWith(prefix));
          if (any) {
            present.add(e.getKey());
          }
        }
        default -> {
          if (e.getKey().equals(payload) && call.body().length > 0) {
            present.add(e.getKey());
            if (type(m).equals("structure")) {
              xml(s, e.getKey(), m, om, call.body(), out);
            }
          }
        }
      }
      if (value != null) {
        present.add(e.getKey());
        scalar(e.getKey() + " (" + location + " " + wire + ")", value, m, om, out);
      }
    }
    for (JsonNode r : input.path("required")) {
      if (!present.contains(r.asText())) {
        out.add("missing required member " + r.asText());
      }
    }
    for (String literal : literals) {
      query.remove(literal);
    }
    String xid = query.remove("x-id");
    if (xid != null && !xid.equals(op)) {
      out.add("x-id=" + xid + " names another operation");
    }
    for (String q : query.keySet()) {
      out.add("unknown query parameter " + q);
    }
    // Flexible checksums (the operation's httpChecksum trait): the checksum itself travels in
    // x-amz-checksum-<algorithm>, an algorithm of the ChecksumAlgorithm member; a required checksum
    // is that header (or trailer) or Content-MD5.
    JsonNode checksum = s.operation(op).get("httpChecksum");
    if (checksum != null) {
      boolean sent = call.header("Content-MD5") != null;
      for (String h : List.copyOf(headers.keySet())) {
        if (h.startsWith("x-amz-checksum-")) {
          headers.remove(h);
          sent = true;
          String algorithm = h.substring("x-amz-checksum-".length()).toUpperCase(Locale.ROOT);
          String member = checksum.path("requestAlgorithmMember").asText("ChecksumAlgorithm");
          JsonNode om = old == null ? null : old.path("members").get(member);
          scalar(
              "checksum header " + h,
              algorithm,
              JSON.createObjectNode(),
              om == null ? null : resolve(s.older(), om),
              out);
        }
      }
      String trailer = call.header("x-amz-trailer");
      sent |= trailer != null && trailer.startsWith("x-amz-checksum-");
      if (checksum.path("requestChecksumRequired").asBoolean() && !sent) {
        out.add("the operation requires a checksum (Content-MD5 or x-amz-checksum-*); none sent");
      }
    }
    for (String h : headers.keySet()) {
      if ((h.startsWith("x-amz-") || h.startsWith("x-amzn-")) && !PROTOCOL_HEADERS.contains(h)) {
        out.add("unknown header " + h);
      }
    }
  }

  /**
   * A member sent as text (URI label, query parameter, header) against its type and constraints.
   */
  private static void scalar(
      String where, String value, JsonNode cur, JsonNode old, List<String> out) {
    switch (type(cur)) {
      case "integer", "long" -> {
        try {
          range(where, Long.parseLong(value.trim()), old, out);
        } catch (NumberFormatException e) {
          out.add(where + " = '" + brief(value) + "' is not an integer");
        }
      }
      case "boolean" -> {
        if (!value.equals("true") && !value.equals("false")) {
          out.add(where + " = '" + brief(value) + "' is not a boolean");
        }
      }
      case "string" -> string(where, value, old, out);
      default -> {
        // timestamps, blobs, JSON values: nothing more to check as text
      }
    }
  }

  /** An S3 XML payload: the root, each element a member, required members, leaf constraints. */
  private void xml(
      Service s, String member, JsonNode cur, JsonNode old, byte[] body, List<String> out) {
    Element root;
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      root = f.newDocumentBuilder().parse(new ByteArrayInputStream(body)).getDocumentElement();
    } catch (Exception e) {
      out.add(member + ": body is not XML: " + e.getMessage());
      return;
    }
    String expected = cur.path("locationName").asText(member);
    if (!expected.equals(root.getLocalName())) {
      out.add(
          member + ": XML root <" + root.getLocalName() + ">, the model says <" + expected + ">");
      return;
    }
    element(s, expected, root, cur, old, out);
  }

  private void element(
      Service s, String path, Element e, JsonNode cur, JsonNode old, List<String> out) {
    String type = type(cur);
    if (!type.equals("structure")) {
      scalar(path, e.getTextContent(), cur, old, out);
      return;
    }
    Set<String> seen = new java.util.HashSet<>();
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (!(n instanceof Element child)) {
        continue;
      }
      String name = child.getLocalName();
      String memberName = null;
      JsonNode m = null;
      for (Iterator<Map.Entry<String, JsonNode>> it = cur.path("members").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> me = it.next();
        JsonNode r = resolve(s.current(), me.getValue());
        if (r.path("locationName").asText(me.getKey()).equals(name)) {
          memberName = me.getKey();
          m = r;
        }
      }
      if (m == null) {
        out.add("unknown member " + path + "." + name);
        continue;
      }
      seen.add(memberName);
      JsonNode om =
          old == null || old.path("members").get(memberName) == null
              ? null
              : resolve(s.older(), old.path("members").get(memberName));
      if (type(m).equals("list")) {
        JsonNode item = resolve(s.current(), m.path("member"));
        JsonNode oldItem = om == null ? null : resolve(s.older(), om.path("member"));
        if (m.path("flattened").asBoolean()) {
          element(s, path + "." + name, child, item, oldItem, out);
        } else {
          for (Node i = child.getFirstChild(); i != null; i = i.getNextSibling()) {
            if (i instanceof Element ie) {
              element(s, path + "." + name + "." + ie.getLocalName(), ie, item, oldItem, out);
            }
          }
        }
      } else {
        element(s, path + "." + name, child, m, om, out);
      }
    }
    for (JsonNode r : cur.path("required")) {
      if (!seen.contains(r.asText())) {
        out.add("missing required member " + path + "." + r.asText());
      }
    }
  }

  // ------------------------------------------------------------------ query (STS)

  private String query(Service s, FakeAws.Call call, List<String> out) {
    Map<String, String> form = query(new String(call.body(), StandardCharsets.UTF_8));
    String action = form.remove("Action");
    String op = s.name() + " " + action;
    if (action == null || s.operation(action) == null) {
      out.add("unknown Action " + action);
      return op;
    }
    String version = form.remove("Version");
    String apiVersion = s.current().at("/metadata/apiVersion").asText();
    if (!apiVersion.equals(version)) {
      out.add("Version " + version + ", the model says " + apiVersion);
    }
    JsonNode input = s.input(action);
    JsonNode old = s.olderInput(action);
    Set<String> present = new java.util.HashSet<>();
    for (Map.Entry<String, String> p : form.entrySet()) {
      String top =
          p.getKey().contains(".") ? p.getKey().substring(0, p.getKey().indexOf('.')) : p.getKey();
      JsonNode m = input.path("members").get(top);
      if (m == null) {
        out.add("unknown parameter " + p.getKey());
        continue;
      }
      present.add(top);
      if (!p.getKey().contains(".")) {
        JsonNode om = old == null ? null : old.path("members").get(top);
        scalar(
            top,
            p.getValue(),
            resolve(s.current(), m),
            om == null ? null : resolve(s.older(), om),
            out);
      }
    }
    for (JsonNode r : input.path("required")) {
      if (!present.contains(r.asText())) {
        out.add("missing required member " + r.asText());
      }
    }
    return op;
  }

  private static Map<String, String> query(String query) {
    Map<String, String> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String p : query.split("&")) {
      int eq = p.indexOf('=');
      out.put(
          URLDecoder.decode(eq < 0 ? p : p.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }
}
