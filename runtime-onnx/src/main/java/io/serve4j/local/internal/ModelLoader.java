package io.serve4j.local.internal;

import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ServingException;
import io.serve4j.local.LocalOptions;
import io.serve4j.local.LocalProvider;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.DynamicBatcher;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Turns a {@link DeploymentSpec} into a {@link Deployment}: read, verify, configure, load. */
final class ModelLoader {
  private final OrtEnvironment env;
  private final LocalOptions options;
  private final Counters counters;
  private final Set<OrtProvider> available;
  private final ExecutionProviders.Registrar registrar;

  /** ONNX Runtime's session config key for spinning intra-op threads. */
  static final String ALLOW_SPINNING = "session.intra_op.allow_spinning";

  ModelLoader(
      OrtEnvironment env,
      LocalOptions options,
      Counters counters,
      Set<OrtProvider> available,
      ExecutionProviders.Registrar registrar) {
    this.env = env;
    this.options = options;
    this.counters = counters;
    this.available = available;
    this.registrar = registrar;
  }

  /** Runs between the hash check and the session's creation; a seam for tests. */
  private Runnable afterVerification; // a test hook; null when not set

  /**
   * Where a model's bytes are: a file (loaded by ONNX Runtime from its path), or bytes in memory
   * (read from the class path, or from the file when they are hashed).
   */
  private record Source(String display, Path file, byte[] bytes) {
    /** The largest model file read into memory (a Java array's limit; ONNX's protobuf is 2 GB). */
    static final long MAX_IN_MEMORY = Integer.MAX_VALUE - 8;

    /**
     * A file source, refused unless it is a regular file (after following links): a named pipe, a
     * device or a directory would block or fail inside ONNX Runtime.
     */
    static Source file(String display, Path file) {
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (IOException e) {
        throw Errors.modelLoad(display, "read", e);
      }
      if (!a.isRegularFile()) {
        throw Errors.of(
            ErrorCategory.INVALID_INPUT,
            "model "
                + display
                + " is "
                + (a.isDirectory()
                    ? "a directory"
                    : "not a regular file (a pipe, socket or device)")
                + "; the local provider loads a regular .onnx file");
      }
      return new Source(display, file, null);
    }

    /** This source with its bytes in memory: a file is read once, here. */
    Source inMemory() {
      if (bytes != null) {
        return this;
      }
      try (java.nio.channels.FileChannel ch =
          java.nio.channels.FileChannel.open(file, StandardOpenOption.READ)) {
        long size = ch.size();
        if (size > MAX_IN_MEMORY) {
          throw Errors.of(
              ErrorCategory.INVALID_INPUT,
              "model "
                  + display
                  + " is "
                  + size
                  + " bytes; a model whose SHA-256 is checked is read into memory and must be"
                  + " under 2 GB (keep large weights in ONNX external data)");
        }
        byte[] b = new byte[(int) size];
        java.nio.ByteBuffer into = java.nio.ByteBuffer.wrap(b);
        while (into.hasRemaining()) {
          if (ch.read(into) < 0) {
            throw Errors.of(
                ErrorCategory.MODEL_LOAD, "model " + display + " shrank while it was read");
          }
        }
        if (ch.read(java.nio.ByteBuffer.allocate(1)) >= 0) {
          throw Errors.of(ErrorCategory.MODEL_LOAD, "model " + display + " grew while it was read");
        }
        return new Source(display, file, b);
      } catch (IOException e) {
        throw Errors.modelLoad(display, "read", e);
      }
    }
  }

  /**
   * Sets what runs between the hash check and the session's creation. For tests: a model file
   * replaced there must not be the one loaded.
   *
   * @param hook the hook
   */
  void afterVerification(Runnable hook) {
    this.afterVerification = hook;
  }

