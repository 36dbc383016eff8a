/**
 * A Spring Boot service predicting over HTTP from the local ONNX Runtime with
 * serve4j-spring-boot-starter.
 */
package io.serve4j.examples.boot;
