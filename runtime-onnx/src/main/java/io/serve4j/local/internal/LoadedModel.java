package io.serve4j.local.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.spi.Deadline;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session and everything the run path needs, resolved once at load time: input
 * names and element types, output shapes where they can be known before the run.
 *
 * <p>Runs are thread-safe (ONNX Runtime allows concurrent {@code run} on one session). Inputs are
 * handed to ONNX Runtime over the tensors' direct buffers without copying. Outputs whose shape is
 * known before the run (fixed in the model, or named after a dimension of an input, like {@code
 * batch} or {@code sequence}) are pre-allocated in a direct buffer that ONNX Runtime writes into;
 * other outputs are copied once out of ONNX Runtime's memory. Every native object is closed on
 * every path.
 */
final class LoadedModel implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String label;
  private final ModelSignature signature;
  private final Input[] inputs;
  private final String[] inputNames;
  private final Output[] outputs;
  private final String[] outputNames;
  private final Map<String, Output> outputsByName;
  private final List<String> skippedOutputs;
  private final Set<String> allOutputNames;
  private final Set<String> unpinnableOutputNames;
  private volatile boolean pinning = true;
  private final RunOptionsPool runOptions = new RunOptionsPool();

  private record Input(String name, DataType type, OnnxJavaType bufferType) {}

  /** An output and how to know its shape before the run. */
  private static final class Output {
    final int index;
    final String name;
    final DataType type;
    final OnnxJavaType pinType;
    final long[] dims;
    final int[] fromInput;
    final int[] fromAxis;
    final boolean pinnable;
    // every dimension fixed in the model: the shape is the same array on every run (never written)
    final boolean fixed;

    Output(
        int index,
        String name,
        DataType type,
        long[] dims,
        String[] dimNames,
        Map<String, int[]> inputDims) {
      this.index = index;
      this.name = name;
      this.type = type;
      this.dims = dims;
      this.fromInput = new int[dims.length];
      this.fromAxis = new int[dims.length];
      boolean known = true;
      for (int a = 0; a < dims.length; a++) {
        fromInput[a] = -1;
        if (dims[a] < 0) {
          int[] source =
              dimNames != null && a < dimNames.length && !dimNames[a].isEmpty()
                  ? inputDims.get(dimNames[a])
                  : null;
          if (source == null) {
            known = false;
          } else {
            fromInput[a] = source[0];
            fromAxis[a] = source[1];
          }
        }
      }
      this.pinType = TypeMapping.bufferType(type);
      this.pinnable = known && pinType != null;
      boolean allFixed = true;
      for (long d : dims) {
        allFixed &= d >= 0;
      }
      this.fixed = allFixed;
    }

    /**
     * Whether {@code shape} is this output's shape for these inputs ({@link #shapeFor} without
     * making an array).
     */
    boolean hasShape(long[] shape, Tensor[] in) {
      if (shape.length != dims.length) {
        return false;
      }
      for (int a = 0; a < shape.length; a++) {
        long d = dims[a];
        if (fromInput[a] >= 0) {
          Shape inShape = in[fromInput[a]].shape();
          if (fromAxis[a] >= inShape.rank()) {
            return false;
          }
          d = inShape.dim(fromAxis[a]);
        }
        if (d != shape[a]) {
          return false;
        }
      }
      return true;
    }

    /** The output's shape for these inputs; not to be written (it may be shared). */
    long[] shapeFor(Tensor[] in) {
      if (fixed) {
        return dims;
      }
      long[] s = dims.clone();
      for (int a = 0; a < s.length; a++) {
        if (fromInput[a] >= 0) {
          Shape inShape = in[fromInput[a]].shape();
          if (fromAxis[a] >= inShape.rank()) {
            return null;
          }
          s[a] = inShape.dim(fromAxis[a]);
        }
      }
      return s;
    }
  }

  /**
   * Reads the session's inputs and outputs.
   *
   * @param env the environment
   * @param session the session; owned from now on
   * @param label what to call it in messages, e.g. "deployment 'blue' of endpoint 'fraud'"
   * @param artifact the artifact, for load errors
   * @throws ServingException UNSUPPORTED_CAPABILITY if an input cannot be fed from serve4j tensors,
   *     the model has no inputs, or none of its outputs can be returned
   */
  LoadedModel(OrtEnvironment env, OrtSession session, String label, String artifact)
      throws OrtException {
    this.env = env;
    this.session = session;
    this.label = label;
    List<TensorSpec> inSpecs = new ArrayList<>();
    List<Input> ins = new ArrayList<>();
    Map<String, int[]> inputDims = new HashMap<>();
    for (NodeInfo n : session.getInputInfo().values()) {
      if (!(n.getInfo() instanceof TensorInfo ti)) {
        throw unsupported(artifact, "input '" + n.getName() + "' is " + n.getInfo());
      }
      DataType t = TypeMapping.dataType(ti.onnxType);
      OnnxJavaType bt = t == null ? null : TypeMapping.bufferType(t);
      if (t == null || (bt == null && t != DataType.BYTES)) {
        throw unsupported(
            artifact,
            "input '"
                + n.getName()
                + "' has element type "
                + ti.onnxType
                + ", which ONNX Runtime's Java API cannot feed from a serve4j tensor");
      }
      String[] names = ti.getDimensionNames();
      for (int a = 0; a < names.length; a++) {
        if (!names[a].isEmpty()) {
          inputDims.putIfAbsent(names[a], new int[] {ins.size(), a});
        }
      }
      ins.add(new Input(n.getName(), t, bt));
      inSpecs.add(new TensorSpec(n.getName(), t, Shape.of(ti.getShape())));
    }
    List<TensorSpec> outSpecs = new ArrayList<>();
    List<Output> outs = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (NodeInfo n : session.getOutputInfo().values()) {
      DataType t = n.getInfo() instanceof TensorInfo ti ? TypeMapping.dataType(ti.onnxType) : null;
      if (t == null) {
        skipped.add(n.getName() + " (" + n.getInfo() + ")");
        continue;
      }
      TensorInfo ti = (TensorInfo) n.getInfo();
      outs.add(
          new Output(
              outs.size(), n.getName(), t, ti.getShape(), ti.getDimensionNames(), inputDims));
      outSpecs.add(new TensorSpec(n.getName(), t, Shape.of(ti.getShape())));
    }
    if (ins.isEmpty()) {
      throw unsupported(
          artifact, "it has no inputs, and every request carries at least one input tensor");
    }
    if (outs.isEmpty()) {
      throw unsupported(
          artifact,
          "none of its outputs is a tensor of a type serve4j can return: "
              + String.join(", ", skipped));
    }
    this.inputs = ins.toArray(new Input[0]);
    this.outputs = outs.toArray(new Output[0]);
    this.inputNames = new String[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      inputNames[i] = inputs[i].name;
    }
    this.outputNames = new String[outputs.length];
    for (int j = 0; j < outputs.length; j++) {
      outputNames[j] = outputs[j].name;
    }
    Map<String, Output> byName = new HashMap<>();
    for (Output o : outputs) {
      byName.put(o.name, o);
    }
    this.outputsByName = byName;
    Set<String> all = new HashSet<>();
    Set<String> unpinnable = new HashSet<>();
    for (Output o : outputs) {
      all.add(o.name);
      if (!o.pinnable) {
        unpinnable.add(o.name);
      }
    }
    this.allOutputNames = Set.copyOf(all);
    this.unpinnableOutputNames = Set.copyOf(unpinnable);
    this.skippedOutputs = List.copyOf(skipped);
    this.signature = new ModelSignature(inSpecs, outSpecs);
  }

  /**
   * Returns the signature read from the model.
   *
   * @return inputs and tensor outputs, -1 for dynamic dimensions
   */
  ModelSignature signature() {
    return signature;
  }

  /**
   * Returns the outputs that are not tensors (sequences, maps) and are never returned.
   *
   * @return names with their ONNX Runtime type
   */
  List<String> skippedOutputs() {
    return skippedOutputs;
  }

  /**
   * For tests: the pool of this model's run slots.
   *
   * @return the pool
   */
  RunOptionsPool runOptionsPool() {
    return runOptions;
  }

  /**
   * Returns the session, for metadata.
   *
   * @return the session
   */
  OrtSession session() {
    return session;
  }

  /**
   * Runs the model.
   *
   * @param request a request validated against {@link #signature()}
   * @param deadline when ONNX Runtime must be told to stop
   * @return the outputs asked for (all tensor outputs by default), in the model's order
   * @throws ServingException TIMEOUT at the deadline, MODEL_ERROR if ONNX Runtime fails
   */
  List<Tensor> run(InferenceRequest request, Deadline deadline) {
    return run(request, deadline, deadline.remainingNanos());
  }

  /**
   * Runs the model, the deadline's time left already read.
   *
   * @param request a request validated against {@link #signature()}
   * @param deadline when ONNX Runtime must be told to stop
   * @param left nanoseconds left until it, read just before ({@link Deadline#remainingNanos()})
   * @return the outputs asked for (all tensor outputs by default), in the model's order
   * @throws ServingException TIMEOUT at the deadline, MODEL_ERROR if ONNX Runtime fails
   */
  List<Tensor> run(InferenceRequest request, Deadline deadline, long left) {
    List<Tensor> given = request.inputs();
    for (int i = 0; i < inputs.length; i++) {
      find(given, inputs[i].name); // checked before the run starts; kept in its slot's array
    }
    Output[] wanted = wanted(request.outputs());
    boolean pin = pinning;
    try {
      return runOnce(given, wanted, pin, deadline, left);
    } catch (PinnedRunFailed e) {
      // A pre-allocated output did not have the shape ONNX Runtime produced: the model's
      // declared shapes are not to be trusted. Run without pre-allocation from now on.
      pinning = false;
      try {
        return runOnce(given, wanted, false, deadline, deadline.remainingNanos());
      } catch (PinnedRunFailed impossible) {
        throw impossible.error;
      }
    }
  }

  private String[] namesOf(Output[] wanted) {
    if (wanted == outputs) {
      return outputNames;
    }
    String[] names = new String[wanted.length];
    for (int j = 0; j < names.length; j++) {
      names[j] = wanted[j].name;
    }
    return names;
  }

  private Output[] wanted(List<String> names) {
    if (names.isEmpty()) {
      return outputs;
    }
    Output[] w = new Output[names.size()];
    for (int j = 0; j < w.length; j++) {
      w[j] = outputsByName.get(names.get(j));
      if (w[j] == null) {
        throw Errors.of(
            ErrorCategory.INVALID_INPUT,
            label + " has no tensor output '" + names.get(j) + "'; it has " + signature.outputs());
      }
    }
    return w;
  }

  private static Tensor find(List<Tensor> given, String name) {
    for (int i = 0, n = given.size(); i < n; i++) {
      Tensor t = given.get(i);
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw Errors.of(ErrorCategory.INVALID_INPUT, "the request lacks input '" + name + "'");
  }

  /** Thrown when a run with pre-allocated outputs failed, so that it can be retried without. */
  private static final class PinnedRunFailed extends Exception {
    private static final long serialVersionUID = 1L;
    final transient ServingException error;

    PinnedRunFailed(ServingException error) {
      super(null, null, false, false);
      this.error = error;
    }
  }

  private List<Tensor> runOnce(
      List<Tensor> given, Output[] wanted, boolean pin, Deadline deadline, long left)
      throws PinnedRunFailed {
    boolean anyPinned = false;
    RunGuard guard = null;
    OrtSession.Result result = null;
    // The run's working arrays: the slot's own (one run at a time), emptied before it is given back
    Staging.Scratch scratch = null;
    OnnxTensor[] created = null; // made for this run, closed after it
    OnnxTensor[] pinnedTensors = null; // likewise
    try {
      guard = RunGuard.start(deadline, left, runOptions);
      Staging staging = guard.staging();
      scratch = staging.scratch(inputs.length, wanted.length);
      // the request's tensors in the model's order, in the slot's array (none made per run)
      Tensor[] in = scratch.in;
      for (int i = 0; i < in.length; i++) {
        in[i] = find(given, inputs[i].name);
      }
      created = scratch.created;
      pinnedTensors = scratch.pinnedTensors;
      Staging.Entry[] kept = scratch.kept; // the slot's, copied out after the run
      Tensor[] out = scratch.out; // pinned ones made before the run, over its buffer
      OnnxTensor[] fed = scratch.fed;
      boolean allKept = true;
      for (int i = 0; i < in.length; i++) {
        fed[i] = feed(staging, i, in, created);
        allKept &= created[i] == null;
      }
      Map<String, OnnxTensor> feed;
      if (allKept) {
        // the slot's kept tensors: its kept map (no map made per run)
        feed = staging.feed(inputNames, fed);
      } else if (in.length == 1) {
        // one input: a singleton map (a HashMap, its table and node cost ~180 B)
        feed = Collections.singletonMap(inputs[0].name, fed[0]);
      } else {
        feed = new HashMap<>(in.length * 2);
        for (int i = 0; i < in.length; i++) {
          feed.put(inputs[i].name, fed[i]);
        }
      }
      Map<String, OnnxTensor> pinned = Collections.emptyMap();
      OnnxTensor[] targets = scratch.targets;
      int keptOutputs = 0;
      // With every output wanted, the set ONNX Runtime allocates is known at load time; it is
      // copied only if an output that should have been pre-allocated could not be.
      boolean everyOutput = wanted == outputs;
      Set<String> requested =
          everyOutput
              ? (pin ? unpinnableOutputNames : allOutputNames)
              : new HashSet<>(wanted.length * 2);
      boolean shared = everyOutput;
      for (int j = 0; j < wanted.length; j++) {
        Output o = wanted[j];
        long[] shape = null;
        if (pin && o.pinnable) {
          // the slot's kept shape when it is this run's: no shape array per run
          long[] keptShape = staging.keptShape(o.index, outputs.length);
          shape = keptShape != null && o.hasShape(keptShape, in) ? keptShape : o.shapeFor(in);
        }
        long bytes = shape == null ? 0 : byteCount(shape, o.type);
        if (bytes > 0 && bytes <= Integer.MAX_VALUE) {
          OnnxTensor target;
          kept[j] = staging.output(env, o.index, outputs.length, shape, bytes, o.pinType);
          if (kept[j] != null) {
            target = kept[j].tensor;
            keptOutputs++;
          } else {
            ByteBuffer b = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            pinnedTensors[j] = OnnxTensor.createTensor(env, b, shape, o.pinType);
            target = pinnedTensors[j];
            out[j] = Tensor.wrap(o.name, o.type, Shape.of(shape), b);
          }
          targets[j] = target;
          anyPinned = true;
        } else if (!shared || (pin && o.pinnable)) {
          if (shared) {
            requested = new HashSet<>(requested);
            shared = false;
          }
          requested.add(o.name);
        }
      }
      if (keptOutputs == wanted.length && keptOutputs > 0) {
        // every output is one of the slot's kept tensors: its kept map
        pinned = staging.pinned(namesOf(wanted), targets, keptOutputs);
      } else if (anyPinned) {
        pinned = new HashMap<>(wanted.length * 2);
        for (int j = 0; j < wanted.length; j++) {
          if (targets[j] != null) {
            pinned.put(wanted[j].name, targets[j]);
          }
        }
      }
      result = session.run(feed, requested, pinned, guard.options());
      for (int j = 0; j < wanted.length; j++) {
        if (kept[j] != null) {
          // the caller's own copy: the slot's buffer is written again by its next run
          Output o = wanted[j];
          out[j] = Tensor.wrap(o.name, o.type, kept[j].dims, Staging.copy(kept[j]));
        } else if (out[j] == null) {
          Output o = wanted[j];
          // no orElseThrow(lambda): a lambda spins a class at the first such prediction
          java.util.Optional<OnnxValue> v = result.get(o.name);
          if (v.isEmpty()) {
            throw new IllegalStateException("no output " + o.name);
          }
          out[j] = copyOut(o, (OnnxTensor) v.get());
        }
      }
      // immutable, and a copy of the slot's array: the response keeps it as it is
      return List.of(out);
    } catch (OrtException | RuntimeException e) {
      if (e instanceof ServingException se) {
        throw se;
      }
      if (guard != null && guard.terminated()) {
        throw Errors.timeout("run of " + label, e);
      }
      ServingException error = Errors.modelError(label, e);
      if (anyPinned && e instanceof OrtException) {
        throw new PinnedRunFailed(error);
      }
      throw error;
    } finally {
      if (result != null) {
        result.close();
      }
      if (pinnedTensors != null) {
        for (OnnxTensor t : pinnedTensors) {
          if (t != null) {
            t.close();
          }
        }
      }
      if (created != null) {
        for (OnnxTensor t : created) {
          if (t != null) {
            t.close();
          }
        }
      }
      if (scratch != null) {
        scratch.clear(); // before the slot goes back: it keeps no caller's tensor
      }
      if (guard != null) {
        guard.close();
      }
    }
  }

  /**
   * The ONNX Runtime tensor for input {@code i}: the run slot's kept one, filled with the input's
   * bytes, when it is small and fixed-width; otherwise one made for this run (noted in {@code
   * created}, to be closed after it).
   */
  private OnnxTensor feed(Staging staging, int i, Tensor[] in, OnnxTensor[] created)
      throws OrtException {
    Input spec = inputs[i];
    Tensor t = in[i];
    if (spec.type != DataType.BYTES && spec.bufferType != null) {
      OnnxTensor k = staging.input(env, i, inputs.length, t.shape(), t.buffer(), spec.bufferType);
      if (k != null) {
        return k;
      }
    }
    created[i] = toOnnx(t, spec);
    return created[i];
  }

  private OnnxTensor toOnnx(Tensor t, Input spec) throws OrtException {
    long[] shape = t.shape().toArray();
    if (spec.type == DataType.BYTES) {
      return OnnxTensor.createTensor(env, t.asStrings().toArray(new String[0]), shape);
    }
    ByteBuffer data = t.buffer();
    if (!data.isDirect()) {
      // ONNX Runtime takes a heap ByteBuffer only as a typed view (it fails casting it otherwise),
      // and would copy it anyway: copy once into a direct buffer here.
      ByteBuffer direct =
          ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
      direct.put(data).flip();
      data = direct;
    }
    return OnnxTensor.createTensor(env, data, shape, spec.bufferType);
  }

  private static long byteCount(long[] shape, DataType type) {
    if (!type.isFixedWidth()) {
      return 0;
    }
    long n = type.byteSize();
    for (long d : shape) {
      if (d < 0) {
        return 0;
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  private static Tensor copyOut(Output o, OnnxTensor t) throws OrtException {
    long[] shape = t.getInfo().getShape();
    if (o.type == DataType.BYTES) {
      List<String> flat = new ArrayList<>();
      flatten(t.getValue(), flat);
      return Tensor.ofStrings(o.name, shape, flat);
    }
    // getByteBuffer copies once out of ONNX Runtime's memory, in native (little-endian) order.
    return Tensor.wrap(o.name, o.type, Shape.of(shape), t.getByteBuffer());
  }

  private static void flatten(Object value, List<String> into) {
    if (value instanceof String s) {
      into.add(s);
    } else if (value != null && value.getClass().isArray()) {
      for (int i = 0, n = Array.getLength(value); i < n; i++) {
        flatten(Array.get(value, i), into);
      }
    }
  }

  /**
   * Makes zero-filled inputs (dynamic dimensions set to 1) for warm-up runs.
   *
   * @return a request
   */
  InferenceRequest warmUpRequest() {
    InferenceRequest.Builder b = InferenceRequest.builder();
    for (TensorSpec s : signature.inputs()) {
      long[] dims = s.shape().toArray();
      for (int a = 0; a < dims.length; a++) {
        if (dims[a] < 0) {
          dims[a] = 1;
        }
      }
      int count = (int) Shape.of(dims).elementCount();
      if (s.dataType() == DataType.BYTES) {
        b.input(Tensor.ofStrings(s.name(), dims, Collections.nCopies(count, "")));
      } else {
        b.input(
            Tensor.of(
                s.name(),
                s.dataType(),
                Shape.of(dims),
                ByteBuffer.allocate(count * s.dataType().byteSize())));
      }
    }
    return b.build();
  }

  @Override
  public void close() {
    runOptions.close();
    try {
      session.close();
    } catch (OrtException ignored) {
      // nothing more can be done; the native session is gone or going
    }
  }

  @Override
  public String toString() {
    return "LoadedModel[" + label + ", inputs=" + Arrays.toString(inputs) + "]";
  }

  /**
   * A valid model serve4j cannot serve: UNSUPPORTED_CAPABILITY, not retryable (ONNX Runtime loaded
   * it; serve4j's request and response types cannot carry it).
   */
  private static ServingException unsupported(String artifact, String what) {
    return ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
        .providerId(io.serve4j.local.LocalProvider.ID)
        .message("model " + artifact + " cannot be served: " + what)
        .build();
  }
}
