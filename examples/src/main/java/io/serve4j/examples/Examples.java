package io.serve4j.examples;

import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.protocol.OipJson;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The examples jar's command line: real inference on the local ONNX Runtime provider, no cloud
 * account needed.
 *
 * <pre>
 * java -jar examples/target/serve4j-examples.jar similar [sentence ...]
 * java -jar examples/target/serve4j-examples.jar run MODEL.onnx REQUEST.json
 * java -jar examples/target/serve4j-examples.jar describe MODEL.onnx
 * </pre>
 *
 * <ul>
 *   <li>{@code similar} embeds sentences (a built-in handful by default) with the bundled
 *       all-MiniLM-L6-v2 and prints which are most alike;
 *   <li>{@code run} deploys any ONNX model and predicts on an Open Inference Protocol v2 JSON
 *       request file, printing the outputs and the OIP JSON response;
 *   <li>{@code describe} prints a model's signature and a request template to fill in.
 * </ul>
 */
public final class Examples {
  /** The sentences {@code similar} embeds when given none. */
  public static final List<String> DEFAULT_SENTENCES =
      List.of(
          "A man is eating food.",
          "A man is eating a piece of bread.",
          "The girl is carrying a baby.",
          "A man is riding a horse.",
          "A woman is playing the violin.",
          "Two men pushed carts through the woods.",
          "A man is riding a white horse on an enclosed ground.",
          "A monkey is playing drums.");

  private static final int MAX_VALUES_SHOWN = 12;

  private Examples() {}

