package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.serve4j.Accelerator;
import io.serve4j.DeviceType;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.local.LocalOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The choice TensorRT, then CUDA, then CPU, with what ONNX Runtime lists and what loads simulated
 * (this machine has no GPU; {@code LocalProviderTest} covers the real fallback).
 */
class ExecutionProvidersTest {
  private static final Accelerator T4 = Accelerator.gpu(DeviceType.NVIDIA_T4, 1);
  private static final Set<OrtProvider> GPU_BUILD =
      EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT);
  private final SessionOptions options = new SessionOptions();
  private final List<String> registered = new ArrayList<>();

  @AfterEach
  void close() {
    options.close();
  }

  @Test
  void choose_whenCudaListedButItsLibraryFailsToLoad_fallsBackToCpu_quotingOnnxRuntime() {
    ExecutionProviders.Choice c =
        ExecutionProviders.choose(
            options,
            T4,
            LocalOptions.defaults(),
            GPU_BUILD,
            failing("libcublasLt.so.12: cannot open"));
    assertThat(c.provider()).isEqualTo("CPU");
    assertThat(c.diagnostic())
        .contains("CUDA is listed but its shared library failed to load: ")
        .contains("libcublasLt.so.12: cannot open")
        .contains("TensorRT is listed but its shared library failed to load");
  }

  @Test
  void choose_whenTensorRtLoads_picksIt_andRegistersCudaBehindIt() {
    ExecutionProviders.Choice c =
        ExecutionProviders.choose(
            options,
            T4,
            LocalOptions.builder().deviceId(1).gpuMemoryLimitBytes(1 << 30).build(),
            GPU_BUILD,
            working());
    assertThat(c.provider()).isEqualTo("TensorRT");
    assertThat(registered).containsExactly("trt:1", "cuda:1:" + (1 << 30));
    assertThat(c.diagnostic()).startsWith("TensorRT chosen on device 1");
  }

  @Test
  void choose_whenOnlyCudaListed_picksCuda_andSaysTensorRtIsNotInTheBuild() {
    ExecutionProviders.Choice c =
        ExecutionProviders.choose(
            options,
            T4,
            LocalOptions.defaults(),
            EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA),
            working());
    assertThat(c.provider()).isEqualTo("CUDA");
    assertThat(c.diagnostic()).contains("TensorRT is not listed by this ONNX Runtime build");
    assertThat(registered).containsExactly("cuda:0:0");
  }

  @Test
  void choose_whenNoGpuWorksAndPolicyIsFail_throwsUnsupportedCapability() {
    LocalOptions strict = LocalOptions.builder().gpuFallback(LocalOptions.GpuFallback.FAIL).build();
    assertThatThrownBy(
            () ->
                ExecutionProviders.choose(
                    options, T4, strict, EnumSet.of(OrtProvider.CPU), working()))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("CUDA is not listed")
        .hasMessageContaining("TensorRT is not listed");
    assertThat(registered).isEmpty();
  }

  @Test
  void choose_forCpuDeployment_neverTouchesGpuProviders_andNamesOtherListedOnes() {
    ExecutionProviders.Choice c =
        ExecutionProviders.choose(
            options,
            Accelerator.cpu(2, 4),
            LocalOptions.defaults(),
            EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.XNNPACK),
            working());
    assertThat(c.provider()).isEqualTo("CPU");
    assertThat(c.diagnostic()).contains("XNNPACK");
    assertThat(registered).isEmpty();
  }

  @Test
  void choose_withTheRealOnnxRuntime_listsWhatThisBuildHas() {
    Set<OrtProvider> real = ExecutionProviders.available();
    ExecutionProviders.Choice c =
        ExecutionProviders.choose(
            options, T4, LocalOptions.defaults(), real, ExecutionProviders.ORT);
    // No GPU here: CPU jar lists only CPU; the GPU jar lists CUDA and TensorRT that fail to load.
    assertThat(c.provider()).isEqualTo("CPU");
    assertThat(c.diagnostic()).contains(real.toString());
    if (real.contains(OrtProvider.CUDA)) {
      assertThat(c.diagnostic()).contains("CUDA is listed but its shared library failed to load");
    } else {
      assertThat(c.diagnostic()).contains("CUDA is not listed");
    }
  }

  @Test
  void choose_forTheDefaultCpu_saysNothingOfCloudSizing() {
    ExecutionProviders.Choice c =
        ExecutionProviders.choose(
            options,
            Accelerator.defaultCpu(),
            LocalOptions.defaults(),
            EnumSet.of(OrtProvider.CPU),
            working());
    assertThat(c.provider()).isEqualTo("CPU");
    assertThat(c.diagnostic())
        .isEqualTo("CPU chosen: the deployment asks for no GPU (ONNX Runtime lists [CPU])")
        .doesNotContain("vCPU")
        .doesNotContain("GiB");
  }

  @Test
  void choose_forAnExplicitCpuSize_saysItIsForCloudInstances() {
    ExecutionProviders.Choice c =
        ExecutionProviders.choose(
            options,
            Accelerator.cpu(8, 32),
            LocalOptions.defaults(),
            EnumSet.of(OrtProvider.CPU),
            working());
    assertThat(c.diagnostic()).contains("cpu(8 vCPU, 32 GiB) sizing applies to cloud instances");
  }

  private ExecutionProviders.Registrar working() {
    return new ExecutionProviders.Registrar() {
      @Override
      public void addTensorRt(SessionOptions o, int deviceId) {
        registered.add("trt:" + deviceId);
      }

      @Override
      public void addCuda(SessionOptions o, int deviceId, long limit) {
        registered.add("cuda:" + deviceId + ":" + limit);
      }
    };
  }

  private static ExecutionProviders.Registrar failing(String why) {
    return new ExecutionProviders.Registrar() {
      @Override
      public void addTensorRt(SessionOptions o, int deviceId) throws OrtException {
        throw new OrtException(OrtException.OrtErrorCode.ORT_FAIL, why);
      }

      @Override
      public void addCuda(SessionOptions o, int deviceId, long limit) throws OrtException {
        throw new OrtException(OrtException.OrtErrorCode.ORT_FAIL, why);
      }
    };
  }
}
