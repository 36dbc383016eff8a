package io.serve4j.gcp.internal;

import com.google.cloud.WriteChannel;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.serve4j.BatchingPolicy;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.spi.formats.TritonRepository;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Puts model artifacts where Vertex AI reads them: local ({@code file:}, {@code classpath:})
 * artifacts are uploaded to the staging bucket; ONNX models get a Triton repository ({@code
 * NAME/1/model.onnx} + {@code NAME/config.pbtxt}). Blocking: run it on an I/O executor.
 */
final class Staging implements AutoCloseable {
  private final GcpOptions options;
  private Storage storage;
  private final boolean ownsStorage;

  Staging(GcpOptions options) {
    this.options = options;
    this.storage = options.storage().orElse(null);
    this.ownsStorage = storage == null;
  }

  /**
   * Stages a model's artifact.
   *
   * @param model the model
   * @param folder the object folder for this model version, below the staging prefix
   * @param tritonName the model name inside a Triton repository
   * @param batching the deployment's batching policy, or null
   * @return the {@code gs://} directory to use as the Vertex model's artifactUri, or null if the
   *     model has no artifact
   */
  String stage(Model model, String folder, String tritonName, BatchingPolicy batching) {
    URI artifact = model.artifact().orElse(null);
    if (artifact == null) {
      return null;
    }
    String scheme = artifact.getScheme() == null ? "file" : artifact.getScheme();
    boolean onnx = model.format() == ModelFormat.ONNX;
    if (scheme.equals("gs")) {
      String path = artifact.getPath() == null ? "" : artifact.getPath();
      if (path.endsWith("/")) {
        return artifact.toString(); // a ready repository or model directory
      }
      if (!onnx) {
        String served = model.image().isEmpty() ? servedName(model, "model") : null;
        String file = path.substring(path.lastIndexOf('/') + 1);
        if (served == null || served.equals(file)) {
          return artifact.toString().substring(0, artifact.toString().lastIndexOf('/') + 1);
        }
        // The prebuilt container reads one file name: copy the artifact under it.
        String bucket = requireBucket(model);
        String root = options.stagingPrefix() + "/" + folder + "/";
        storage()
            .copy(
                Storage.CopyRequest.of(
                    BlobId.of(artifact.getAuthority(), path.substring(1)),
                    BlobId.of(bucket, root + served)))
            .getResult();
        return "gs://" + bucket + "/" + root;
      }
      String bucket = requireBucket(model);
      String root = options.stagingPrefix() + "/" + folder + "/";
      storage()
          .copy(
              Storage.CopyRequest.of(
                  BlobId.of(artifact.getAuthority(), path.substring(1)),
                  BlobId.of(bucket, root + TritonRepository.modelPath(tritonName))))
          .getResult();
      writeConfig(bucket, root, tritonName, model, batching);
      return "gs://" + bucket + "/" + root;
    }
    if (!scheme.equals("file") && !scheme.equals("classpath")) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(GcpProvider.ID)
          .message(
              "Vertex AI reads artifacts from gs://; serve4j stages file: and classpath: artifacts,"
                  + " but not "
                  + scheme
                  + ": ("
                  + artifact
                  + ")")
          .build();
    }
    String bucket = requireBucket(model);
    String root = options.stagingPrefix() + "/" + folder + "/";
    Path dir = localDirectory(artifact);
    if (dir != null && !onnx) {
      uploadTree(model, dir, bucket, root);
      return "gs://" + bucket + "/" + root;
    }
    String served = !onnx && model.image().isEmpty() ? servedName(model, "model") : null;
    String object =
        onnx
            ? root + TritonRepository.modelPath(tritonName)
            : root + (served != null ? served : fileName(artifact));
    upload(model, artifact, bucket, object);
    if (onnx) {
      writeConfig(bucket, root, tritonName, model, batching);
    }
    return "gs://" + bucket + "/" + root;
  }

  /**
   * The file name Vertex AI's prebuilt container reads the model from, for a model served by one
   * (https://cloud.google.com/vertex-ai/docs/training/exporting-model-artifacts and
   * https://cloud.google.com/vertex-ai/docs/general/import-model): scikit-learn {@code
   * model.joblib} / {@code model.pkl}; XGBoost {@code model.bst} / {@code model.joblib} / {@code
   * model.pkl}; PyTorch a TorchServe archive {@code model.mar}; TensorFlow a SavedModel directory
   * ({@code saved_model.pb} + {@code variables/}). Null for a directory artifact, used as it is.
   * Refuses, before any call, an artifact such a container cannot load.
   *
   * @param model a model served by a prebuilt container
   * @param what the deployment, for messages
   * @return the file name, or null for a directory
   */
  static String servedName(Model model, String what) {
    URI artifact = model.artifact().orElse(null);
    if (artifact == null) {
      throw VertexNames.invalid(
          what
              + ": Vertex AI's prebuilt "
              + model.format()
              + " container loads the model from an artifact; give Model.artifact(...)");
    }
    if (isDirectory(artifact)) {
      if (model.sha256().isPresent()) {
        throw VertexNames.invalid(
            what + ": sha256 checks one file; artifact " + artifact + " is a directory");
      }
      return null;
    }
    String file = fileName(artifact);
    String ext = file.contains(".") ? file.substring(file.lastIndexOf('.') + 1) : "";
    ext = ext.toLowerCase(java.util.Locale.ROOT);
    switch (model.format()) {
      case SCIKIT_LEARN:
        if (ext.equals("joblib") || ext.equals("pkl")) {
          return "model." + ext;
        }
        throw VertexNames.invalid(
            what
                + ": Vertex AI's scikit-learn container loads model.joblib or model.pkl; artifact "
                + file
                + " is neither a .joblib nor a .pkl file");
      case XGBOOST:
        if (ext.equals("bst") || ext.equals("joblib") || ext.equals("pkl")) {
          return "model." + ext;
        }
        throw VertexNames.invalid(
            what
                + ": Vertex AI's XGBoost container loads model.bst, model.joblib or model.pkl;"
                + " artifact "
                + file
                + " is none of .bst, .joblib, .pkl");
      case TORCHSCRIPT:
        if (ext.equals("mar")) {
          return "model.mar";
        }
        throw VertexNames.invalid(
            what
                + ": Vertex AI's prebuilt PyTorch container serves a TorchServe archive named"
                + " model.mar, not "
                + file
                + ". Build it with torch-model-archiver --model-name model --serialized-file "
                + file
                + " --handler <a handler for your inputs> and give the .mar as the artifact, or"
                + " give Model.image(...) a container that loads "
                + file
                + " (https://cloud.google.com/vertex-ai/docs/training/exporting-model-artifacts)");
      case TENSORFLOW_SAVED_MODEL:
        throw VertexNames.invalid(
            what
                + ": a TensorFlow SavedModel is a directory (saved_model.pb and variables/); give"
                + " the directory (gs://.../ or a local directory), not "
                + file);
      default:
        return null;
    }
  }

  private static boolean isDirectory(URI artifact) {
    if ("gs".equals(artifact.getScheme())) {
      return artifact.getPath() != null && artifact.getPath().endsWith("/");
    }
    return localDirectory(artifact) != null;
  }

  private static Path localDirectory(URI artifact) {
    String scheme = artifact.getScheme() == null ? "file" : artifact.getScheme();
    if (!scheme.equals("file")) {
      return null;
    }
    Path p = artifact.getScheme() == null ? Path.of(artifact.getPath()) : Path.of(artifact);
    return Files.isDirectory(p) ? p : null;
  }

  private void uploadTree(Model model, Path dir, String bucket, String root) {
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String rel = dir.relativize(f).toString().replace(java.io.File.separatorChar, '/');
        upload(model, f.toUri(), bucket, root + rel);
      }
    } catch (IOException e) {
      throw ServingException.builder(ErrorCategory.MODEL_LOAD)
          .providerId(GcpProvider.ID)
          .cause(e)
          .message("could not stage directory " + dir + " of model '" + model.name() + "': " + e)
          .build();
    }
  }

  private void writeConfig(
      String bucket, String root, String tritonName, Model model, BatchingPolicy batching) {
    String config =
        TritonRepository.config(tritonName, model.signature().orElse(null), batching, null);
    storage()
        .create(
            BlobInfo.newBuilder(bucket, root + TritonRepository.configPath(tritonName))
                .setContentType("text/plain")
                .build(),
            config.getBytes(StandardCharsets.UTF_8));
  }

  private void upload(Model model, URI artifact, String bucket, String object) {
    MessageDigest sha = sha256();
    BlobInfo info =
        BlobInfo.newBuilder(bucket, object).setContentType("application/octet-stream").build();
    try (InputStream in = open(model, artifact);
        WriteChannel out = storage().writer(info)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
          out.write(bb);
        }
      }
    } catch (IOException e) {
      throw ServingException.builder(ErrorCategory.MODEL_LOAD)
          .providerId(GcpProvider.ID)
          .cause(e)
          .message("could not stage " + artifact + " of model '" + model.name() + "': " + e)
          .build();
    }
    String digest = HexFormat.of().formatHex(sha.digest());
    if (model.sha256().isPresent() && !model.sha256().get().equals(digest)) {
      storage().delete(BlobId.of(bucket, object));
      throw ServingException.builder(ErrorCategory.MODEL_LOAD)
          .providerId(GcpProvider.ID)
          .message(
              "artifact "
                  + artifact
                  + " of model '"
                  + model.name()
                  + "' has SHA-256 "
                  + digest
                  + ", expected "
                  + model.sha256().get())
          .build();
    }
  }

  private static InputStream open(Model model, URI artifact) throws IOException {
    if (artifact.getScheme() != null && artifact.getScheme().equals("classpath")) {
      String resource = artifact.getSchemeSpecificPart();
      while (resource.startsWith("/")) {
        resource = resource.substring(1);
      }
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      InputStream in = cl == null ? null : cl.getResourceAsStream(resource);
      if (in == null) {
        in = Staging.class.getClassLoader().getResourceAsStream(resource);
      }
      if (in == null) {
        throw new IOException("no class path resource " + resource);
      }
      return in;
    }
    Path p = artifact.getScheme() == null ? Path.of(artifact.getPath()) : Path.of(artifact);
    return Files.newInputStream(p);
  }

  private static String fileName(URI artifact) {
    String s =
        artifact.getScheme() != null && artifact.getScheme().equals("classpath")
            ? artifact.getSchemeSpecificPart()
            : artifact.getPath();
    return s.substring(s.lastIndexOf('/') + 1);
  }

  private String requireBucket(Model model) {
    return options
        .stagingBucket()
        .orElseThrow(
            () ->
                ServingException.builder(ErrorCategory.INVALID_INPUT)
                    .providerId(GcpProvider.ID)
                    .message(
                        "model '"
                            + model.name()
                            + "' must be staged to Cloud Storage: set GcpOptions.stagingBucket(...)"
                            + " or give a gs:// artifact")
                    .build());
  }

  private synchronized Storage storage() {
    if (storage == null) {
      StorageOptions.Builder b = StorageOptions.newBuilder().setProjectId(options.project());
      if (options.credentialsProvider().isPresent()) {
        try {
          b.setCredentials(options.credentialsProvider().get().getCredentials());
        } catch (IOException e) {
          throw ServingException.builder(ErrorCategory.UNAUTHENTICATED)
              .providerId(GcpProvider.ID)
              .cause(e)
              .message("could not obtain Google credentials for Cloud Storage: " + e.getMessage())
              .build();
        }
      }
      storage = b.build().getService();
    }
    return storage;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (ownsStorage && storage != null) {
      try {
        storage.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
  }
}
