package io.serve4j.benchmarks;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * DJL 0.38.0 on its ONNX Runtime engine (the {@code com.microsoft.onnxruntime} 1.28.0 jar's native
 * library; offline). A {@link Predictor} is not thread-safe, so each benchmark thread has its own,
 * over one shared model, as DJL recommends. Each call creates the inputs in a sub-manager from the
 * direct buffers, predicts with the no-op translator, copies the outputs out ({@code toByteBuffer})
 * and closes the sub-manager.
 */
final class DjlEngine implements Engine {
  private final ZooModel<NDList, NDList> model;
  private final List<Workload.Input> inputs;
  private final List<Predictor<NDList, NDList>> predictors = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Predictor<NDList, NDList>> predictor;

  DjlEngine(Workload workload) throws Exception {
    Criteria.Builder<NDList, NDList> b =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(workload.file())
            .optEngine("OnnxRuntime")
            .optTranslator(new NoopTranslator())
            // the same session settings as OrtEngine.sessionOptions()
            .optOption("optLevel", "ALL_OPT")
            .optOption("executionMode", "SEQUENTIAL")
            .optOption("cpuArenaAllocator", "true")
            .optOption("memoryPatternOptimization", "true");
    if (OrtEngine.intraOpThreads() > 0) {
      b.optOption("intraOpNumThreads", Integer.toString(OrtEngine.intraOpThreads()));
    }
    Criteria<NDList, NDList> criteria = b.build();
    model = criteria.loadModel();
    inputs = workload.inputs();
    predictor =
        ThreadLocal.withInitial(
            () -> {
              Predictor<NDList, NDList> p = model.newPredictor();
              predictors.add(p);
              return p;
            });
  }

  @Override
  public Object predict() throws Exception {
    try (NDManager m = model.getNDManager().newSubManager()) {
      NDList in = new NDList(inputs.size());
      for (Workload.Input i : inputs) {
        NDArray a =
            m.create(i.view(), new Shape(i.shape()), i.int64() ? DataType.INT64 : DataType.FLOAT32);
        a.setName(i.name());
        in.add(a);
      }
      NDList out = predictor.get().predict(in);
      ByteBuffer[] copies = new ByteBuffer[out.size()];
      for (int j = 0; j < copies.length; j++) {
        copies[j] = out.get(j).toByteBuffer();
      }
      out.close();
      return copies;
    }
  }

  @Override
  public void close() {
    predictors.forEach(Predictor::close);
    model.close();
  }
}