  /**
   * Loads one deployment.
   *
   * @param endpoint endpoint name, for messages
   * @param spec the deployment
   * @return the loaded deployment, owning its session
   * @throws ServingException MODEL_LOAD, INVALID_INPUT or UNSUPPORTED_CAPABILITY
   */
  Deployment load(String endpoint, DeploymentSpec spec) {
    Model model = spec.model();
    if (model.format() != ModelFormat.ONNX) {
      throw Errors.of(
          ErrorCategory.INVALID_INPUT,
          "the local provider runs ONNX models; model '" + model.name() + "' is " + model.format());
    }
    if (model.artifact().isEmpty()) {
      throw Errors.of(
          ErrorCategory.INVALID_INPUT,
          "model '" + model.name() + "' has no artifact; the local provider needs one");
    }
    URI artifact = model.artifact().get();
    if (model.multiModel()) {
      return loadRepository(endpoint, spec, artifact);
    }
    Source source = resolve(artifact, model.name());
    String sha = null;
    if (model.sha256().isPresent() || options.optimizedModelCache().isPresent()) {
      // Hash and load the same bytes: a file is read once, hashed, and the session is created
      // from that copy, so that a file replaced after the check cannot be loaded under its hash.
      source = source.inMemory();
      sha = HexFormat.of().formatHex(sha256().digest(source.bytes));
      if (model.sha256().isPresent() && !model.sha256().get().equals(sha)) {
        throw ServingException.builder(ErrorCategory.MODEL_LOAD)
            .providerId(LocalProvider.ID)
            .message(
                "model "
                    + source.display
                    + " has SHA-256 "
                    + sha
                    + " but model '"
                    + model.name()
                    + "' declares "
                    + model.sha256().get()
                    + "; refusing to load it")
            .build();
      }
    }
    if (afterVerification != null) {
      afterVerification.run();
    }
    String label = "deployment '" + spec.name() + "' of endpoint '" + endpoint + "'";
    Map<String, String> details = new LinkedHashMap<>();
    details.put("artifact", source.display);
    if (sha != null) {
      details.put("sha256", sha);
    }
    OrtSession session = null;
    SessionOptions so = new SessionOptions();
    try {
      configure(so);
      ExecutionProviders.Choice choice =
          ExecutionProviders.choose(so, spec.accelerator(), options, available, registrar);
      details.put("executionProvider", choice.provider());
      details.put("executionProviderDiagnostic", choice.diagnostic());
      Path cached = cacheFile(sha, choice.provider());
      Path pending = null;
      if (cached != null && Files.isRegularFile(cached)) {
        so.setOptimizationLevel(SessionOptions.OptLevel.NO_OPT);
        details.put("optimizedModelCache", "hit: " + cached);
        session = env.createSession(cached.toString(), so);
      } else {
        if (cached != null) {
          Files.createDirectories(cached.getParent());
          pending = cached.resolveSibling(cached.getFileName() + "." + UUID.randomUUID() + ".tmp");
          so.setOptimizedModelFilePath(pending.toString());
        }
        if (source.bytes == null) {
          session = env.createSession(source.file.toString(), so);
        } else {
          if (source.file != null && source.file.toAbsolutePath().getParent() != null) {
            // Loaded from bytes, a model with external data finds it next to the file.
            so.addConfigEntry(
                "session.model_external_initializers_file_folder_path",
                source.file.toAbsolutePath().getParent().toString());
          }
          session = env.createSession(source.bytes, so);
        }
        if (pending != null) {
          details.put("optimizedModelCache", publish(pending, cached));
        }
      }
      LoadedModel loaded = new LoadedModel(env, session, label, source.display);
      describeModel(loaded, source, details);
      for (int i = 0; i < options.warmUpRuns(); i++) {
        try {
          loaded.run(loaded.warmUpRequest(), Deadline.none());
          counters.warmUpRuns.increment();
        } catch (ServingException e) {
          throw Errors.modelLoad(source.display, "warm up", e);
        }
      }
      DeploymentDescription description =
          DeploymentDescription.builder()
              .name(spec.name())
              .modelName(model.name())
              .modelVersion(model.version())
              .status(EndpointStatus.IN_SERVICE)
              .instances(1)
              .instanceType("onnxruntime-" + choice.provider().toLowerCase(java.util.Locale.ROOT))
              .signature(loaded.signature())
              .build();
      DeploymentDescription.Builder withDetails = description.toBuilder();
      for (Map.Entry<String, String> e : details.entrySet()) {
        withDetails.detail(e.getKey(), e.getValue());
      }
      if (spec.scaling().initialInstances() > 1) {
        withDetails.detail(
            "instances",
            "1 thread-safe session serves every request; "
                + spec.scaling().initialInstances()
                + " instances asked for");
      }
      DynamicBatcher batcher = null;
      if (spec.batching().isPresent()) {
        if (!loaded.signature().isBatchable()) {
          throw Errors.of(
              ErrorCategory.INVALID_INPUT,
              "deployment '"
                  + spec.name()
                  + "' asks for dynamic batching but model '"
                  + model.name()
                  + "' has inputs or outputs without a dynamic first dimension: "
                  + loaded.signature());
        }
        batcher = newBatcher(endpoint, spec, loaded);
        withDetails.batching(spec.batching().get());
        withDetails.detail("batching", spec.batching().get().toString());
      }
      return new Deployment(spec, loaded, withDetails.build(), batcher);
    } catch (OrtException e) {
      closeQuietly(session);
      throw Errors.modelLoad(source.display, "load", e);
    } catch (IOException e) {
      closeQuietly(session);
      throw Errors.modelLoad(source.display, "cache the optimised", e);
    } catch (ServingException | Error e) {
      closeQuietly(session);
      throw e;
    } catch (RuntimeException e) {
      closeQuietly(session);
      throw Errors.modelLoad(source.display, "load", e);
    } finally {
      so.close();
    }
  }

