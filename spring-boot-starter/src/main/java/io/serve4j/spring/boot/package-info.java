/**
 * serve4j's Spring Boot auto-configuration: {@link io.serve4j.spring.boot.Serve4jProperties} (the
 * {@code serve4j.*} properties), named {@link io.serve4j.ServingClient} and {@link
 * io.serve4j.Endpoint} beans, Actuator health, and metrics through serve4j-micrometer when it is on
 * the class path.
 */
package io.serve4j.spring.boot;
