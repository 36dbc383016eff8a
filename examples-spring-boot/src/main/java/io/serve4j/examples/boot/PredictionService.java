package io.serve4j.examples.boot;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ServingClient;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A small prediction service: serve4j-spring-boot-starter makes the {@code local} client from
 * {@code application.properties} (ONNX Runtime in this JVM), this class deploys a model on it at
 * start-up, and {@link PredictController} serves it at {@code POST /predict}. Actuator shows the
 * client's health at {@code /actuator/health} and serve4j's meters at {@code /actuator/prometheus}.
 *
 * <pre>{@code
 * java -jar examples-spring-boot/target/serve4j-examples-spring-boot.jar
 * curl -s localhost:8080/predict -H 'Content-Type: application/json' \
 *      -d '{"x": [[0.1, 0.2, 0.3, 0.4]]}'
 * }</pre>
 */
@SpringBootApplication
public class PredictionService {
  /** Created by Spring. */
  public PredictionService() {}

  /**
   * Runs the service.
   *
   * @param args Spring Boot's arguments, e.g. {@code --server.port=9090}
   */
  public static void main(String[] args) {
    SpringApplication.run(PredictionService.class, args);
  }

  /**
   * Deploys the model on the local client before the service takes requests. The endpoint goes with
   * the client when the application stops.
   *
   * @param local the {@code serve4j.clients.local} client
   * @param artifact the model, {@code example.model} (default: the bundled MLP, x FP32[N,4] to y
   *     FP32[N,2])
   * @return the endpoint {@code mlp}
   */
  @Bean
  Endpoint mlp(
      @Qualifier("local") ServingClient local,
      @Value("${example.model:classpath:models/mlp.onnx}") String artifact) {
    Model model = Model.builder().name("mlp").artifact(artifact).build();
    return local.deploy(EndpointSpec.of("mlp", model)).await();
  }
}