  /**
   * A multi-model deployment loads nothing now: it checks that its artifact is a local directory
   * and loads each model on first use.
   */
  private Deployment loadRepository(String endpoint, DeploymentSpec spec, URI artifact) {
    Path root = null;
    if ("file".equals(artifact.getScheme())) {
      try {
        root =
            "localhost".equalsIgnoreCase(artifact.getRawAuthority())
                ? Path.of(artifact.getPath())
                : Path.of(artifact);
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        root = null;
      }
    } else if (artifact.getScheme() == null && artifact.getPath() != null) {
      root = Path.of(artifact.getPath());
    }
    if (root == null || !Files.isDirectory(root)) {
      throw Errors.of(
          ErrorCategory.INVALID_INPUT,
          "multi-model '"
              + spec.model().name()
              + "' needs a local directory of ONNX files as its artifact; "
              + artifact
              + " is not one");
    }
    Path dir;
    try {
      dir = root.toRealPath();
    } catch (IOException e) {
      throw Errors.modelLoad(root.toString(), "open the model directory", e);
    }
    ModelRepository repository =
        new ModelRepository(
            endpoint, spec, dir, options.multiModelMemoryBudgetBytes(), this, counters);
    DeploymentDescription description =
        DeploymentDescription.builder()
            .name(spec.name())
            .modelName(spec.model().name())
            .modelVersion(spec.model().version())
            .status(EndpointStatus.IN_SERVICE)
            .instances(1)
            .instanceType("onnxruntime-multi-model")
            .batching(spec.batching().orElse(null)) // each model it loads batches so
            .detail("multiModelRoot", dir.toUri().toString())
            .detail(
                "multiModelMemoryBudgetBytes", Long.toString(options.multiModelMemoryBudgetBytes()))
            .build();
    return new Deployment(spec, description, repository);
  }

