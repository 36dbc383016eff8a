package io.serve4j.aws.internal;

import io.serve4j.spi.formats.TritonRepository;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * SageMaker's {@code model.tar.gz}: a Triton model repository (laid out and configured by {@link
 * TritonRepository}) or a user's model directory, packed as a deterministic gzip'ed ustar archive.
 */
public final class ModelArchive {
  private ModelArchive() {}

  /**
   * Returns the Triton model name serve4j uses on SageMaker for a serve4j model name (it is also
   * the container's {@code SAGEMAKER_TRITON_DEFAULT_MODEL_NAME}).
   *
   * @param modelName the serve4j name
   * @return letters, digits, {@code _} and {@code -} only
   */
  public static String modelName(String modelName) {
    return modelName.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  /**
   * Writes a Triton repository of one ONNX model as {@code model.tar.gz}.
   *
   * @param name Triton model name
   * @param onnx the ONNX model bytes source
   * @param config the {@code config.pbtxt} text
   * @param out where the gzip goes
   * @throws IOException if writing fails
   */
  public static void writeTarGz(String name, InputStream onnx, String config, OutputStream out)
      throws IOException {
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      Tar tar = new Tar(gz);
      tar.directory(name + "/");
      tar.file(TritonRepository.configPath(name), config.getBytes(StandardCharsets.UTF_8));
      tar.directory(TritonRepository.versionPath(name));
      tar.file(TritonRepository.modelPath(name), onnx.readAllBytes());
      tar.finish();
    }
  }

  /**
   * Writes a file or a directory tree as {@code model.tar.gz} with paths relative to it.
   *
   * @param source a file or directory
   * @param out where the gzip goes
   * @throws IOException if reading or writing fails
   */
  public static void writeTarGz(Path source, OutputStream out) throws IOException {
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      Tar tar = new Tar(gz);
      if (Files.isDirectory(source)) {
        try (Stream<Path> walk = Files.walk(source)) {
          for (Path p : walk.sorted().toList()) {
            String rel = source.relativize(p).toString().replace('\\', '/');
            if (rel.isEmpty()) {
              continue;
            }
            if (Files.isDirectory(p)) {
              tar.directory(rel + "/");
            } else {
              tar.file(rel, Files.readAllBytes(p));
            }
          }
        }
      } else {
        tar.file(source.getFileName().toString(), Files.readAllBytes(source));
      }
      tar.finish();
    }
  }

  /** A minimal POSIX ustar writer with fixed timestamps, so equal inputs give equal bytes. */
  static final class Tar {
    private final OutputStream out;

    Tar(OutputStream out) {
      this.out = out;
    }

    void directory(String name) throws IOException {
      header(name, 0, '5', 0755);
    }

    void file(String name, byte[] content) throws IOException {
      header(name, content.length, '0', 0644);
      out.write(content);
      pad(content.length);
    }

    void finish() throws IOException {
      out.write(new byte[1024]);
    }

    private void header(String name, long size, char type, int mode) throws IOException {
      byte[] h = new byte[512];
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      String prefix = "";
      if (n.length > 100) {
        int cut = name.lastIndexOf('/', Math.min(name.length() - 2, 155));
        if (cut <= 0 || name.length() - cut - 1 > 100) {
          throw new IOException("path too long for tar: " + name);
        }
        prefix = name.substring(0, cut);
        n = name.substring(cut + 1).getBytes(StandardCharsets.UTF_8);
      }
      System.arraycopy(n, 0, h, 0, n.length);
      octal(h, 100, 8, mode);
      octal(h, 108, 8, 0);
      octal(h, 116, 8, 0);
      octal(h, 124, 12, size);
      octal(h, 136, 12, 0);
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      h[156] = (byte) type;
      byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(magic, 0, h, 257, magic.length);
      byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(p, 0, h, 345, p.length);
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      String chk = String.format("%06o", sum);
      System.arraycopy(chk.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
      h[154] = 0;
      h[155] = ' ';
      out.write(h);
    }

    private void pad(long size) throws IOException {
      int rest = (int) (size % 512);
      if (rest != 0) {
        out.write(new byte[512 - rest]);
      }
    }

    private static void octal(byte[] h, int off, int len, long value) {
      String s = Long.toOctalString(value);
      String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
      byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(b, 0, h, off, Math.min(b.length, len - 1));
    }
  }

  /**
   * Packs to bytes, for small models and tests.
   *
   * @param name Triton model name
   * @param onnx ONNX bytes
   * @param config config text
   * @return the gzip bytes
   */
  static byte[] tarGz(String name, byte[] onnx, String config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTarGz(name, new java.io.ByteArrayInputStream(onnx), config, out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