  /**
   * Runs a command and exits with its status.
   *
   * @param args the command and its arguments
   */
  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Runs a command.
   *
   * @param args the command and its arguments
   * @param out where results go
   * @param err where usage and errors go
   * @return 0 on success, 1 if the command failed, 2 for a usage error
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      usage(err);
      return 2;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    try {
      switch (args[0]) {
        case "similar" -> similar(rest.isEmpty() ? DEFAULT_SENTENCES : rest, out);
        case "run" -> {
          if (rest.size() != 2) {
            usage(err);
            return 2;
          }
          runModel(rest.get(0), Path.of(rest.get(1)), out);
        }
        case "describe" -> {
          if (rest.size() != 1) {
            usage(err);
            return 2;
          }
          describe(rest.get(0), out);
        }
        case "help", "-h", "--help" -> usage(out);
        default -> {
          err.println("unknown command '" + args[0] + "'");
          usage(err);
          return 2;
        }
      }
      return 0;
    } catch (ServingException e) {
      err.println("error: " + e.getMessage() + " [" + e.category() + "]");
      return 1;
    } catch (IOException e) {
      err.println("error: " + e);
      return 1;
    }
  }

  private static void usage(PrintStream s) {
    s.println("usage: java -jar serve4j-examples.jar COMMAND");
    s.println(
        "  similar [SENTENCE ...]    embed sentences with all-MiniLM-L6-v2, show the most alike");
    s.println("  run MODEL REQUEST.json    run an ONNX model on an OIP v2 JSON request");
    s.println("  describe MODEL            print a model's signature and a request template");
    s.println("MODEL is a path, a file: URI or a classpath: URI to an .onnx file.");
  }

  // ---------------------------------------------------------------- similar

  /**
   * Embeds sentences and prints the most similar pairs and each sentence's nearest neighbour.
   *
   * @param sentences two or more sentences
   * @param out where to print
   */
  public static void similar(List<String> sentences, PrintStream out) {
    if (sentences.size() < 2) {
      throw ServingException.builder(io.serve4j.ErrorCategory.INVALID_INPUT)
          .message("give at least two sentences to compare")
          .build();
    }
    try (ServingClient local = Serve4j.client("local");
        SentenceEmbedder embedder = SentenceEmbedder.deploy(local, "minilm")) {
      DeploymentDescription d = embedder.endpoint().describe().deployments().get(0);
      long start = System.nanoTime();
      float[][] v = embedder.embed(sentences);
      long ms = (System.nanoTime() - start) / 1_000_000;
      out.printf(
          Locale.ROOT,
          "Embedded %d sentences with all-MiniLM-L6-v2 (quantized, %d dimensions) on the local"
              + " ONNX Runtime %s, %s, in %d ms.%n%n",
          sentences.size(),
          v[0].length,
          d.details().getOrDefault("onnxruntimeVersion", ""),
          d.details().getOrDefault("executionProvider", "CPU"),
          ms);

      List<double[]> pairs = new ArrayList<>();
      for (int i = 0; i < v.length; i++) {
        for (int j = i + 1; j < v.length; j++) {
          pairs.add(new double[] {SentenceEmbedder.cosine(v[i], v[j]), i, j});
        }
      }
      pairs.sort((a, b) -> Double.compare(b[0], a[0]));
      out.println("Most similar pairs (cosine similarity):");
      for (double[] p : pairs.subList(0, Math.min(3, pairs.size()))) {
        out.printf(
            Locale.ROOT,
            "  %5.2f  %s%n         %s%n",
            p[0],
            sentences.get((int) p[1]),
            sentences.get((int) p[2]));
      }
      out.println();
      out.println("Closest match of each sentence:");
      int width = sentences.stream().mapToInt(String::length).max().orElse(0);
      for (int i = 0; i < v.length; i++) {
        int best = -1;
        double bestScore = -2;
        for (int j = 0; j < v.length; j++) {
          double c = j == i ? -2 : SentenceEmbedder.cosine(v[i], v[j]);
          if (c > bestScore) {
            bestScore = c;
            best = j;
          }
        }
        out.printf(
            Locale.ROOT,
            "  %-" + width + "s  -> %5.2f  %s%n",
            sentences.get(i),
            bestScore,
            sentences.get(best));
      }
    }
  }

  // ---------------------------------------------------------------- run / describe

  /**
   * Deploys a model, predicts on an OIP v2 JSON request file and prints the outputs.
   *
   * @param model path or URI of the .onnx file
   * @param requestFile the OIP v2 JSON request
   * @param out where to print
   * @throws IOException if the request file cannot be read
   */
  public static void runModel(String model, Path requestFile, PrintStream out) throws IOException {
    InferenceRequest request = OipJson.readRequest(Files.readAllBytes(requestFile));
    try (ServingClient local = Serve4j.client("local")) {
      Endpoint endpoint = deploy(local, model);
      try {
        printSignature(endpoint, model, out);
        InferenceResponse response = endpoint.predict(request);
        out.println();
        for (Tensor t : response.outputs()) {
          out.println(t.name() + " " + t.dataType() + t.shape() + " = " + values(t));
        }
        out.println();
        out.println("OIP v2 response:");
        out.println(new String(OipJson.writeResponse(response), StandardCharsets.UTF_8));
      } finally {
        endpoint.delete().await();
      }
    }
  }

  /**
   * Prints a model's signature, metadata and an OIP v2 request template (zeros; dynamic dimensions
   * set to 1).
   *
   * @param model path or URI of the .onnx file
   * @param out where to print
   */
  public static void describe(String model, PrintStream out) {
    try (ServingClient local = Serve4j.client("local")) {
      Endpoint endpoint = deploy(local, model);
      try {
        DeploymentDescription d = printSignature(endpoint, model, out);
        out.println();
        d.details().entrySet().stream()
            .filter(e -> !e.getKey().equals("artifact"))
            .forEach(e -> out.println(e.getKey() + ": " + e.getValue()));
        InferenceRequest.Builder template = InferenceRequest.builder();
        for (TensorSpec s : d.signature().orElseThrow().inputs()) {
          template.input(zeros(s));
        }
        out.println();
        out.println("Request template (OIP v2 JSON; -1 dimensions set to 1):");
        out.println(new String(OipJson.writeRequest(template.build()), StandardCharsets.UTF_8));
      } finally {
        endpoint.delete().await();
      }
    }
  }

  private static Endpoint deploy(ServingClient local, String model) {
    URI artifact =
        model.startsWith("classpath:") || model.startsWith("file:")
            ? URI.create(model)
            : Path.of(model).toAbsolutePath().toUri();
    return local
        .deploy(EndpointSpec.of("model", Model.builder().name("model").artifact(artifact).build()))
        .await();
  }

  private static DeploymentDescription printSignature(
      Endpoint endpoint, String model, PrintStream out) {
    DeploymentDescription d = endpoint.describe().deployments().get(0);
    out.println(
        "model   "
            + model
            + " ("
            + d.details().getOrDefault("producer", "unknown producer")
            + ", on "
            + d.details().getOrDefault("executionProvider", "CPU")
            + ")");
    out.println("inputs  " + d.signature().orElseThrow().inputs());
    out.println("outputs " + d.signature().orElseThrow().outputs());
    return d;
  }

  private static Tensor zeros(TensorSpec s) {
    long[] dims = s.shape().toArray();
    for (int i = 0; i < dims.length; i++) {
      dims[i] = Math.max(dims[i], 1);
    }
    int count = (int) Shape.of(dims).elementCount();
    if (!s.dataType().isFixedWidth()) {
      return Tensor.ofStrings(s.name(), dims, Collections.nCopies(count, ""));
    }
    return Tensor.of(
        s.name(),
        s.dataType(),
        Shape.of(dims),
        ByteBuffer.allocate(count * s.dataType().byteSize()));
  }

  private static String values(Tensor t) {
    List<String> shown = new ArrayList<>();
    long n = t.elementCount();
    switch (t.dataType()) {
      case FP16, FP32, FP64 -> {
        double[] d = t.asDoubles();
        for (int i = 0; i < Math.min(d.length, MAX_VALUES_SHOWN); i++) {
          shown.add(String.format(Locale.ROOT, "%.6g", d[i]));
        }
      }
      case BOOL -> {
        boolean[] b = t.asBooleans();
        for (int i = 0; i < Math.min(b.length, MAX_VALUES_SHOWN); i++) {
          shown.add(Boolean.toString(b[i]));
        }
      }
      case BYTES -> {
        List<String> s = t.asStrings();
        for (int i = 0; i < Math.min(s.size(), MAX_VALUES_SHOWN); i++) {
          shown.add('"' + s.get(i) + '"');
        }
      }
      default -> {
        long[] l = t.asLongs();
        for (int i = 0; i < Math.min(l.length, MAX_VALUES_SHOWN); i++) {
          shown.add(Long.toString(l[i]));
        }
      }
    }
    return "["
        + String.join(", ", shown)
        + (n > MAX_VALUES_SHOWN ? ", ... (" + n + " values)" : "")
        + "]";
  }
}
