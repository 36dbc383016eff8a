package io.serve4j.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * AWS's published service models of the five services the provider calls, in two copies: the
 * botocore models of Debian's {@code python3-botocore} (1.29, 2022; with constraints: enums,
 * patterns, lengths, ranges) and the AWS SDK for JavaScript v2's models of npm {@code
 * aws-sdk@2.1693.0} (current members and required members, no constraints). Read from the
 * directories named by the system properties {@value #BOTOCORE_PROPERTY} and {@value
 * #SDK_JS_PROPERTY} (set by provider-aws/pom.xml; {@code .ci/run} installs both). Loaded once per
 * JVM.
 */
final class ServiceModels {
  static final String BOTOCORE_PROPERTY = "serve4j.aws.models.botocore";
  static final String SDK_JS_PROPERTY = "serve4j.aws.models.sdkjs";
  static final String BOTOCORE_DEFAULT = "src/test/resources/aws-service-models/botocore";
  static final String SDK_JS_DEFAULT = "src/test/resources/aws-service-models/sdkjs";
  static final String HOW_TO_INSTALL =
      "they are copied under src/test/resources/aws-service-models; or install them: `apt-get install -y python3-botocore` (botocore models under "
          + BOTOCORE_DEFAULT
          + ") and `npm install --prefix /opt/serve4j/aws-sdk-js aws-sdk@2.1693.0` (models under "
          + SDK_JS_DEFAULT
          + "), or point Maven at copies with -Daws.models.botocore=<botocore/data dir> and"
          + " -Daws.models.sdkjs=<aws-sdk/apis dir> (the tests' system properties "
          + BOTOCORE_PROPERTY
          + " and "
          + SDK_JS_PROPERTY
          + ")";

  /** One service: its current model (SDK for JavaScript) and its older botocore model. */
  record Service(String name, JsonNode current, JsonNode older) {
    String protocol() {
      return current.at("/metadata/protocol").asText();
    }

    JsonNode operation(String op) {
      return current.path("operations").get(op);
    }

    JsonNode olderOperation(String op) {
      return older.path("operations").get(op);
    }

    /** The current model's input of an operation, resolved; an empty structure if it has none. */
    JsonNode input(String op) {
      JsonNode in = operation(op).get("input");
      return in == null ? JSON.createObjectNode().put("type", "structure") : resolve(current, in);
    }

    /** The older model's input of an operation, resolved, or null if the older model lacks it. */
    JsonNode olderInput(String op) {
      JsonNode o = olderOperation(op);
      return o == null || o.get("input") == null ? null : resolve(older, o.get("input"));
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile Map<String, Service> loaded;

  private ServiceModels() {}

  /**
   * The models, by service: {@code sagemaker}, {@code sagemaker-runtime}, {@code
   * application-autoscaling}, {@code s3}, {@code sts}.
   *
   * @throws IllegalStateException naming what is missing and how to install it
   */
  static Map<String, Service> all() {
    Map<String, Service> m = loaded;
    if (m == null) {
      synchronized (ServiceModels.class) {
        if (loaded == null) {
          loaded = load();
        }
        m = loaded;
      }
    }
    return m;
  }

  private static Map<String, Service> load() {
    return load(
        Path.of(System.getProperty(BOTOCORE_PROPERTY, BOTOCORE_DEFAULT)),
        Path.of(System.getProperty(SDK_JS_PROPERTY, SDK_JS_DEFAULT)));
  }

  /** Reads the models from these directories. */
  static Map<String, Service> load(Path botocore, Path sdkJs) {
    Map<String, Service> out = new LinkedHashMap<>();
    add(out, "sagemaker", botocore, "sagemaker/2017-07-24", sdkJs, "sagemaker-2017-07-24");
    add(
        out,
        "sagemaker-runtime",
        botocore,
        "sagemaker-runtime/2017-05-13",
        sdkJs,
        "runtime.sagemaker-2017-05-13");
    add(
        out,
        "application-autoscaling",
        botocore,
        "application-autoscaling/2016-02-06",
        sdkJs,
        "application-autoscaling-2016-02-06");
    add(out, "s3", botocore, "s3/2006-03-01", sdkJs, "s3-2006-03-01");
    add(out, "sts", botocore, "sts/2011-06-15", sdkJs, "sts-2011-06-15");
    return Map.copyOf(out);
  }

  private static void add(
      Map<String, Service> out,
      String name,
      Path botocore,
      String botocoreDir,
      Path sdkJs,
      String sdkJsUid) {
    Path older = botocore.resolve(botocoreDir).resolve("service-2.json");
    Path current = sdkJs.resolve(sdkJsUid + ".min.json");
    out.put(name, new Service(name, read(current), read(older)));
  }

  private static JsonNode read(Path file) {
    Path gz = file.resolveSibling(file.getFileName() + ".gz");
    try {
      if (Files.isRegularFile(file)) {
        return JSON.readTree(file.toFile());
      }
      if (Files.isRegularFile(gz)) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
          return JSON.readTree(in);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read AWS service model " + file + ": " + e, e);
    }
    throw new IllegalStateException(
        "AWS service model "
            + file
            + " is missing: the AWS tests validate every request FakeAws receives against AWS's"
            + " published models; "
            + HOW_TO_INSTALL);
  }

  /**
   * A member or shape reference with its shape's definition merged in (the reference's own keys,
   * such as {@code location} and {@code locationName}, win).
   *
   * @param model the model the reference belongs to
   * @param ref a member, list member, map key or value, or input reference
   * @return the resolved shape
   */
  static JsonNode resolve(JsonNode model, JsonNode ref) {
    JsonNode named = ref.get("shape");
    if (named == null) {
      return ref;
    }
    JsonNode shape = model.path("shapes").get(named.asText());
    if (shape == null) {
      throw new IllegalStateException("model has no shape " + named);
    }
    ObjectNode merged = resolve(model, shape).deepCopy();
    ref.fields()
        .forEachRemaining(
            f -> {
              if (!f.getKey().equals("shape")) {
                merged.set(f.getKey(), f.getValue());
              }
            });
    return merged;
  }

  /** A shape's type; the SDK for JavaScript's minified models leave out {@code "string"}. */
  static String type(JsonNode shape) {
    return shape.path("type").asText("string");
  }
}
