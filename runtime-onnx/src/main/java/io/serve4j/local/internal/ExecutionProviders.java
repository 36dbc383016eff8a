package io.serve4j.local.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import io.serve4j.Accelerator;
import io.serve4j.DeviceKind;
import io.serve4j.ErrorCategory;
import io.serve4j.local.LocalOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chooses the execution provider of a session from the deployment's {@link Accelerator} and what
 * ONNX Runtime reports available: TensorRT, then CUDA, then the CPU, and says why.
 */
final class ExecutionProviders {
  /**
   * The outcome.
   *
   * @param provider the chosen provider: {@code TensorRT}, {@code CUDA} or {@code CPU}
   * @param diagnostic which was chosen and why each other one was not
   */
  record Choice(String provider, String diagnostic) {}

  /** Probes an execution provider into session options; a seam for tests. */
  interface Registrar {
    void addTensorRt(SessionOptions options, int deviceId) throws OrtException;

    void addCuda(SessionOptions options, int deviceId, long memoryLimitBytes) throws OrtException;
  }

  /**
   * Registers the real ONNX Runtime providers. A provider whose library failed to load is not tried
   * again in this process (with the GPU jar and no CUDA, each attempt extracts and tries to load
   * hundreds of megabytes of libraries, seconds each); later deployments get the first message.
   */
  static final Registrar ORT = new CachingRegistrar();

  private static final class CachingRegistrar implements Registrar {
    private final Map<String, OrtException> failures = new ConcurrentHashMap<>();

    @Override
    public void addTensorRt(SessionOptions options, int deviceId) throws OrtException {
      String key = "TensorRT:" + deviceId;
      rethrowKnown(key);
      try {
        OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(deviceId);
        try {
          options.addTensorrt(trt);
        } finally {
          trt.close();
        }
      } catch (OrtException e) {
        failures.put(key, e);
        throw e;
      }
    }

    @Override
    public void addCuda(SessionOptions options, int deviceId, long memoryLimitBytes)
        throws OrtException {
      String key = "CUDA:" + deviceId;
      rethrowKnown(key);
      try {
        OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(deviceId);
        try {
          if (memoryLimitBytes > 0) {
            cuda.add("gpu_mem_limit", Long.toString(memoryLimitBytes));
          }
          options.addCUDA(cuda);
        } finally {
          cuda.close();
        }
      } catch (OrtException e) {
        failures.put(key, e);
        throw e;
      }
    }

    private void rethrowKnown(String key) throws OrtException {
      OrtException known = failures.get(key);
      if (known != null) {
        throw known;
      }
    }
  }

  private ExecutionProviders() {}

  /**
   * Registers the best working execution provider on {@code options}.
   *
   * @param options session options to configure
   * @param accelerator what the deployment asked for
   * @param local the provider's options (device id, memory limit, fallback policy)
   * @param available what ONNX Runtime lists
   * @param registrar how providers are registered
   * @return the choice and its diagnostic
   * @throws io.serve4j.UnsupportedCapabilityException if a GPU was asked for, none works and the
   *     policy is {@link LocalOptions.GpuFallback#FAIL}
   */
  static Choice choose(
      SessionOptions options,
      Accelerator accelerator,
      LocalOptions local,
      Set<OrtProvider> available,
      Registrar registrar) {
    Set<OrtProvider> others = EnumSet.noneOf(OrtProvider.class);
    others.addAll(available);
    others.removeAll(EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT));
    String also = others.isEmpty() ? "" : "; also listed but not used by serve4j: " + others;
    if (accelerator.kind() == DeviceKind.CPU) {
      // vCPU and memory sizes choose cloud instances; locally they mean nothing, and the default
      // sizing is not something the user asked for: it is mentioned only when set.
      return new Choice(
          "CPU",
          "CPU chosen: the deployment asks for no GPU"
              + (accelerator.equals(Accelerator.defaultCpu())
                  ? ""
                  : "; its "
                      + accelerator
                      + " sizing applies to cloud instances, the local runtime uses this machine")
              + " (ONNX Runtime lists "
              + available
              + ")"
              + also);
    }
    if (accelerator.kind() != DeviceKind.GPU) {
      return new Choice(
          "CPU",
          "CPU chosen: the deployment asks for "
              + accelerator
              + ", which ONNX Runtime does not run here (it lists "
              + available
              + ")"
              + also);
    }
    int device = local.deviceId();
    List<String> why = new ArrayList<>();
    String chosen = null;
    if (!available.contains(OrtProvider.TENSOR_RT)) {
      why.add("TensorRT is not listed by this ONNX Runtime build");
    } else {
      try {
        registrar.addTensorRt(options, device);
        chosen = "TensorRT";
      } catch (OrtException | RuntimeException | LinkageError e) {
        why.add("TensorRT is listed but its shared library failed to load: " + message(e));
      }
    }
    if (!available.contains(OrtProvider.CUDA)) {
      why.add("CUDA is not listed by this ONNX Runtime build");
    } else {
      try {
        // With TensorRT chosen, CUDA still runs the nodes TensorRT cannot.
        registrar.addCuda(options, device, local.gpuMemoryLimitBytes());
        if (chosen == null) {
          chosen = "CUDA";
        } else {
          why.add("CUDA is registered after TensorRT for the nodes TensorRT does not take");
        }
      } catch (OrtException | RuntimeException | LinkageError e) {
        why.add("CUDA is listed but its shared library failed to load: " + message(e));
      }
    }
    if (chosen != null) {
      return new Choice(
          chosen,
          chosen
              + " chosen on device "
              + device
              + " for "
              + accelerator
              + (why.isEmpty() ? "" : "; " + String.join("; ", why))
              + also);
    }
    String reasons = String.join("; ", why);
    if (local.gpuFallback() == LocalOptions.GpuFallback.FAIL) {
      throw Errors.of(
          ErrorCategory.UNSUPPORTED_CAPABILITY,
          "the deployment asks for "
              + accelerator
              + " but no GPU execution provider works here: "
              + reasons
              + " (ONNX Runtime lists "
              + available
              + "); LocalOptions.gpuFallback(FALLBACK_TO_CPU) runs it on the CPU instead");
    }
    return new Choice(
        "CPU",
        "CPU chosen as fallback: the deployment asks for "
            + accelerator
            + " but "
            + reasons
            + " (ONNX Runtime lists "
            + available
            + ")"
            + also);
  }

  /**
   * What ONNX Runtime lists.
   *
   * @return the available providers
   */
  static Set<OrtProvider> available() {
    return OrtEnvironment.getAvailableProviders();
  }

  private static String message(Throwable e) {
    String m = e instanceof OrtException o ? Errors.ortMessage(o) : e.toString();
    return m == null ? e.getClass().getName() : m.strip();
  }
}
