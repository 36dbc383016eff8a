package io.serve4j.local.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads the classes of a local deploy and first prediction on a daemon thread while the thread that
 * opens the first local client loads ONNX Runtime's native library (150-250 ms of copying and
 * linking that raw ONNX Runtime pays as well), so that a cold start does not read, parse and define
 * them one by one on the caller's thread afterwards (BENCHMARKS.md, cold start, round 6).
 *
 * <p>serve4j's and ONNX Runtime's classes are loaded <em>without</em> being initialised: no static
 * initialiser runs on this thread, so no initialisation order changes and no two threads can wait
 * on each other's class initialisation; a class the path never reaches is not in the list (the lazy
 * parts {@code ColdPathClassesTest} checks). A few JDK classes whose static initialisers do real
 * work (method handle lookups) and that have no serve4j code in them are initialised. Runs once per
 * process, at the first local client; a name that does not load is skipped: the path loads the
 * class itself when it needs it, and reports any failure there, as it would without this thread
 * ({@code ColdPathTest} keeps every name loadable).
 */
final class ColdPath implements Runnable {
  /** Loaded, not initialised, in the order a cold start first needs them. */
  static final String[] CLASSES = {
    "io.serve4j.local.internal.ModelLoader",
    "io.serve4j.local.internal.Registry",
    "io.serve4j.local.internal.Registry$DaemonThreads",
    "io.serve4j.local.LocalProvider$1",
    "io.serve4j.spi.ProviderSession",
    "io.serve4j.spi.ProviderSession$2",
    "io.serve4j.internal.DefaultServingClient",
    "io.serve4j.Endpoint",
    "io.serve4j.Operation",
    "io.serve4j.internal.DefaultServingClient$NoProgress",
    "io.serve4j.OperationKind",
    "io.serve4j.spi.ErrorMapper",
    "io.serve4j.spi.ErrorMapper$1",
    "io.serve4j.spi.Wire",
    "io.serve4j.DeploymentSpec",
    "io.serve4j.DeploymentSpec$Builder",
    "io.serve4j.Accelerator",
    "io.serve4j.Scaling",
    "io.serve4j.Model",
    "io.serve4j.Model$Builder",
    "io.serve4j.ModelFormat",
    "io.serve4j.Names",
    "io.serve4j.EndpointSpec",
    "io.serve4j.EndpointSpec$Builder",
    "io.serve4j.internal.CapabilityCheck",
    "io.serve4j.internal.CapabilityCheck$1",
    "io.serve4j.DeviceKind",
    "io.serve4j.internal.DefaultServingClient$Deploy",
    "io.serve4j.spi.Deadline",
    "io.serve4j.spi.Deadline$Watch",
    "io.serve4j.spi.Deadline$1",
    "io.serve4j.internal.RequestIds",
    "io.serve4j.CallInfo",
    "io.serve4j.internal.DefaultServingClient$OperationRun",
    "io.serve4j.spi.CallObserver",
    "io.serve4j.spi.CallObserver$1",
    "io.serve4j.internal.DefaultOperation",
    "io.serve4j.internal.DefaultOperation$Wiring",
    "io.serve4j.spi.CallContext",
    "io.serve4j.spi.DeadlineWatchdog",
    "io.serve4j.spi.DeadlineWatchdog$Watch",
    "io.serve4j.internal.Futures",
    "io.serve4j.local.internal.EndpointState",
    "io.serve4j.EndpointStatus",
    "io.serve4j.local.internal.Deployment",
    "io.serve4j.local.internal.LocalClient$Creation",
    "io.serve4j.spi.Wire$Link",
    "io.serve4j.OperationProgress",
    "io.serve4j.local.internal.ModelLoader$Source",
    "ai.onnxruntime.OrtSession$SessionOptions",
    "ai.onnxruntime.OrtProviderOptions",
    "ai.onnxruntime.providers.StringConfigProviderOptions",
    "ai.onnxruntime.providers.OrtTensorRTProviderOptions",
    "ai.onnxruntime.providers.OrtCUDAProviderOptions",
    "io.serve4j.local.internal.ModelLoader$1",
    "io.serve4j.internal.DefaultServingClient$Deployed",
    "ai.onnxruntime.OrtSession$SessionOptions$OptLevel",
    "ai.onnxruntime.OrtSession$SessionOptions$ExecutionMode",
    "io.serve4j.local.internal.ExecutionProviders$Choice",
    "ai.onnxruntime.OrtSession",
    "io.serve4j.internal.DefaultOperation$Mapping",
    "io.serve4j.internal.DefaultOperation$CancelSource",
    "io.serve4j.local.internal.LoadedModel",
    "io.serve4j.local.internal.LoadedModel$PinnedRunFailed",
    "io.serve4j.local.internal.RunOptionsPool",
    "io.serve4j.local.internal.RunOptionsPool$Sweep",
    "ai.onnxruntime.NodeInfo",
    "ai.onnxruntime.ValueInfo",
    "ai.onnxruntime.TensorInfo",
    "ai.onnxruntime.TensorInfo$OnnxTensorType",
    "ai.onnxruntime.OnnxJavaType",
    "ai.onnxruntime.OnnxJavaType$1",
    "ai.onnxruntime.OrtUtil",
    "io.serve4j.local.internal.TypeMapping",
    "io.serve4j.local.internal.TypeMapping$1",
    "io.serve4j.DataType",
    "io.serve4j.local.internal.LoadedModel$Input",
    "io.serve4j.TensorSpec",
    "io.serve4j.Shape",
    "io.serve4j.local.internal.LoadedModel$Output",
    "io.serve4j.ModelSignature",
    "ai.onnxruntime.OnnxModelMetadata",
    "io.serve4j.local.internal.OnnxHeader",
    "io.serve4j.local.internal.OnnxHeader$Source",
    "io.serve4j.local.internal.OnnxHeader$FileSource",
    "io.serve4j.local.internal.OnnxHeader$2",
    "io.serve4j.DeploymentDescription",
    "io.serve4j.DeploymentDescription$Builder",
    "io.serve4j.EndpointDescription",
    "io.serve4j.EndpointDescription$Builder",
    "io.serve4j.internal.DefaultServingClient$Known",
    "io.serve4j.internal.DefaultEndpoint",
    "io.serve4j.NotFoundException",
    "io.serve4j.InferenceRequest",
    "io.serve4j.InferenceRequest$Builder",
    "io.serve4j.Tensor",
    "io.serve4j.InvalidInputException",
    "io.serve4j.internal.RequestValidator",
    "io.serve4j.internal.DefaultEndpoint$Predict",
    "io.serve4j.internal.RetryBudget",
    "io.serve4j.internal.DefaultServingClient$Call",
    "ai.onnxruntime.OnnxValue",
    "ai.onnxruntime.OnnxTensorLike",
    "ai.onnxruntime.OnnxTensor",
    "io.serve4j.local.internal.Staging$Entry",
    "io.serve4j.local.internal.RunGuard",
    "ai.onnxruntime.OrtSession$RunOptions",
    "io.serve4j.local.internal.Staging",
    "io.serve4j.local.internal.Staging$Fixed",
    "ai.onnxruntime.OrtUtil$BufferTuple",
    "ai.onnxruntime.TensorInfo$1",
    "ai.onnxruntime.OrtSession$Result",
    "io.serve4j.InferenceResponse",
    "io.serve4j.InferenceResponse$Builder",
  };

