package io.serve4j.kserve;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * KServe's own schema for what serve4j sends: the InferenceService CRD's {@code openAPIV3Schema}
 * (an extract of the nodes on serve4j's paths, vendored from kserve/kserve with its NOTICE under
 * {@code src/test/resources/kserve-crd/}), checked with networknt's JSON Schema validator. An
 * OpenAPI v3 schema is JSON Schema draft 4 plus Kubernetes' {@code x-kubernetes-*} annotations (not
 * assertions here); draft 2019-09 reads it the same for the keywords the extract uses (type,
 * format, enum, pattern, required, additionalProperties, anyOf).
 */
final class KServeCrdSchema {
  private static final String RESOURCE = "kserve-crd/inferenceservice-v1beta1-schema-extract.yaml";
  private static final String DOC = "https://serve4j.test/kserve/inferenceservice.json";

  private static final Schema SCHEMA = load();

  private KServeCrdSchema() {}

  private static Schema load() {
    String json;
    try (InputStream in = KServeCrdSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + RESOURCE);
      }
      tools.jackson.databind.JsonNode yaml =
          new tools.jackson.dataformat.yaml.YAMLMapper().readTree(in);
      json = yaml.get("openAPIV3Schema").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2019_09, b -> b.schemas(Map.of(DOC, json)));
    return registry.getSchema(SchemaLocation.of(DOC));
  }

  /**
   * Validates an InferenceService.
   *
   * @param json the resource as sent (JSON)
   * @return one line per violation; empty when the resource fits KServe's schema
   */
  static List<String> violations(String json) {
    List<String> out = new ArrayList<>();
    for (Error e : SCHEMA.validate(json, InputFormat.JSON)) {
      out.add(e.toString());
    }
    return out;
  }
}
