package io.serve4j.azure.internal;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureOptions;
import io.serve4j.azure.AzureProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.formats.SignatureJson;
import io.serve4j.spi.formats.TritonRepository;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registers serve4j models as Azure ML model versions. Artifacts given as {@code azureml://} or
 * {@code https://} URIs are referenced as they are; {@code azureml:name:version} names an already
 * registered version; local ({@code file:}, {@code classpath:}) artifacts are uploaded to the
 * workspace's default blob datastore first. ONNX models become {@code triton_model}s, uploaded in
 * Triton's repository layout {@code <name>/1/model.onnx} + {@code <name>/config.pbtxt}; the rest
 * are {@code custom_model}s.
 */
final class Models {
  /** A model ready to deploy. */
  record Registered(String assetId, boolean triton, String tritonName) {}

  private final Arm arm;
  private final AzureOptions options;
  private final HttpClient http;
  private final TokenCredential credential;
  private final Map<String, CompletableFuture<Registered>> registered = new ConcurrentHashMap<>();
  private volatile CompletableFuture<JsonNode> datastore;

  Models(Arm arm, AzureOptions options, HttpClient http, TokenCredential credential) {
    this.arm = arm;
    this.options = options;
    this.http = http;
    this.credential = credential;
  }

  static boolean isTriton(Model model) {
    return model.format() == ModelFormat.ONNX;
  }

  /**
   * Registers a model version once per client (concurrent deployments of one model share it); an
   * existing version of that name is reused as it is.
   */
  CompletableFuture<Registered> register(Model model, CallContext ctx) {
    String key = model.name() + ":" + model.version();
    CompletableFuture<Registered> f = registered.computeIfAbsent(key, k -> doRegister(model, ctx));
    f.whenComplete(
        (r, e) -> {
          if (e != null) {
            registered.remove(key, f);
          }
        });
    return f;
  }

  private CompletableFuture<Registered> doRegister(Model model, CallContext ctx) {
    boolean triton = isTriton(model);
    URI artifact = model.artifact().orElse(null);
    if (artifact == null) {
      return CompletableFuture.completedFuture(new Registered(null, false, model.name()));
    }
    if ("azureml".equals(artifact.getScheme()) && !artifact.toString().startsWith("azureml://")) {
      // azureml:name:version -- already registered
      String[] parts = artifact.getSchemeSpecificPart().split(":");
      return CompletableFuture.completedFuture(
          new Registered(artifact.toString(), triton, parts[0]));
    }
    String relative = "models/" + model.name() + "/versions/" + model.version();
    String assetId = arm.workspaceId() + "/" + relative;
    Registered result = new Registered(assetId, triton, model.name());
    return arm.get(relative)
        .thenApply(r -> result)
        .exceptionallyCompose(
            e -> {
              ServingException s = AzureErrors.map(e, AzureErrors.Plane.CONTROL, "get " + relative);
              if (s.category() != ErrorCategory.NOT_FOUND) {
                return CompletableFuture.failedFuture(s);
              }
              return modelUri(model, artifact, triton)
                  .thenCompose(uri -> arm.put(relative, body(model, uri, triton)))
                  .thenApply(r -> result);
            });
  }

  private ObjectNode body(Model model, String modelUri, boolean triton) {
    ObjectNode root = Rest.JSON.createObjectNode();
    ObjectNode p = root.putObject("properties");
    p.put("modelType", triton ? "triton_model" : "custom_model");
    p.put("modelUri", modelUri);
    p.put("description", "registered by serve4j (" + model.format() + ")");
    ObjectNode props = p.putObject("properties");
    props.put("serve4j.format", model.format().name());
    model.signature().ifPresent(s -> props.put("serve4j.signature", SignatureJson.write(s)));
    model.sha256().ifPresent(s -> props.put("serve4j.sha256", s));
    ObjectNode tags = p.putObject("tags");
    model.tags().forEach(tags::put);
    return root;
  }

  private CompletableFuture<String> modelUri(Model model, URI artifact, boolean triton) {
    String scheme = artifact.getScheme();
    if ("azureml".equals(scheme) || "https".equals(scheme)) {
      return CompletableFuture.completedFuture(artifact.toString());
    }
    byte[] bytes;
    try {
      bytes = read(artifact);
      checkSha(model, bytes);
    } catch (ServingException e) {
      return CompletableFuture.failedFuture(e);
    }
    String prefix = "serve4j/models/" + model.name() + "/" + model.version();
    return datastore()
        .thenCompose(
            ds -> {
              BlobContainerAsyncClient container = container(ds);
              String dsName = ds.path("name").asText("workspaceblobstore");
              String base =
                  "azureml://subscriptions/"
                      + options.subscriptionId()
                      + "/resourcegroups/"
                      + options.resourceGroup()
                      + "/workspaces/"
                      + options.workspace()
                      + "/datastores/"
                      + dsName
                      + "/paths/";
              if (triton) {
                // One registered version serves every deployment: no batching, no device kind.
                String name = model.name();
                byte[] config =
                    TritonRepository.config(name, model.signature().orElse(null), null, null)
                        .getBytes(StandardCharsets.UTF_8);
                return upload(container, prefix + "/" + TritonRepository.modelPath(name), bytes)
                    .thenCompose(
                        x ->
                            upload(
                                container,
                                prefix + "/" + TritonRepository.configPath(name),
                                config))
                    .thenApply(x -> base + prefix);
              }
              String file = fileName(artifact);
              return upload(container, prefix + "/" + file, bytes)
                  .thenApply(x -> base + prefix + "/" + file);
            });
  }

  private CompletableFuture<Void> upload(
      BlobContainerAsyncClient container, String path, byte[] bytes) {
    return container
        .getBlobAsyncClient(path)
        .upload(BinaryData.fromBytes(bytes), true)
        .toFuture()
        .thenApply(x -> null);
  }

  private BlobContainerAsyncClient container(JsonNode ds) {
    JsonNode p = ds.path("properties");
    String endpoint =
        options
            .blobEndpoint()
            .map(URI::toString)
            .orElseGet(
                () ->
                    p.path("protocol").asText("https")
                        + "://"
                        + p.path("accountName").asText()
                        + ".blob."
                        + p.path("endpoint").asText("core.windows.net"));
    return new BlobContainerClientBuilder()
        .endpoint(endpoint)
        .containerName(p.path("containerName").asText())
        .credential(credential)
        .httpClient(http)
        .buildAsyncClient();
  }

  private CompletableFuture<JsonNode> datastore() {
    CompletableFuture<JsonNode> d = datastore;
    if (d == null || d.isCompletedExceptionally()) {
      d =
          arm.getUrl(arm.url("datastores", "&isDefault=true"))
              .thenApply(
                  r -> {
                    JsonNode first = r.json().path("value").path(0);
                    if (first.isMissingNode()) {
                      throw ServingException.builder(ErrorCategory.NOT_FOUND)
                          .providerId(AzureProvider.ID)
                          .fromService()
                          .message("workspace " + options.workspace() + " has no default datastore")
                          .build();
                    }
                    return first;
                  });
      datastore = d;
    }
    return d;
  }

  private static byte[] read(URI artifact) {
    try {
      if ("classpath".equals(artifact.getScheme())) {
        String resource = artifact.getSchemeSpecificPart();
        resource = resource.startsWith("/") ? resource.substring(1) : resource;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
          loader = Models.class.getClassLoader();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
          if (in == null) {
            throw invalid("model artifact " + artifact + " is not on the classpath");
          }
          return in.readAllBytes();
        }
      }
      if ("file".equals(artifact.getScheme())) {
        return Files.readAllBytes(Path.of(artifact));
      }
    } catch (IOException e) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(AzureProvider.ID)
          .message("cannot read model artifact " + artifact + ": " + e.getMessage())
          .cause(e)
          .build();
    }
    throw invalid(
        "model artifact "
            + artifact
            + " must be file:, classpath:, https://, azureml:// or azureml:name:version");
  }

  private static void checkSha(Model model, byte[] bytes) {
    if (model.sha256().isEmpty()) {
      return;
    }
    try {
      String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      if (!actual.equals(model.sha256().get())) {
        throw invalid(
            "model "
                + model.name()
                + " artifact has sha256 "
                + actual
                + ", expected "
                + model.sha256().get());
      }
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String fileName(URI artifact) {
    String s = artifact.getSchemeSpecificPart();
    int slash = s.lastIndexOf('/');
    String name = slash >= 0 ? s.substring(slash + 1) : s;
    return name.isEmpty() ? "model" : name;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(AzureProvider.ID)
        .message(message)
        .build();
  }
}
