/**
 * JMH benchmarks of serve4j's local runtime beside raw ONNX Runtime and DJL, on the quantized
 * all-MiniLM-L6-v2 and on a small MLP and convolutional model generated here ({@link
 * io.serve4j.benchmarks.SyntheticModels}). Run them with {@code benchmarks/run.sh}; {@link
 * io.serve4j.benchmarks.BenchmarkMain} runs the suite and writes the results and ratios.
 */
package io.serve4j.benchmarks;
