/**
 * serve4j's portable API: {@link io.serve4j.Serve4j} gives a {@link io.serve4j.ServingClient} for
 * one provider; {@link io.serve4j.EndpointSpec}, {@link io.serve4j.DeploymentSpec}, {@link
 * io.serve4j.Model} and {@link io.serve4j.Accelerator} describe what to deploy; {@link
 * io.serve4j.Endpoint} predicts with {@link io.serve4j.Tensor}s; every failure is a {@link
 * io.serve4j.ServingException}.
 */
package io.serve4j;