  private static void closeQuietly(OrtSession session) {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException ignored) {
        // already failing
      }
    }
  }

  /** Applies the client's options to a session's options (package-private for tests). */
  void configure(SessionOptions so) throws OrtException {
    if (options.intraOpThreads() > 0) {
      so.setIntraOpNumThreads(options.intraOpThreads());
    }
    if (!options.intraOpSpinning()) {
      // unset: ONNX Runtime's default (spinning)
      so.addConfigEntry(ALLOW_SPINNING, "0");
    }
    if (options.interOpThreads() > 0) {
      so.setInterOpNumThreads(options.interOpThreads());
    }
    so.setOptimizationLevel(
        switch (options.optimizationLevel()) {
          case NONE -> SessionOptions.OptLevel.NO_OPT;
          case BASIC -> SessionOptions.OptLevel.BASIC_OPT;
          case EXTENDED -> SessionOptions.OptLevel.EXTENDED_OPT;
          case ALL -> SessionOptions.OptLevel.ALL_OPT;
        });
    so.setExecutionMode(
        options.executionMode() == LocalOptions.ExecutionMode.PARALLEL
            ? SessionOptions.ExecutionMode.PARALLEL
            : SessionOptions.ExecutionMode.SEQUENTIAL);
    so.setCPUArenaAllocator(options.memoryArena());
    so.setMemoryPatternOptimization(options.memoryPattern());
    so.setSessionLogLevel(ortLogLevel(options.logLevel()));
  }

  /**
   * ONNX Runtime's level for a {@link LocalOptions.LogLevel}.
   *
   * @param level the level
   * @return ONNX Runtime's level
   */
  static OrtLoggingLevel ortLogLevel(LocalOptions.LogLevel level) {
    return switch (level) {
      case VERBOSE -> OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE;
      case INFO -> OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO;
      case WARNING -> OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;
      case ERROR -> OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
      case FATAL -> OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
    };
  }

  private Path cacheFile(String sha, String provider) {
    if (sha == null
        || options.optimizedModelCache().isEmpty()
        || options.optimizationLevel() == LocalOptions.OptimizationLevel.NONE) {
      return null;
    }
    return options
        .optimizedModelCache()
        .get()
        .resolve(
            sha
                + "-"
                + options.optimizationLevel().name().toLowerCase(java.util.Locale.ROOT)
                + "-"
                + provider.toLowerCase(java.util.Locale.ROOT)
                + ".onnx");
  }

  private static String publish(Path pending, Path cached) throws IOException {
    if (!Files.isRegularFile(pending)) {
      return "not written (ONNX Runtime wrote no optimised model)";
    }
    try {
      Files.move(pending, cached, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.deleteIfExists(pending);
      if (!Files.isRegularFile(cached)) {
        throw e;
      }
    }
    return "written: " + cached;
  }

  private void describeModel(LoadedModel loaded, Source source, Map<String, String> details)
      throws OrtException {
    OnnxModelMetadata m = loaded.session().getMetadata();
    putIfPresent(details, "producer", m.getProducerName());
    putIfPresent(details, "graph", m.getGraphName());
    putIfPresent(details, "domain", m.getDomain());
    putIfPresent(details, "description", m.getDescription());
    if (m.getVersion() != 0 && m.getVersion() != Long.MAX_VALUE) {
      details.put("modelVersion", Long.toString(m.getVersion()));
    }
    // Sorted: ONNX Runtime and OnnxHeader hand these over in no particular order.
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(m.getCustomMetadata()).entrySet()) {
      details.put("metadata." + e.getKey(), e.getValue());
    }
    try {
      OnnxHeader h =
          source.bytes == null ? OnnxHeader.read(source.file) : OnnxHeader.read(source.bytes);
      putIfPresent(details, "producerVersion", h.producerVersion());
      if (h.irVersion() > 0) {
        details.put("irVersion", Long.toString(h.irVersion()));
      }
      for (Map.Entry<String, Long> e : new java.util.TreeMap<>(h.opsets()).entrySet()) {
        details.put("opset." + e.getKey(), Long.toString(e.getValue()));
      }
    } catch (IOException e) {
      details.put("opset", "unreadable: " + e.getMessage());
    }
    if (!loaded.skippedOutputs().isEmpty()) {
      details.put("outputsNotServed", String.join(", ", loaded.skippedOutputs()));
    }
    details.put("onnxruntimeVersion", env.getVersion());
  }

  private static void putIfPresent(Map<String, String> details, String key, String value) {
    if (value != null && !value.isBlank()) {
      details.put(key, value);
    }
  }

  private static Source resolve(URI artifact, String modelName) {
    String scheme = artifact.getScheme();
    if (scheme == null) {
      if (artifact.getPath() == null || artifact.getPath().isEmpty()) {
        throw Errors.of(
            ErrorCategory.INVALID_INPUT,
            "model '" + modelName + "' has an empty artifact path (" + artifact + ")");
      }
      return Source.file(artifact.getPath(), Path.of(artifact.getPath()));
    }
    if (scheme.equals("file")) {
      Path p;
      try {
        p =
            "localhost".equalsIgnoreCase(artifact.getRawAuthority())
                ? Path.of(artifact.getPath())
                : Path.of(artifact);
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        throw Errors.of(
            ErrorCategory.INVALID_INPUT,
            "model '"
                + modelName
                + "' has artifact "
                + artifact
                + ", which is not a local file path ("
                + e.getMessage()
                + "); use file:///absolute/path or a plain path");
      }
      return Source.file(p.toString(), p);
    }
    if (scheme.equals("classpath")) {
      String resource = artifact.getSchemeSpecificPart();
      while (resource.startsWith("/")) {
        resource = resource.substring(1);
      }
      ClassLoader tccl = Thread.currentThread().getContextClassLoader();
      InputStream in = tccl != null ? tccl.getResourceAsStream(resource) : null;
      if (in == null) {
        in = ModelLoader.class.getClassLoader().getResourceAsStream(resource);
      }
      if (in == null) {
        throw ServingException.builder(ErrorCategory.MODEL_LOAD)
            .providerId(LocalProvider.ID)
            .message("model " + artifact + " is not on the class path")
            .build();
      }
      try (InputStream s = in) {
        return new Source(artifact.toString(), null, s.readAllBytes());
      } catch (IOException e) {
        throw Errors.modelLoad(artifact.toString(), "read", e);
      }
    }
    throw Errors.of(
        ErrorCategory.INVALID_INPUT,
        "the local provider reads models from file:, classpath: or a plain path, not "
            + scheme
            + ": ("
            + artifact
            + "); download it first");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private DynamicBatcher newBatcher(String endpoint, DeploymentSpec spec, LoadedModel loaded) {
    return new DynamicBatcher(
        endpoint + "/" + spec.name(),
        spec.batching().get(),
        (batch, deadline) -> {
          counters.runs.increment();
          // Stopped at the last caller's deadline: after it nobody waits for the answer.
          try {
            // The caller's whole response (as LocalClient.response makes it), so that a request
            // run alone is answered with this one object and a batch's rows are split from it.
            return InferenceResponse.builder()
                .id(batch.id().orElse(null))
                .modelName(batch.targetModel().orElse(spec.model().name()))
                .modelVersion(spec.model().version())
                .deployment(spec.name())
                .outputs(loaded.run(batch, deadline))
                .build();
          } catch (RuntimeException e) {
            counters.failedRuns.increment();
            throw e;
          }
        });
  }
}
