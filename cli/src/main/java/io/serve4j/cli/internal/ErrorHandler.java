package io.serve4j.cli.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.cli.ExitCodes;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
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
    if (ex instanceof ServingException se) {
      err.println("error: " + se.getMessage());
      String hint = hint(se);
      if (hint != null) {
        err.println("hint: " + hint);
      }
      code = ExitCodes.of(se.category());
    } else if (ex instanceof UncheckedIOException || ex instanceof java.io.IOException) {
      Throwable io = ex instanceof UncheckedIOException u ? u.getCause() : ex;
      String what = ex.getMessage();
      if (io instanceof NoSuchFileException nf) {
        what = "no such file: " + nf.getFile();
      }
      err.println("error: " + what);
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
