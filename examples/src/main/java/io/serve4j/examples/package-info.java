/**
 * Runnable examples. {@link io.serve4j.examples.Examples} is the command line of the examples jar:
 * sentence similarity with a bundled MiniLM model, and any ONNX model on an Open Inference Protocol
 * JSON request, both on the local ONNX Runtime provider with no cloud account. Cloud samples live
 * in the sub-packages.
 */
package io.serve4j.examples;
