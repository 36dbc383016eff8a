package io.serve4j.internal;

import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.TensorSpec;
import io.serve4j.spi.formats.OnnxSignatures;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Core's one "resolve the signature" step for providers that configure a server before the model
 * loads ({@link io.serve4j.spi.ServingProvider#readsOnnxSignatures()}): an ONNX model whose
 * artifact is readable here ({@code file:} or {@code classpath:}, a single {@code .onnx} file, not
 * an archive) has its graph's inputs and outputs read ({@link OnnxSignatures}) before anything is
 * sent. Without a declared signature the model is deployed with the one read, so that requests are
 * validated before sending and the Triton configuration lists the tensors; a declared signature
 * that disagrees with the file is an {@link io.serve4j.InvalidInputException} at deploy.
 */
final class SignatureResolution {
  private SignatureResolution() {}

  /**
   * Returns the spec with each readable ONNX model's signature resolved.
   *
   * @param providerId the provider, for errors
   * @param spec the spec
   * @return the same spec when nothing changed, else a copy with the signatures read
   * @throws io.serve4j.InvalidInputException if a file is malformed or disagrees with the declared
   *     signature
   */
  static EndpointSpec resolve(String providerId, EndpointSpec spec) {
    List<DeploymentSpec> out = new ArrayList<>(spec.deployments().size());
    boolean changed = false;
    for (DeploymentSpec d : spec.deployments()) {
      Model m = d.model();
      Optional<ModelSignature> read = read(providerId, m);
      if (read.isEmpty()) {
        out.add(d);
      } else if (m.signature().isPresent()) {
        check(providerId, d, m.signature().get(), read.get());
        out.add(d);
      } else {
        out.add(d.toBuilder().model(m.toBuilder().signature(read.get()).build()).build());
        changed = true;
      }
    }
    if (!changed) {
      return spec;
    }
    EndpointSpec.Builder b =
        EndpointSpec.builder()
            .name(spec.name())
            .traffic(spec.traffic())
            .mirror(spec.mirror().orElse(null))
            .asyncInference(spec.asyncInference().orElse(null));
    spec.tags().forEach(b::tag);
    out.forEach(b::deployment);
    return b.build();
  }

  /** The signature in a model's local ONNX file; empty when there is none to read here. */
  static Optional<ModelSignature> read(String providerId, Model model) {
    if (model.format() != ModelFormat.ONNX || model.artifact().isEmpty()) {
      return Optional.empty();
    }
    URI artifact = model.artifact().get();
    String scheme = artifact.getScheme() == null ? "file" : artifact.getScheme();
    String lower = String.valueOf(artifact.getPath()).toLowerCase(Locale.ROOT);
    if (lower.endsWith(".tar.gz")
        || lower.endsWith(".tgz")
        || lower.endsWith(".tar")
        || lower.endsWith(".zip")) {
      return Optional.empty();
    }
    try {
      if (scheme.equals("file")) {
        Path file = Path.of(artifact);
        // A missing file or a directory is left to the provider, which says so in its terms.
        return Files.isRegularFile(file) ? OnnxSignatures.read(file) : Optional.empty();
      }
      if (scheme.equals("classpath")) {
        URL url = resource(artifact.getSchemeSpecificPart());
        if (url == null) {
          return Optional.empty();
        }
        URLConnection c = url.openConnection();
        try (InputStream in = c.getInputStream()) {
          return OnnxSignatures.read(in, c.getContentLengthLong(), artifact.toString());
        }
      }
    } catch (ServingException e) {
      throw e.toBuilder().providerId(providerId).build();
    } catch (IOException | IllegalArgumentException e) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(providerId)
          .message("cannot read ONNX model " + artifact + ": " + e)
          .build();
    }
    return Optional.empty();
  }

  private static URL resource(String path) {
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    URL url = cl != null ? cl.getResource(path) : null;
    if (url == null) {
      url = SignatureResolution.class.getClassLoader().getResource(path);
    }
    return url;
  }

  /**
   * Compares a declared signature with the file's: every input of the file is declared and no
   * other, every declared output is one of the file's (a server may return a subset), and each
   * declared tensor has the file's element type, its rank, and the file's size wherever both fix
   * one.
   */
  static void check(
      String providerId, DeploymentSpec d, ModelSignature declared, ModelSignature file) {
    List<String> problems = new ArrayList<>();
    for (TensorSpec f : file.inputs()) {
      if (declared.input(f.name()).isEmpty()) {
        problems.add("input " + f + " is not declared");
      }
    }
    for (TensorSpec s : declared.inputs()) {
      compare("input", s, file.input(s.name()), problems);
    }
    for (TensorSpec s : declared.outputs()) {
      compare("output", s, file.output(s.name()), problems);
    }
    if (!problems.isEmpty()) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(providerId)
          .message(
              "deployment '"
                  + d.name()
                  + "' declares a signature that disagrees with its ONNX file "
                  + d.model().artifact().map(URI::toString).orElse("")
                  + ": "
                  + String.join("; ", problems)
                  + " (the file has inputs "
                  + file.inputs()
                  + ", outputs "
                  + file.outputs()
                  + "; declare those, or declare none to use them)")
          .build();
    }
  }

  private static void compare(
      String kind, TensorSpec declared, Optional<TensorSpec> inFile, List<String> problems) {
    if (inFile.isEmpty()) {
      problems.add(kind + " '" + declared.name() + "' is not in the file");
      return;
    }
    TensorSpec f = inFile.get();
    if (f.dataType() != declared.dataType() || !compatible(declared.shape(), f.shape())) {
      problems.add(kind + " declared " + declared + " is " + f + " in the file");
    }
  }

  private static boolean compatible(Shape declared, Shape file) {
    if (declared.rank() != file.rank()) {
      return false;
    }
    for (int i = 0; i < declared.rank(); i++) {
      long a = declared.dim(i);
      long b = file.dim(i);
      if (a >= 0 && b >= 0 && a != b) {
        return false;
      }
    }
    return true;
  }
}
