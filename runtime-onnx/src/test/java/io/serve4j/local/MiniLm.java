package io.serve4j.local;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The quantized all-MiniLM-L6-v2 from the langchain4j jar on the test class path: DJL's tokenizer
 * over its {@code tokenizer.json} (offline; its native library is in DJL's jar), requests padded to
 * the longest sentence, mean pooling with the attention mask, L2 normalisation.
 */
final class MiniLm implements AutoCloseable {
  static final String MODEL = "all-minilm-l6-v2-q.onnx";
  static final String TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";
  static final int DIMENSIONS = 384;

  private final HuggingFaceTokenizer tokenizer;

  MiniLm(int maxLength) {
    try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(TOKENIZER)) {
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              in,
              Map.of(
                  "padding",
                  "false",
                  "truncation",
                  "true",
                  "maxLength",
                  String.valueOf(maxLength)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Model model() {
    return Model.builder().name("minilm").artifact("classpath:" + MODEL).build();
  }

  /** The three int64 [batch, sequence] inputs, padded with zeros to the longest sentence. */
  InferenceRequest request(List<String> sentences) {
    Encoding[] enc = new Encoding[sentences.size()];
    int seq = 0;
    for (int i = 0; i < enc.length; i++) {
      enc[i] = tokenizer.encode(sentences.get(i));
      seq = Math.max(seq, enc[i].getIds().length);
    }
    long[] ids = new long[enc.length * seq];
    long[] mask = new long[ids.length];
    long[] types = new long[ids.length];
    for (int i = 0; i < enc.length; i++) {
      System.arraycopy(enc[i].getIds(), 0, ids, i * seq, enc[i].getIds().length);
      System.arraycopy(enc[i].getAttentionMask(), 0, mask, i * seq, enc[i].getIds().length);
      System.arraycopy(enc[i].getTypeIds(), 0, types, i * seq, enc[i].getIds().length);
    }
    long[] shape = {enc.length, seq};
    return InferenceRequest.builder()
        .input(Tensor.ofLongs("input_ids", shape, ids))
        .input(Tensor.ofLongs("attention_mask", shape, mask))
        .input(Tensor.ofLongs("token_type_ids", shape, types))
        .build();
  }

  /** Mean of the token vectors where the mask is 1, then L2-normalised; one row per sentence. */
  static float[][] embeddings(InferenceRequest request, InferenceResponse response) {
    Tensor hidden = response.output("last_hidden_state");
    long[] mask = request.input("attention_mask").orElseThrow().asLongs();
    int batch = (int) hidden.shape().dim(0);
    int seq = (int) hidden.shape().dim(1);
    int dim = (int) hidden.shape().dim(2);
    float[] h = hidden.asFloats();
    float[][] out = new float[batch][dim];
    for (int b = 0; b < batch; b++) {
      int tokens = 0;
      for (int t = 0; t < seq; t++) {
        if (mask[b * seq + t] == 0) {
          continue;
        }
        tokens++;
        for (int k = 0; k < dim; k++) {
          out[b][k] += h[(b * seq + t) * dim + k];
        }
      }
      double norm = 0;
      for (int k = 0; k < dim; k++) {
        out[b][k] /= Math.max(tokens, 1);
        norm += out[b][k] * out[b][k];
      }
      float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
      for (int k = 0; k < dim; k++) {
        out[b][k] *= inv;
      }
    }
    return out;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
