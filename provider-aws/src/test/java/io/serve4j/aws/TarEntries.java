package io.serve4j.aws;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Reads a {@code .tar.gz} into entry name → content (directories map to empty arrays). */
final class TarEntries {
  private TarEntries() {}

  static Map<String, byte[]> read(byte[] tarGz) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tarGz))) {
      byte[] all = in.readAllBytes();
      int pos = 0;
      while (pos + 512 <= all.length) {
        if (all[pos] == 0) {
          break;
        }
        String name = field(all, pos, 100);
        String prefix = field(all, pos + 345, 155);
        long size = Long.parseLong(field(all, pos + 124, 12).trim(), 8);
        long stored = Long.parseLong(field(all, pos + 148, 8).trim(), 8);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
          sum += (i >= 148 && i < 156) ? ' ' : all[pos + i] & 0xff;
        }
        if (sum != stored) {
          throw new IllegalStateException("bad tar checksum for " + name);
        }
        if (!field(all, pos + 257, 6).equals("ustar")) {
          throw new IllegalStateException("not ustar: " + name);
        }
        byte[] content = new byte[(int) size];
        System.arraycopy(all, pos + 512, content, 0, (int) size);
        out.put(prefix.isEmpty() ? name : prefix + "/" + name, content);
        pos += 512 + (int) ((size + 511) / 512 * 512);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String field(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.US_ASCII);
  }
}
