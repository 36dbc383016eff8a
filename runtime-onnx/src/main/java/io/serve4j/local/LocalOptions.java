package io.serve4j.local;

import io.serve4j.ErrorCategory;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of the {@code local} provider: how ONNX Runtime sessions are built and which execution
 * provider they run on. Immutable; build one with {@link #builder()}.
 *
 * <pre>{@code
 * ServingClient local = Serve4j.client(LocalOptions.builder()
 *     .intraOpThreads(4)
 *     .optimizationLevel(LocalOptions.OptimizationLevel.ALL)
 *     .warmUpRuns(3)
 *     .gpuFallback(LocalOptions.GpuFallback.FAIL)
 *     .build());
 * }</pre>
 *
 * <p>Every setting applies to each deployment's session. Defaults are ONNX Runtime's own, so that
 * {@code Serve4j.client("local")} behaves like a plain {@code OrtSession}.
 */
public final class LocalOptions implements ProviderOptions {
  /** Graph optimisation levels, as ONNX Runtime names them. */
  public enum OptimizationLevel {
    /** No graph optimisation. */
    NONE,
    /** Redundant-node removal and constant folding. */
    BASIC,
    /** BASIC plus node fusions. */
    EXTENDED,
    /** Everything, including layout optimisations (ONNX Runtime's default). */
    ALL
  }

  /** How operators of one graph are scheduled. */
  public enum ExecutionMode {
    /** One operator after another, each using the intra-op threads (the default). */
    SEQUENTIAL,
    /** Independent branches of the graph run in parallel on the inter-op threads. */
    PARALLEL
  }

  /** What to do when a deployment asks for a GPU and no GPU execution provider works. */
  public enum GpuFallback {
    /**
     * Run on the CPU; the deployment's description says why the GPU providers were not used. The
     * default.
     */
    FALLBACK_TO_CPU,
    /** Fail the deployment with an {@link io.serve4j.UnsupportedCapabilityException}. */
    FAIL
  }

  /**
   * The least severe of ONNX Runtime's own (native) log lines that are printed, to standard error.
   * They do not go through the application's logging; every failure they would report is also in
   * the {@link ServingException} serve4j throws, with ONNX Runtime's message.
   */
  public enum LogLevel {
    /** Everything, including per-node details. */
    VERBOSE,
    /** Informational lines and above. */
    INFO,
    /** Warnings (for example unused initializers, fallback of nodes to the CPU) and above. */
    WARNING,
    /** Errors, among them one line per failed run, and above. */
    ERROR,
    /** Only fatal errors: the default. */
    FATAL
  }

  private final int intraOpThreads;
  private final int interOpThreads;
  private final boolean intraOpSpinning;
  private final LogLevel logLevel;
  private final OptimizationLevel optimizationLevel;
  private final ExecutionMode executionMode;
  private final boolean memoryArena;
  private final boolean memoryPattern;
  private final Path optimizedModelCache;
  private final int warmUpRuns;
  private final long multiModelMemoryBudgetBytes;
  private final int deviceId;
  private final long gpuMemoryLimitBytes;
  private final GpuFallback gpuFallback;
  private final LocalStatistics statistics;
  private final boolean isolated;

  private LocalOptions(Builder b) {
    this.intraOpThreads = b.intraOpThreads;
    this.interOpThreads = b.interOpThreads;
    this.intraOpSpinning = b.intraOpSpinning;
    this.logLevel = b.logLevel;
    this.optimizationLevel = b.optimizationLevel;
    this.executionMode = b.executionMode;
    this.memoryArena = b.memoryArena;
    this.memoryPattern = b.memoryPattern;
    this.optimizedModelCache = b.optimizedModelCache;
    this.warmUpRuns = b.warmUpRuns;
    this.multiModelMemoryBudgetBytes = b.multiModelMemoryBudgetBytes;
    this.deviceId = b.deviceId;
    this.gpuMemoryLimitBytes = b.gpuMemoryLimitBytes;
    this.gpuFallback = b.gpuFallback;
    this.statistics = b.statistics;
    this.isolated = b.isolated;
  }

  /**
   * Starts a builder with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The defaults: ONNX Runtime's own session settings, no warm-up, GPU device 0 with CPU fallback.
   *
   * @return default options
   */
  public static LocalOptions defaults() {
    return builder().build();
  }

  /**
   * Returns a builder with these options' values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.intraOpThreads = intraOpThreads;
    b.interOpThreads = interOpThreads;
    b.intraOpSpinning = intraOpSpinning;
    b.logLevel = logLevel;
    b.optimizationLevel = optimizationLevel;
    b.executionMode = executionMode;
    b.memoryArena = memoryArena;
    b.memoryPattern = memoryPattern;
    b.optimizedModelCache = optimizedModelCache;
    b.warmUpRuns = warmUpRuns;
    b.multiModelMemoryBudgetBytes = multiModelMemoryBudgetBytes;
    b.deviceId = deviceId;
    b.gpuMemoryLimitBytes = gpuMemoryLimitBytes;
    b.gpuFallback = gpuFallback;
    b.statistics = statistics;
    b.isolated = isolated;
    return b;
  }

  @Override
  public String providerId() {
    return LocalProvider.ID;
  }

  /**
   * Returns the threads one operator may use; 0 lets ONNX Runtime choose (one per core).
   *
   * @return intra-op threads
   */
  public int intraOpThreads() {
    return intraOpThreads;
  }

  /**
   * Returns whether ONNX Runtime's intra-op threads spin, waiting for work, after their share of an
   * operator is done ({@code session.intra_op.allow_spinning}); default true (ONNX Runtime's
   * default). Spinning saves the wake-up of a parked thread between operators; it costs CPU time
   * the other threads of the machine could use (a server's I/O threads, other sessions' callers),
   * and between runs it burns CPU for nothing. Off, a thread waiting for work blocks at once.
   *
   * @return true if the intra-op threads spin
   */
  public boolean intraOpSpinning() {
    return intraOpSpinning;
  }

  /**
   * Returns the threads running independent branches in {@link ExecutionMode#PARALLEL}; 0 lets ONNX
   * Runtime choose.
   *
   * @return inter-op threads
   */
  public int interOpThreads() {
    return interOpThreads;
  }

  /**
   * Returns the least severe native ONNX Runtime log line each session prints; default {@link
   * LogLevel#FATAL}, so that a failed run is reported once, by its exception, not also by a line on
   * standard error.
   *
   * @return the level
   */
  public LogLevel logLevel() {
    return logLevel;
  }

  /**
   * Returns the graph optimisation level; default {@link OptimizationLevel#ALL}.
   *
   * @return the level
   */
  public OptimizationLevel optimizationLevel() {
    return optimizationLevel;
  }

  /**
   * Returns the execution mode; default {@link ExecutionMode#SEQUENTIAL}.
   *
   * @return the mode
   */
  public ExecutionMode executionMode() {
    return executionMode;
  }

  /**
   * Returns whether the CPU memory arena is on; default true (ONNX Runtime's default). The arena
   * keeps the memory of the largest intermediate tensors it has served and reuses it; it does not
   * give it back to the system. With inputs of many shapes (batching, variable sequence lengths) it
   * grows to the largest working set seen and stays there: see BENCHMARKS.md, "Soak". Off, each run
   * allocates and frees from the system allocator (resident memory follows the load, at some cost
   * per run).
   *
   * @return true if the arena is used
   */
  public boolean memoryArena() {
    return memoryArena;
  }

  /**
   * Returns whether memory-pattern planning is on; default true (ONNX Runtime's default). ONNX
   * Runtime plans and caches one memory layout per set of input shapes it has seen.
   *
   * @return true if memory patterns are used
   */
  public boolean memoryPattern() {
    return memoryPattern;
  }

  /**
   * Returns the directory where optimised models are cached: the first deployment of a model writes
   * its optimised graph there, later deployments of the same bytes, level and execution provider
   * load it without optimising again.
   *
   * @return the cache directory, empty when caching is off (the default)
   */
  public Optional<Path> optimizedModelCache() {
    return Optional.ofNullable(optimizedModelCache);
  }

  /**
   * Returns how many runs on zero-filled inputs each deployment makes before it is in service;
   * default 0.
   *
   * @return warm-up runs
   */
  public int warmUpRuns() {
    return warmUpRuns;
  }

  /**
   * Returns how many bytes of model files each multi-model deployment keeps loaded at most; the
   * least recently used models are unloaded to make room.
   *
   * @return the budget in bytes
   */
  public long multiModelMemoryBudgetBytes() {
    return multiModelMemoryBudgetBytes;
  }

  /**
   * Returns the GPU a GPU deployment runs on; default 0.
   *
   * @return the CUDA device id
   */
  public int deviceId() {
    return deviceId;
  }

  /**
   * Returns the most GPU memory the CUDA execution provider's arena may take; 0 (the default) means
   * no limit.
   *
   * @return bytes, or 0
   */
  public long gpuMemoryLimitBytes() {
    return gpuMemoryLimitBytes;
  }

  /**
   * Returns what happens when a GPU is asked for and none works; default {@link
   * GpuFallback#FALLBACK_TO_CPU}.
   *
   * @return the policy
   */
  public GpuFallback gpuFallback() {
    return gpuFallback;
  }

  /**
   * Returns the statistics the client counts into, if the caller supplied them.
   *
   * @return the statistics, empty if each client keeps private ones
   */
  public Optional<LocalStatistics> statistics() {
    return Optional.ofNullable(statistics);
  }

  /**
   * Returns whether the client keeps its endpoints to itself. By default (false) every open local
   * client of the process sees the same endpoints, as clients of a cloud do; they are deleted, and
   * their sessions freed, when the last such client closes. An isolated client's endpoints are seen
   * by it alone and deleted when it closes.
   *
   * @return true if isolated
   */
  public boolean isolated() {
    return isolated;
  }

  @Override
  public String toString() {
    return "LocalOptions[intraOpThreads="
        + intraOpThreads
        + ", interOpThreads="
        + interOpThreads
        + (intraOpSpinning ? "" : ", intraOpSpinning=false")
        + ", logLevel="
        + logLevel
        + ", optimizationLevel="
        + optimizationLevel
        + ", executionMode="
        + executionMode
        + ", memoryArena="
        + memoryArena
        + ", memoryPattern="
        + memoryPattern
        + (optimizedModelCache != null ? ", optimizedModelCache=" + optimizedModelCache : "")
        + ", warmUpRuns="
        + warmUpRuns
        + ", multiModelMemoryBudgetBytes="
        + multiModelMemoryBudgetBytes
        + ", deviceId="
        + deviceId
        + ", gpuMemoryLimitBytes="
        + gpuMemoryLimitBytes
        + ", gpuFallback="
        + gpuFallback
        + (isolated ? ", isolated" : "")
        + "]";
  }

  /** Builds {@link LocalOptions}. Not thread-safe. */
  public static final class Builder {
    private int intraOpThreads;
    private int interOpThreads;
    private boolean intraOpSpinning = true;
    private LogLevel logLevel = LogLevel.FATAL;
    private OptimizationLevel optimizationLevel = OptimizationLevel.ALL;
    private ExecutionMode executionMode = ExecutionMode.SEQUENTIAL;
    private boolean memoryArena = true;
    private boolean memoryPattern = true;
    private Path optimizedModelCache;
    private int warmUpRuns;
    private long multiModelMemoryBudgetBytes = 1L << 30;
    private int deviceId;
    private long gpuMemoryLimitBytes;
    private GpuFallback gpuFallback = GpuFallback.FALLBACK_TO_CPU;
    private LocalStatistics statistics;
    private boolean isolated;

    private Builder() {}

    /**
     * Sets the threads one operator may use; default 0 (ONNX Runtime chooses).
     *
     * @param threads 0 or more
     * @return this builder
     */
    public Builder intraOpThreads(int threads) {
      this.intraOpThreads = nonNegative(threads, "intraOpThreads");
      return this;
    }

    /**
     * Sets the threads for parallel branches; default 0 (ONNX Runtime chooses).
     *
     * @param threads 0 or more
     * @return this builder
     */
    public Builder interOpThreads(int threads) {
      this.interOpThreads = nonNegative(threads, "interOpThreads");
      return this;
    }

    /**
     * Sets whether ONNX Runtime's intra-op threads spin while they wait for work ({@code
     * session.intra_op.allow_spinning}); default true, ONNX Runtime's default. Turn it off when the
     * cores are shared with other busy threads (a server on a small machine, several sessions or
     * batch instances at once): a spinning thread takes the CPU they need. See {@link
     * LocalOptions#intraOpSpinning()}.
     *
     * @param spinning whether the intra-op threads spin
     * @return this builder
     */
    public Builder intraOpSpinning(boolean spinning) {
      this.intraOpSpinning = spinning;
      return this;
    }

    /**
     * Sets the least severe native ONNX Runtime log line each session prints to standard error;
     * default {@link LogLevel#FATAL}. {@link LogLevel#WARNING} shows what ONNX Runtime says about a
     * model while loading it, {@link LogLevel#ERROR} adds one line per failed run.
     *
     * @param level the level
     * @return this builder
     */
    public Builder logLevel(LogLevel level) {
      this.logLevel = Objects.requireNonNull(level, "level");
      return this;
    }

    /**
     * Sets the graph optimisation level; default {@link OptimizationLevel#ALL}.
     *
     * @param level the level
     * @return this builder
     */
    public Builder optimizationLevel(OptimizationLevel level) {
      this.optimizationLevel = Objects.requireNonNull(level, "level");
      return this;
    }

    /**
     * Sets the execution mode; default {@link ExecutionMode#SEQUENTIAL}.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder executionMode(ExecutionMode mode) {
      this.executionMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Turns the CPU memory arena on or off; default on.
     *
     * @param on whether to use the arena
     * @return this builder
     */
    public Builder memoryArena(boolean on) {
      this.memoryArena = on;
      return this;
    }

    /**
     * Turns memory-pattern planning on or off; default on.
     *
     * @param on whether to plan memory patterns
     * @return this builder
     */
    public Builder memoryPattern(boolean on) {
      this.memoryPattern = on;
      return this;
    }

    /**
     * Caches optimised models in a directory (created if missing); default off.
     *
     * @param directory the directory, or null for no cache
     * @return this builder
     */
    public Builder optimizedModelCache(Path directory) {
      this.optimizedModelCache = directory;
      return this;
    }

    /**
     * Sets how many warm-up runs each deployment makes before it is in service; default 0.
     *
     * @param runs 0 or more
     * @return this builder
     */
    public Builder warmUpRuns(int runs) {
      this.warmUpRuns = nonNegative(runs, "warmUpRuns");
      return this;
    }

    /**
     * Sets how many bytes of model files each multi-model deployment ({@link
     * io.serve4j.Model.Builder#multiModel(boolean)}) keeps loaded; default 1 GiB. A model's size is
     * its file's size (ONNX Runtime's own use is of that order for most models; measure yours).
     * When loading one more would pass the budget, the least recently used models are unloaded,
     * each once its running predictions finish; a model larger than the whole budget is refused.
     *
     * @param bytes at least 1
     * @return this builder
     */
    public Builder multiModelMemoryBudgetBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("multiModelMemoryBudgetBytes must be at least 1");
      }
      this.multiModelMemoryBudgetBytes = bytes;
      return this;
    }

    /**
     * Sets the GPU device id; default 0.
     *
     * @param deviceId 0 or more
     * @return this builder
     */
    public Builder deviceId(int deviceId) {
      this.deviceId = nonNegative(deviceId, "deviceId");
      return this;
    }

    /**
     * Limits the CUDA arena's GPU memory; default 0 (no limit).
     *
     * @param bytes 0 or more
     * @return this builder
     */
    public Builder gpuMemoryLimitBytes(long bytes) {
      if (bytes < 0) {
        throw invalid("gpuMemoryLimitBytes must be >= 0, was " + bytes);
      }
      this.gpuMemoryLimitBytes = bytes;
      return this;
    }

    /**
     * Sets what happens when no GPU works; default {@link GpuFallback#FALLBACK_TO_CPU}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder gpuFallback(GpuFallback policy) {
      this.gpuFallback = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Counts runs into these statistics (shared between clients if the caller wishes); by default
     * each client counts privately.
     *
     * @param statistics the statistics, or null
     * @return this builder
     */
    public Builder statistics(LocalStatistics statistics) {
      this.statistics = statistics;
      return this;
    }

    /**
     * Keeps the client's endpoints to itself (see {@link LocalOptions#isolated()}); default false.
     *
     * @param isolated whether to isolate
     * @return this builder
     */
    public Builder isolated(boolean isolated) {
      this.isolated = isolated;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public LocalOptions build() {
      return new LocalOptions(this);
    }

    private static int nonNegative(int value, String what) {
      if (value < 0) {
        throw invalid(what + " must be >= 0, was " + value);
      }
      return value;
    }

    private static ServingException invalid(String message) {
      return ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(LocalProvider.ID)
          .message(message)
          .build();
    }
  }
}