  /** JDK classes initialised too: static initialisers of method handle lookups only. */
  static final String[] JDK_CLASSES = {
    "java.util.concurrent.CompletionStage",
    "java.util.concurrent.CompletableFuture",
    "java.util.concurrent.CompletableFuture$AltResult",
    "java.util.concurrent.CompletableFuture$Completion",
    "java.util.concurrent.CompletableFuture$UniCompletion",
    "java.util.concurrent.CompletableFuture$UniWhenComplete",
    "java.util.concurrent.CompletableFuture$Signaller",
    "java.util.concurrent.ExecutionException",
    "java.util.concurrent.TimeoutException",
    "java.util.concurrent.ThreadPoolExecutor",
    "java.util.concurrent.ThreadPoolExecutor$Worker",
    "java.util.concurrent.ThreadPoolExecutor$AbortPolicy",
    "java.util.concurrent.SynchronousQueue",
    "java.util.concurrent.SynchronousQueue$TransferStack",
    "java.util.concurrent.SynchronousQueue$TransferStack$SNode",
    "java.util.concurrent.ArrayBlockingQueue",
    "java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject",
    "java.util.concurrent.atomic.AtomicReferenceArray",
    "java.util.UUID",
  };

  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private ColdPath() {}

  /** Starts the loading thread, once per process. */
  static void start() {
    if (STARTED.compareAndSet(false, true)) {
      Thread t = new Thread(new ColdPath(), "serve4j-local-preload");
      t.setDaemon(true);
      t.start();
    }
  }

  @Override
  public void run() {
    ClassLoader loader = ColdPath.class.getClassLoader();
    for (String name : CLASSES) {
      load(name, false, loader);
    }
    for (String name : JDK_CLASSES) {
      load(name, true, null);
    }
  }

  private static void load(String name, boolean initialize, ClassLoader loader) {
    try {
      Class.forName(name, initialize, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      // Not needed or not loadable: the path loads it itself and reports a failure where it does.
    }
  }
}
