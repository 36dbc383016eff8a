/** The commands of the {@code serve4j} command line. Not a public API. */
package io.serve4j.cli.internal;
