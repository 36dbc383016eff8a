/**
 * The {@code serve4j} command line: predict, batch-score, list, describe, delete and deploy
 * endpoints on the local ONNX runtime and on every provider on the class path.
 *
 * <pre>{@code
 * serve4j predict --model mlp.onnx --request request.json
 * serve4j batch --model mlp.onnx --map x=features --id-field id --output scores.jsonl data/
 * }</pre>
 *
 * <p>Embed it with {@link io.serve4j.cli.Serve4jCli#commandLine(ClientFactory)}.
 */
package io.serve4j.cli;
