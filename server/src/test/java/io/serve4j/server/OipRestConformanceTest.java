package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Open Inference Protocol's REST API against the real MLP on ONNX Runtime: every route, the
 * spec's inference example (corrected, and adapted to the MLP's tensors), the binary tensor
 * extension, and the protocol's error body for each failure.
 */
class OipRestConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MlpServer mlp;
  private static OipServer server;

  @BeforeAll
  static void start() {
    mlp = new MlpServer();
    server =
        OipServer.builder().endpoint("mlp", mlp.endpoint).port(0).maxRequestBytes(1 << 20).start();
  }

  @AfterAll
  static void stop() {
    server.close();
    mlp.close();
  }

  private static float[] inProcess(float[] x) {
    InferenceResponse r =
        mlp.endpoint.predict(
            InferenceRequest.of(Tensor.ofFloats("x", new long[] {x.length / 4, 4}, x)));
    return r.output("y").asFloats();
  }

  private static JsonNode json(Http.Response r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void health_liveAndReady_and_serverMetadata() throws Exception {
    try (Http c = new Http(server.port())) {
      Http.Response live = c.get("/v2/health/live");
      assertThat(live.status()).isEqualTo(200);
      assertThat(json(live).get("live").asBoolean()).isTrue();
      Http.Response ready = c.get("/v2/health/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(json(ready).get("ready").asBoolean()).isTrue();
      JsonNode md = json(c.get("/v2"));
      assertThat(md.get("name").asText()).isEqualTo("serve4j");
      assertThat(md.get("version").asText()).isNotEmpty();
      assertThat(md.get("extensions")).extracting(JsonNode::asText).contains("binary_tensor_data");
    }
  }

  @Test
  void modelMetadata_and_modelReady_withAndWithoutVersion() throws Exception {
    try (Http c = new Http(server.port())) {
      JsonNode md = json(c.get("/v2/models/mlp"));
      assertThat(md.get("name").asText()).isEqualTo("mlp");
      assertThat(md.get("platform").asText()).isEqualTo("onnxruntime_onnx");
      assertThat(md.get("inputs").get(0).get("name").asText()).isEqualTo("x");
      assertThat(md.get("inputs").get(0).get("datatype").asText()).isEqualTo("FP32");
      assertThat(md.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,4]");
      assertThat(md.get("outputs").get(0).get("shape").toString()).isEqualTo("[-1,2]");
      String version = md.get("versions").get(0).asText();
      assertThat(json(c.get("/v2/models/mlp/versions/" + version)).get("name").asText())
          .isEqualTo("mlp");
      Http.Response ready = c.get("/v2/models/mlp/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(json(ready).get("name").asText()).isEqualTo("mlp");
      assertThat(json(ready).get("ready").asBoolean()).isTrue();
      assertThat(c.get("/v2/models/mlp/versions/" + version + "/ready").status()).isEqualTo(200);

      Http.Response noVersion = c.get("/v2/models/mlp/versions/nope");
      assertThat(noVersion.status()).isEqualTo(404);
      assertThat(json(noVersion).get("error").asText()).contains("no version 'nope'");
      Http.Response noModel = c.get("/v2/models/other");
      assertThat(noModel.status()).isEqualTo(404);
      assertThat(json(noModel).get("error").asText()).contains("'other' is not served");
    }
  }

  /**
   * The spec's example request (id "42", named output), with the MLP's tensor; the spec's response
   * example lacks a comma after "id" and the required "model_name", which we check.
   */
  @Test
  void infer_specExample_echoesId_returnsTheRequestedOutput_sameAsInProcess() throws Exception {
    String body =
        "{\"id\" : \"42\", \"inputs\" : [{\"name\" : \"x\", \"shape\" : [2, 4],"
            + " \"datatype\" : \"FP32\", \"data\" : [1, 2, 3, 4, 5, 6, 7, 8]}],"
            + " \"outputs\" : [{\"name\" : \"y\"}]}";
    try (Http c = new Http(server.port())) {
      Http.Response r = c.post("/v2/models/mlp/infer", body);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-type")).isEqualTo("application/json");
      JsonNode n = json(r);
      assertThat(n.get("id").asText()).isEqualTo("42");
      assertThat(n.get("model_name").asText()).isEqualTo("mlp");
      JsonNode y = n.get("outputs").get(0);
      assertThat(y.get("name").asText()).isEqualTo("y");
      assertThat(y.get("datatype").asText()).isEqualTo("FP32");
      assertThat(y.get("shape").toString()).isEqualTo("[2,2]");
      float[] expected = inProcess(new float[] {1, 2, 3, 4, 5, 6, 7, 8});
      float[] got = new float[4];
      for (int i = 0; i < 4; i++) {
        got[i] = (float) y.get("data").get(i).asDouble();
      }
      assertThat(got).containsExactly(expected);
      // and through a version path
      String v = json(c.get("/v2/models/mlp")).get("versions").get(0).asText();
      assertThat(c.post("/v2/models/mlp/versions/" + v + "/infer", body).status()).isEqualTo(200);
    }
  }

  /**
   * The spec's example verbatim (corrected: BOOL shape [3] with 3 elements) is for another model.
   */
  @Test
  void infer_specExampleForAnotherModel_isAProtocolError() throws Exception {
    String body =
        "{\"id\" : \"42\", \"inputs\" : ["
            + "{\"name\" : \"input0\", \"shape\" : [2, 2], \"datatype\" : \"UINT32\","
            + " \"data\" : [1, 2, 3, 4]},"
            + "{\"name\" : \"input1\", \"shape\" : [3], \"datatype\" : \"BOOL\","
            + " \"data\" : [true, false, true]}],"
            + " \"outputs\" : [{\"name\" : \"output0\"}]}";
    try (Http c = new Http(server.port())) {
      Http.Response r = c.post("/v2/models/mlp/infer", body);
      assertThat(r.status()).isEqualTo(400);
      assertThat(json(r).get("error").asText()).isNotEmpty();
      assertThat(json(r).size()).isEqualTo(1);
    }
  }

  @Test
  void infer_binaryExtension_inputAndOutputs_roundTrip() throws Exception {
    float[] x = {0.5f, -1, 2, 3, 4, 5, -6, 7};
    ByteBuffer raw = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : x) {
      raw.putFloat(f);
    }
    byte[] header =
        ("{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":32}}],"
                + "\"parameters\":{\"binary_data_output\":true}}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] body = Arrays.copyOf(header, header.length + 32);
    System.arraycopy(raw.array(), 0, body, header.length, 32);
    try (Http c = new Http(server.port())) {
      Http.Response r =
          c.send(
              "POST",
              "/v2/models/mlp/infer",
              body,
              Map.of("Inference-Header-Content-Length", String.valueOf(header.length)));
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      int h = Integer.parseInt(r.header("Inference-Header-Content-Length"));
      JsonNode n = JSON.readTree(Arrays.copyOf(r.body(), h));
      JsonNode y = n.get("outputs").get(0);
      assertThat(y.get("parameters").get("binary_data_size").asInt()).isEqualTo(16);
      assertThat(y.has("data")).isFalse();
      assertThat(r.body().length).isEqualTo(h + 16);
      ByteBuffer out = ByteBuffer.wrap(r.body(), h, 16).order(ByteOrder.LITTLE_ENDIAN);
      float[] got = new float[4];
      for (int i = 0; i < 4; i++) {
        got[i] = out.getFloat();
      }
      assertThat(got).containsExactly(inProcess(x));

      // JSON input, one output asked binary by name
      Http.Response r2 =
          c.post(
              "/v2/models/mlp/infer",
              "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                  + "\"data\":[0.5,-1,2,3,4,5,-6,7]}],"
                  + "\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":true}}]}");
      assertThat(r2.status()).as(r2.text()).isEqualTo(200);
      assertThat(r2.header("Inference-Header-Content-Length")).isNotNull();
      int h2 = Integer.parseInt(r2.header("Inference-Header-Content-Length"));
      assertThat(Arrays.copyOfRange(r2.body(), h2, r2.body().length))
          .isEqualTo(Arrays.copyOfRange(r.body(), h, r.body().length));

      // binary data shorter than claimed
      Http.Response bad =
          c.send(
              "POST",
              "/v2/models/mlp/infer",
              Arrays.copyOf(body, body.length - 4),
              Map.of("Inference-Header-Content-Length", String.valueOf(header.length)));
      assertThat(bad.status()).isEqualTo(400);
      assertThat(json(bad).get("error").asText()).contains("claims 32 bytes");
    }
  }

  @Test
  void errors_areProtocolErrorBodies_andKeepTheConnection() throws Exception {
    try (Http c = new Http(server.port())) {
      Http.Response malformed = c.post("/v2/models/mlp/infer", "{\"inputs\": [");
      assertThat(malformed.status()).isEqualTo(400);
      assertThat(json(malformed).get("error").asText()).contains("malformed inference request");
      Http.Response shape =
          c.post(
              "/v2/models/mlp/infer",
              "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}");
      assertThat(shape.status()).isEqualTo(400);
      assertThat(json(shape).get("error").asText()).isNotEmpty();
      Http.Response unknown = c.post("/v2/models/nope/infer", "{\"inputs\":[]}");
      assertThat(unknown.status()).isEqualTo(404);
      Http.Response method = c.get("/v2/models/mlp/infer");
      assertThat(method.status()).isEqualTo(405);
      assertThat(json(method).get("error").asText()).contains("GET");
      Http.Response post = c.post("/v2/health/live", "{}");
      assertThat(post.status()).isEqualTo(405);
      Http.Response path = c.get("/v1/models/mlp");
      assertThat(path.status()).isEqualTo(404);
      Http.Response timeout =
          c.send(
              "POST",
              "/v2/models/mlp/infer",
              "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8),
              Map.of("Request-Timeout", "soon"));
      assertThat(timeout.status()).isEqualTo(400);
      assertThat(json(timeout).get("error").asText()).contains("Request-Timeout");
      // the same connection still serves
      assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
    }
  }

  @Test
  void infer_bodyOverTheLimit_is413WithTheErrorBody() throws Exception {
    byte[] big = new byte[(1 << 20) + 10];
    Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    try (Http c = new Http(server.port())) {
      Http.Response r = c.send("POST", "/v2/models/mlp/infer", big, Map.of());
      assertThat(r.status()).isEqualTo(413);
      assertThat(json(r).get("error").asText()).contains("exceeds the server's limit of 1048576");
      // the rest of the body was discarded: the connection still serves
      assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
    }
  }
}
