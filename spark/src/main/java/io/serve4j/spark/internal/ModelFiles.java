package io.serve4j.spark.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of model files, checked on the driver and again on each executor before deploying. */
public final class ModelFiles {
  private ModelFiles() {}

  /**
   * Hashes a file.
   *
   * @param file the file
   * @return lower-case hex SHA-256
   */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw ServingException.builder(ErrorCategory.MODEL_LOAD)
          .message("cannot read the model file " + file + ": " + e.getMessage())
          .cause(new UncheckedIOException(e))
          .build();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Checks that a file has the expected SHA-256.
   *
   * @param file the file
   * @param expected lower-case hex
   * @throws io.serve4j.ModelLoadException if it differs or cannot be read
   */
  public static void verify(Path file, String expected) {
    String actual = sha256(file);
    if (!actual.equals(expected)) {
      throw ServingException.builder(ErrorCategory.MODEL_LOAD)
          .message(
              "the model file "
                  + file
                  + " has SHA-256 "
                  + actual
                  + " but "
                  + expected
                  + " was expected; it changed or was corrupted on its way to the executor")
          .build();
    }
  }
}
