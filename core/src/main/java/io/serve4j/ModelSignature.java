package io.serve4j;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The inputs a model takes and the outputs it produces.
 *
 * @param inputs input specs, in the model's order
 * @param outputs output specs, in the model's order
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
  /** Copies the lists and rejects duplicate names. */
  public ModelSignature {
    inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs"));
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
    if (hasDuplicateNames(inputs)) {
      throw new IllegalArgumentException("duplicate input names in " + inputs);
    }
    if (hasDuplicateNames(outputs)) {
      throw new IllegalArgumentException("duplicate output names in " + outputs);
    }
  }

  /**
   * Finds an input by name.
   *
   * @param name input name
   * @return the spec, or empty if the model has no such input
   */
  public Optional<TensorSpec> input(String name) {
    return find(inputs, name);
  }

  /**
   * Finds an output by name.
   *
   * @param name output name
   * @return the spec, or empty if the model has no such output
   */
  public Optional<TensorSpec> output(String name) {
    return find(outputs, name);
  }

  private static Optional<TensorSpec> find(List<TensorSpec> specs, String name) {
    for (int i = 0, n = specs.size(); i < n; i++) { // on the hot path: no stream
      TensorSpec s = specs.get(i);
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns whether every input and output has a dynamic first dimension, so that requests can be
   * concatenated along it (micro- or dynamic batching).
   *
   * @return true if the signature is batchable along axis 0
   */
  public boolean isBatchable() {
    return !inputs.isEmpty() && dynamicFirstDimension(inputs) && dynamicFirstDimension(outputs);
  }

  private static boolean dynamicFirstDimension(List<TensorSpec> specs) {
    for (TensorSpec s : specs) {
      if (s.shape().rank() == 0 || s.shape().dim(0) != -1) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasDuplicateNames(List<TensorSpec> specs) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (TensorSpec s : specs) {
      if (!names.add(s.name())) {
        return true;
      }
    }
    return false;
  }
}
