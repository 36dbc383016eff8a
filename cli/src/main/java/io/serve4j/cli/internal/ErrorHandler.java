package io.serve4j.cli.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.batch.JobLockedException;
import io.serve4j.cli.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns failures into one message that says what went wrong and what to do, and an exit code from
 * {@link ExitCodes}. Stack traces only with {@code SERVE4J_DEBUG=1}.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    PrintWriter err = ex.getCommandLine().getErr();
    err.println("error: " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println(
        "see '"
            + ex.getCommandLine().getCommandSpec().qualifiedName()
            + " --help' for the options");
    err.flush();
    return ExitCodes.USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
    if (ex instanceof ParameterException pe) {
      return handleParseException(pe, parsed.originalArgs().toArray(String[]::new));
    }
    PrintWriter err = cmd.getErr();
    int code;
    if (ex instanceof JobLockedException locked) {
      err.println("error: " + locked.getMessage());
      err.println(
          "hint: only one run of a batch job at a time; when the other run has ended, the same"
              + " command resumes where it stopped");
      code = ExitCodes.LOCKED;
    } else if (ex instanceof ServingException se) {
      err.println("error: " + se.getMessage());
      String hint = hint(se);
      if (hint != null) {
        err.println("hint: " + hint);
      }
      code = ExitCodes.of(se.category());
    } else if (ex instanceof UncheckedIOException || ex instanceof IOException) {
      err.println("error: " + describe(ex));
      code = ExitCodes.IO;
    } else {
      err.println("error: unexpected " + ex);
      err.println("hint: this looks like a bug in serve4j; please report it with the command");
      code = ExitCodes.INTERNAL;
    }
    if ("1".equals(System.getenv("SERVE4J_DEBUG"))) {
      ex.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  /**
   * Describes an I/O failure with its causes, e.g. {@code cannot read in.jsonl.gz: Unexpected end
   * of ZLIB input stream}, so that the reason is never hidden behind a wrapper's message.
   *
   * @param ex the failure
   * @return one line
   */
  static String describe(Throwable ex) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = ex; t != null && t != t.getCause(); t = t.getCause()) {
      String part = describeOne(t);
      if (part == null || sb.indexOf(part) >= 0) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(": ");
      }
      sb.append(part);
    }
    return sb.length() > 0 ? sb.toString() : String.valueOf(ex);
  }

  private static String describeOne(Throwable t) {
    if (t instanceof UncheckedIOException u) {
      // new UncheckedIOException(cause) has the cause's toString() as its message: no news
      return u.getCause() != null && String.valueOf(u.getCause()).equals(u.getMessage())
          ? null
          : u.getMessage();
    }
    if (t instanceof NoSuchFileException e) {
      return "no such file: " + e.getFile();
    }
    if (t instanceof AccessDeniedException e) {
      return "permission denied: " + e.getFile();
    }
    if (t instanceof NotDirectoryException e) {
      return "not a directory: " + e.getFile();
    }
    if (t instanceof FileAlreadyExistsException e) {
      return e.getFile() + " exists already";
    }
    if (t instanceof FileSystemException e) {
      return e.getFile()
          + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "")
          + ": "
          + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName());
    }
    String m = t.getMessage();
    return m != null && !m.isBlank() ? m : t.getClass().getSimpleName();
  }

  /**
   * Says what to do about an error.
   *
   * @param e the error
   * @return the hint, or null
   */
  static String hint(ServingException e) {
    ErrorCategory c = e.category();
    return switch (c) {
      case INVALID_INPUT -> "fix the input, option or mapping named above and run again";
      case NOT_FOUND ->
          "local".equals(e.providerId().orElse(null))
              ? "the local provider keeps endpoints only while a command runs: pass --model"
                  + " FILE.onnx"
              : "check the name; 'serve4j endpoints list' shows the endpoints and 'serve4j"
                  + " providers' the providers on the class path";
      case CONFLICT -> "it exists already or is busy; wait, or choose another name";
      case UNAUTHENTICATED ->
          "sign in with the vendor's tools (aws sso login, az login, gcloud auth"
              + " application-default login) or set the vendor's credential variables";
      case PERMISSION_DENIED -> "the credentials work but may not do this; ask for the permission";
      case QUOTA_EXCEEDED -> "a quota is used up; raise it or ask for fewer or smaller instances";
      case THROTTLED, UNAVAILABLE, TIMEOUT ->
          "temporary; run again later (batch retries by itself: raise --max-attempts)";
      case UNSUPPORTED_CAPABILITY -> "this provider cannot do that; use another provider";
      case MODEL_LOAD -> "check that the model file exists and is a valid ONNX model";
      case MODEL_ERROR -> "the model failed on this input; check the input's values and shape";
      case INTERNAL -> "this looks like a bug; run with SERVE4J_DEBUG=1 and report it";
    };
  }
}
