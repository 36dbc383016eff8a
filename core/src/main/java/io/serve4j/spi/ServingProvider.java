package io.serve4j.spi;

import io.serve4j.Capability;
import io.serve4j.ErrorCategory;
import io.serve4j.HardwareOffering;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * A provider of serving: found through {@link java.util.ServiceLoader} (list the class in {@code
 * META-INF/services/io.serve4j.spi.ServingProvider}), keyed by its {@link #id()}.
 *
 * <p>Discovery must have no side effects: constructing a provider and calling {@link #id()}, {@link
 * #capabilities()}, {@link #optionsType()} or {@link #offerings()} must not touch the network,
 * native libraries or credentials. Work starts in {@link #open}.
 */
public interface ServingProvider {
  /**
   * Returns the unique id, also the URI scheme, e.g. {@code "aws"}.
   *
   * @return the id
   */
  String id();

  /**
   * Returns what this provider can do; core refuses the rest before any call.
   *
   * @return the capabilities
   */
  Set<Capability> capabilities();

  /**
   * Returns the hardware this provider serves on, one row per instance or machine type, each naming
   * where it was read. Core resolves portable {@link io.serve4j.Accelerator}s against these rows
   * ({@link HardwareOfferings#resolve}); a provider that maps no accelerators to machines (a local
   * runtime) publishes none.
   *
   * @return the rows; empty by default
   */
  default List<HardwareOffering> offerings() {
    return List.of();
  }

  /**
   * Returns whether core reads the signature of an ONNX model from its local artifact before
   * deploying to this provider. A provider that configures a server before the model loads (a
   * cloud's Triton configuration, request validation before sending) says true: then, for every
   * deployment of an ONNX model whose artifact is a {@code file:} or {@code classpath:} {@code
   * .onnx} file, core reads the graph's inputs and outputs ({@link
   * io.serve4j.spi.formats.OnnxSignatures}) and hands the provider a model carrying them when none
   * was declared, and refuses with an {@link io.serve4j.InvalidInputException}, before any call, a
   * declared signature that disagrees with the file. A runtime that loads the model itself and
   * learns its signature there keeps the default, false.
   *
   * @return true to have signatures read from local ONNX files; false by default
   */
  default boolean readsOnnxSignatures() {
    return false;
  }

  /**
   * Returns the type of options this provider takes.
   *
   * @return the options class
   */
  Class<? extends ProviderOptions> optionsType();

  /**
   * Returns options from the environment (the vendor's default region and credential chains).
   *
   * @return default options
   * @throws ServingException if required settings cannot be found, saying which
   */
  ProviderOptions defaultOptions();

  /**
   * Returns options from a URI such as {@code aws://us-east-1} or {@code local:}.
   *
   * @param uri a URI whose scheme is this provider's id
   * @return the options
   * @throws io.serve4j.InvalidInputException if the URI cannot be understood
   */
  default ProviderOptions optionsFrom(URI uri) {
    if (uri.getSchemeSpecificPart() == null
        || uri.getSchemeSpecificPart().isEmpty()
        || uri.getSchemeSpecificPart().equals("//")) {
      return defaultOptions();
    }
    throw ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(id())
        .message("provider '" + id() + "' takes no settings in its URI: " + uri)
        .build();
  }

  /**
   * Returns the provider's one error mapper from its vendor's failures to {@link
   * ServingException}s; core applies it to every failure of a role call (see {@link Wire}). The
   * default suits an in-process provider whose failures are already typed: anything else is
   * INTERNAL.
   *
   * @return the mapper
   */
  default ErrorMapper errorMapper() {
    return ErrorMapper.internal();
  }

  /**
   * Opens a session: the provider's role parts over one set of vendor clients.
   *
   * @param options options of {@link #optionsType()}
   * @param context shared facilities from core
   * @return the session
   */
  ProviderSession open(ProviderOptions options, ProviderContext context);
}
