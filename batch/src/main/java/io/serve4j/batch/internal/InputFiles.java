package io.serve4j.batch.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.batch.RecordFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Resolves input specs (files, directories, globs) to a sorted, duplicate-free list of files. */
public final class InputFiles {
  private InputFiles() {}

  /**
   * Resolves the specs. A directory contributes the files under it whose format is known; a glob
   * ({@code *}, {@code ?}, {@code [..]}, {@code {..}}) is matched below its first literal
   * directory.
   *
   * @param specs the specs, in any order
   * @return the files, sorted by path so that the order (and resume) is stable
   * @throws io.serve4j.InvalidInputException if a spec matches nothing
   */
  public static List<Path> resolve(List<String> specs) {
    if (specs.isEmpty()) {
      throw invalid("no input given; pass a file, a directory or a glob such as 'data/*.jsonl'");
    }
    TreeSet<Path> out = new TreeSet<>();
    for (String spec : specs) {
      List<Path> found = resolveOne(spec);
      if (found.isEmpty()) {
        throw invalid("input '" + spec + "' matches no file; check the path");
      }
      out.addAll(found);
    }
    return new ArrayList<>(out);
  }

  private static List<Path> resolveOne(String spec) {
    int glob = firstGlobChar(spec);
    if (glob < 0) {
      Path p = Path.of(spec).toAbsolutePath().normalize();
      if (Files.isRegularFile(p)) {
        return List.of(p);
      }
      if (Files.isDirectory(p)) {
        return walk(p, f -> RecordFormat.fromFileName(f).isPresent());
      }
      return List.of();
    }
    int slash = spec.lastIndexOf('/', glob);
    Path base =
        Path.of(slash < 0 ? "." : spec.substring(0, slash + 1)).toAbsolutePath().normalize();
    String pattern = slash < 0 ? spec : spec.substring(slash + 1);
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    return walk(base, f -> m.matches(base.relativize(f)));
  }

  private static List<Path> walk(Path dir, java.util.function.Predicate<Path> keep) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).filter(keep).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private static int firstGlobChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      if ("*?[{".indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
