package io.serve4j.batch.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a job writes (output, dead-letter file, checkpoint, the checkpoint's temporary file and
 * the lock file) and the checks that keep a mistake from destroying data: none of them may be an
 * input or another of them (by name, through a link, or as another hard link of the same file), and
 * an existing output or dead-letter file that no checkpoint of this job accounts for is not
 * replaced unless asked.
 */
final class JobFiles {
  final Path output;
  final Path deadLetter;
  final Path checkpoint;
  final Path checkpointTemp;
  final Path lock;

  JobFiles(Path output, Path deadLetter, Path checkpoint) {
    this.output = absolute(output);
    this.deadLetter = absolute(deadLetter);
    this.checkpoint = absolute(checkpoint);
    this.checkpointTemp = Checkpoint.temporaryFile(this.checkpoint);
    this.lock = this.output.resolveSibling(this.output.getFileName() + ".lock");
  }

  /**
   * Returns a path's stable name for the job: absolute, its directory's links resolved, the last
   * element kept as given (the job never follows a link there).
   *
   * @param p the path
   * @return the name
   */
  static Path absolute(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    if (parent == null || abs.getFileName() == null) {
      return abs;
    }
    try {
      return parent.toRealPath().resolve(abs.getFileName());
    } catch (IOException e) {
      return abs; // the directory does not exist yet: created later, nothing to resolve
    }
  }

  /**
   * Refuses a job whose files coincide with each other or with an input.
   *
   * @param inputs the input files
   * @throws io.serve4j.InvalidInputException naming the two roles and the file
   */
  void checkDistinct(List<Path> inputs) throws IOException {
    Map<String, Path> mine = new LinkedHashMap<>();
    mine.put("output", output);
    mine.put("dead-letter file", deadLetter);
    mine.put("checkpoint", checkpoint);
    mine.put("checkpoint's temporary file", checkpointTemp);
    mine.put("lock file", lock);
    Map<Object, String> seen = new HashMap<>();
    for (Map.Entry<String, Path> e : mine.entrySet()) {
      for (Object id : identities(e.getValue())) {
        String before = seen.putIfAbsent(id, e.getKey());
        if (before != null) {
          throw Errors.invalid(
              "the "
                  + before
                  + " and the "
                  + e.getKey()
                  + " are the same file ("
                  + e.getValue()
                  + "); two writers on one file destroy each other's records. Give each its own"
                  + " path (by default they are OUTPUT, OUTPUT.errors.jsonl, OUTPUT.checkpoint)");
        }
      }
    }
    for (Path in : inputs) {
      for (Object id : identities(in)) {
        String role = seen.get(id);
        if (role != null) {
          throw Errors.invalid(
              "the "
                  + role
                  + " "
                  + mine.get(role)
                  + " is also an input ("
                  + in
                  + "); writing it would destroy the records before they are read. Write the "
                  + role
                  + " elsewhere, outside the input files and directories");
        }
      }
    }
  }

  /** A file's names for comparison: its path as the job names it, and its file key if it exists. */
  private static List<Object> identities(Path p) throws IOException {
    Path name = absolute(p);
    try {
      // Follows links: a link to an input is that input.
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      Object key = a.fileKey() != null ? a.fileKey() : p.toRealPath();
      return List.of(name, key);
    } catch (NoSuchFileException e) {
      return List.of(name);
    }
  }

  /**
   * Refuses to replace what is at the output or dead-letter path unless a checkpoint of this job
   * accounts for it or {@code overwrite} is set.
   *
   * @param accounted whether a checkpoint says these files are this job's
   * @param overwrite whether the user allows replacing them
   * @throws io.serve4j.ConflictException naming the file
   */
  void checkReplaceable(boolean accounted, boolean overwrite) throws IOException {
    if (accounted || overwrite) {
      return;
    }
    for (Path p : List.of(output, deadLetter)) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        throw conflict(
            (p == output ? "the output " : "the dead-letter file ")
                + p
                + " exists"
                + (Files.isSymbolicLink(p) ? " (a symbolic link)" : "")
                + " and no checkpoint of this job says it wrote it; it is left as it was. Write"
                + " to another file, move it away, or allow replacing it (--overwrite,"
                + " BatchScorer.Builder.overwrite(true))");
      }
    }
  }

  /**
   * Refuses a checkpoint path that is a link or not a regular file, unless it may be replaced.
   *
   * @param overwrite whether to replace it
   * @throws io.serve4j.ConflictException naming the file
   */
  void checkCheckpointPath(boolean overwrite) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(checkpoint, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isRegularFile()) {
      return;
    }
    if (overwrite && !a.isDirectory()) {
      Files.delete(checkpoint); // the link itself, never its target
      return;
    }
    throw conflict(
        "the checkpoint "
            + checkpoint
            + " is "
            + (a.isSymbolicLink() ? "a symbolic link" : "not a regular file")
            + "; serve4j does not write through links. Remove it, or choose another checkpoint"
            + " file");
  }

  static ServingException conflict(String message) {
    return ServingException.builder(ErrorCategory.CONFLICT).message(message).build();
  }
}
