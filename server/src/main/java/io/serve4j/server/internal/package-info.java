/** The server's REST and gRPC transports and their codecs; not API. */
package io.serve4j.server.internal;
