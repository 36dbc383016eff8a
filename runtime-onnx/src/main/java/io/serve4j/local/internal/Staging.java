package io.serve4j.local.internal;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.serve4j.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Small input and output tensors of one run slot ({@link RunGuard}), kept for the slot's next run
 * of the same shapes: a direct buffer and the {@link OnnxTensor} over it, made once. A run copies
 * its inputs into them and its outputs out of them (into heap buffers the caller owns), instead of
 * making an {@code OnnxTensor} per input and a direct buffer and tensor per output: that native
 * work, and the JDK's global {@code Cleaner} lock each direct buffer takes, was most of what a
 * small model's call cost beyond ONNX Runtime's own run (BENCHMARKS.md, "Concurrency against the
 * raw limit"). Only tensors of at most {@link #MAX_BYTES} are kept, so a slot holds little memory
 * and a copy never costs more than the native work it saves.
 *
 * <p>Not thread-safe: a slot is used by one run at a time. Freed with the slot's run options.
 */
final class Staging implements AutoCloseable {
  /** Largest tensor kept, in bytes. */
  static final int MAX_BYTES = 32 * 1024;

  private Entry[] inputs = new Entry[0];
  private Entry[] outputs = new Entry[0];
  // The maps handed to OrtSession.run for the kept tensors, kept too while the tensors are the
  // same:
  // a HashMap keeps its entry set, where a map made per run (a singleton map's entry set, its
  // entry and iterator are made again each time ONNX Runtime iterates it) costs allocation.
  private final Fixed feed = new Fixed();
  private final Fixed pinned = new Fixed();

  /** A map of names to tensors, kept while the tensors are the same ones. */
  private static final class Fixed {
    private OnnxTensor[] tensors = new OnnxTensor[0];
    private Map<String, OnnxTensor> map = Map.of();

    Map<String, OnnxTensor> of(String[] names, OnnxTensor[] now, int count) {
      if (tensors.length == count) {
        boolean same = true;
        for (int i = 0; i < count && same; i++) {
          same = tensors[i] == now[i];
        }
        if (same) {
          return map;
        }
      }
      Map<String, OnnxTensor> m = new HashMap<>(count * 2);
      for (int i = 0; i < count; i++) {
        m.put(names[i], now[i]);
      }
      m.entrySet(); // made once, here
      tensors = Arrays.copyOf(now, count);
      map = m; // internal: only ever read by OrtSession.run
      return map;
    }
  }

  /**
   * The feed map of a run whose inputs are all kept tensors: the slot's map while they are the same
   * tensors, else a new one kept for the next runs.
   *
   * @param names the inputs' names, in the model's order
   * @param tensors the kept tensors, in the same order
   * @return the map; not to be changed
   */
  Map<String, OnnxTensor> feed(String[] names, OnnxTensor[] tensors) {
    return feed.of(names, tensors, names.length);
  }

  /**
   * The pinned-output map of a run whose outputs are all kept tensors, as {@link #feed}.
   *
   * @param names the outputs' names, in the order wanted
   * @param tensors the kept tensors, in the same order
   * @param count how many of them
   * @return the map; not to be changed
   */
  Map<String, OnnxTensor> pinned(String[] names, OnnxTensor[] tensors, int count) {
    return pinned.of(names, tensors, count);
  }

  private Scratch scratch;

  /**
   * The working arrays of one run, kept by the slot for its next run with as many inputs and
   * outputs (six arrays a run before: the slot runs one run at a time). Emptied by {@link #clear()}
   * after every run, so that the slot holds no caller's tensor while it waits in the pool.
   */
  static final class Scratch {
    final OnnxTensor[] created;
    final OnnxTensor[] fed;
    final OnnxTensor[] pinnedTensors;
    final OnnxTensor[] targets;
    final Entry[] kept;
    final io.serve4j.Tensor[] out;
    final io.serve4j.Tensor[] in; // the request's tensors in the model's input order

    Scratch(int inputs, int outputs) {
      in = new io.serve4j.Tensor[inputs];
      created = new OnnxTensor[inputs];
      fed = new OnnxTensor[inputs];
      pinnedTensors = new OnnxTensor[outputs];
      targets = new OnnxTensor[outputs];
      kept = new Entry[outputs];
      out = new io.serve4j.Tensor[outputs];
    }

    /** Drops every reference the run left. */
    void clear() {
      Arrays.fill(created, null);
      Arrays.fill(fed, null);
      Arrays.fill(pinnedTensors, null);
      Arrays.fill(targets, null);
      Arrays.fill(kept, null);
      Arrays.fill(out, null);
      Arrays.fill(in, null);
    }

    /** For tests: whether every array is empty. */
    boolean isClear() {
      for (Object[] a : new Object[][] {created, fed, pinnedTensors, targets, kept, out, in}) {
        for (Object o : a) {
          if (o != null) {
            return false;
          }
        }
      }
      return true;
    }
  }

  /**
   * Returns the working arrays for a run of {@code inputs} inputs and {@code outputs} wanted
   * outputs: the slot's while the counts are the same (the model's inputs, and usually all of its
   * outputs), else new ones kept from now on.
   *
   * @param inputs the model's input count
   * @param outputs the number of outputs the run returns
   * @return empty arrays of those lengths; {@link Scratch#clear()} them after the run
   */
  Scratch scratch(int inputs, int outputs) {
    Scratch s = scratch;
    if (s == null || s.created.length != inputs || s.out.length != outputs) {
      s = new Scratch(inputs, outputs);
      scratch = s;
    }
    return s;
  }

  /** A kept tensor: its shape, its direct buffer and the ONNX Runtime tensor over it. */
  static final class Entry {
    final long[] shape;
    final Shape dims; // the same, as serve4j's (immutable) shape, made once
    final ByteBuffer buffer;
    final OnnxTensor tensor;

    private Entry(long[] shape, ByteBuffer buffer, OnnxTensor tensor) {
      this.shape = shape.clone();
      this.dims = Shape.of(shape);
      this.buffer = buffer;
      this.tensor = tensor;
    }
  }

  /**
   * Returns the kept input tensor {@code index} filled with {@code data}, making it if the shape
   * changed; null if the data is too large to keep.
   *
   * @param env the environment
   * @param index the input's position in the model's inputs
   * @param count how many inputs the model has
   * @param shape the input's shape
   * @param data the input's bytes (position to limit), little-endian
   * @param type ONNX Runtime's buffer type
   * @return the tensor, or null
   * @throws OrtException if ONNX Runtime cannot make the tensor
   */
  OnnxTensor input(
      OrtEnvironment env, int index, int count, Shape shape, ByteBuffer data, OnnxJavaType type)
      throws OrtException {
    int bytes = data.remaining();
    if (bytes > MAX_BYTES || bytes == 0) {
      return null;
    }
    if (inputs.length != count) {
      closeAll(inputs);
      inputs = new Entry[count];
    }
    Entry e = inputs[index];
    if (e == null || !same(e.shape, shape) || e.buffer.capacity() != bytes) {
      if (e != null) {
        e.tensor.close();
        inputs[index] = null;
      }
      e = make(env, shape.toArray(), bytes, type);
      inputs[index] = e;
    }
    e.buffer.clear();
    e.buffer.put(data);
    e.buffer.clear();
    return e.tensor;
  }

  /**
   * Returns the kept output {@code index} of this shape, making it if the shape changed; null if it
   * is too large to keep.
   *
   * @param env the environment
   * @param index the output's position in the wanted outputs
   * @param count how many outputs are wanted
   * @param shape the output's shape
   * @param bytes its size in bytes
   * @param type ONNX Runtime's buffer type
   * @return the entry, or null
   * @throws OrtException if ONNX Runtime cannot make the tensor
   */
  Entry output(
      OrtEnvironment env, int index, int count, long[] shape, long bytes, OnnxJavaType type)
      throws OrtException {
    if (bytes > MAX_BYTES || bytes <= 0) {
      return null;
    }
    if (outputs.length != count) {
      closeAll(outputs);
      outputs = new Entry[count];
    }
    Entry e = outputs[index];
    if (e == null || !java.util.Arrays.equals(e.shape, shape)) {
      if (e != null) {
        e.tensor.close();
        outputs[index] = null;
      }
      e = make(env, shape, (int) bytes, type);
      outputs[index] = e;
    }
    return e;
  }

  /**
   * Copies a kept output into a heap buffer of the caller's own.
   *
   * @param e the entry the run wrote
   * @return a new little-endian heap buffer with the output's bytes
   */
  static ByteBuffer copy(Entry e) {
    // an absolute bulk get: no view of the slot's buffer per run (a duplicate before, ~64 B)
    int n = e.buffer.capacity();
    byte[] bytes = new byte[n];
    e.buffer.get(0, bytes, 0, n);
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Returns the shape of output {@code index}'s kept tensor, to be compared with the run's before a
   * shape array is made for it.
   *
   * @param index the output's index
   * @param count how many outputs the model has
   * @return the kept shape (not to be written), or null if none is kept
   */
  long[] keptShape(int index, int count) {
    if (outputs.length != count) {
      return null;
    }
    Entry e = outputs[index];
    return e == null ? null : e.shape;
  }

  private static Entry make(OrtEnvironment env, long[] shape, int bytes, OnnxJavaType type)
      throws OrtException {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    return new Entry(shape, b, OnnxTensor.createTensor(env, b, shape, type));
  }

  private static boolean same(long[] kept, Shape shape) {
    if (kept.length != shape.rank()) {
      return false;
    }
    for (int i = 0; i < kept.length; i++) {
      if (kept[i] != shape.dim(i)) {
        return false;
      }
    }
    return true;
  }

  private static void closeAll(Entry[] entries) {
    for (Entry e : entries) {
      if (e != null) {
        e.tensor.close();
      }
    }
  }

  /** Frees every kept tensor. */
  @Override
  public void close() {
    closeAll(inputs);
    closeAll(outputs);
    inputs = new Entry[0];
    outputs = new Entry[0];
    feed.tensors = new OnnxTensor[0];
    feed.map = Map.of();
    pinned.tensors = new OnnxTensor[0];
    pinned.map = Map.of();
    scratch = null;
  }

  /**
   * For tests: how many tensors are kept.
   *
   * @return the count
   */
  int kept() {
    int n = 0;
    for (Entry e : inputs) {
      n += e == null ? 0 : 1;
    }
    for (Entry e : outputs) {
      n += e == null ? 0 : 1;
    }
    return n;
  }
}
