package io.serve4j.spring.boot.internal;

import io.serve4j.Endpoint;
import io.serve4j.ServingClient;
import io.serve4j.spring.boot.Serve4jProperties;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link ServingClient} bean per {@code serve4j.clients.<name>} (bean name {@code
 * <name>}, closed with the context) and one {@link Endpoint} bean per {@code
 * serve4j.clients.<name>.endpoints.<bean>=<endpoint>}. The beans are built by {@link ClientFactory}
 * when first needed (at start-up, as singletons), so a bad value fails the start.
 */
public final class ClientBeanRegistrar
    implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {
  private Environment environment;
  private BeanFactory beanFactory;

  /** Created by Spring through {@code @Import}. */
  public ClientBeanRegistrar() {}

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  /**
   * Binds {@code serve4j.clients} from an environment; a value of the wrong type fails with Boot's
   * bind failure naming the property.
   *
   * @param environment the environment
   * @return client name to its settings, in declaration order where the source keeps one
   */
  public static Map<String, Serve4jProperties.Client> clients(Environment environment) {
    return Binder.get(environment)
        .bind(
            Serve4jProperties.PREFIX + ".clients",
            Bindable.mapOf(String.class, Serve4jProperties.Client.class))
        .orElse(Map.of());
  }

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    BeanFactory bf = beanFactory;
    clients(environment)
        .forEach(
            (clientName, client) -> {
              RootBeanDefinition def = new RootBeanDefinition(ServingClient.class);
              def.setInstanceSupplier(() -> bf.getBean(ClientFactory.class).create(clientName));
              def.setDestroyMethodName("close");
              registry.registerBeanDefinition(clientName, def);
              client
                  .getEndpoints()
                  .forEach(
                      (beanName, endpointName) -> {
                        String property =
                            Serve4jProperties.PREFIX
                                + ".clients."
                                + clientName
                                + ".endpoints."
                                + beanName;
                        if (endpointName == null || endpointName.isBlank()) {
                          throw new InvalidConfigurationPropertyValueException(
                              property, endpointName, "must name an endpoint of the provider");
                        }
                        RootBeanDefinition e = new RootBeanDefinition(Endpoint.class);
                        e.setInstanceSupplier(
                            () ->
                                bf.getBean(clientName, ServingClient.class).endpoint(endpointName));
                        e.setDependsOn(clientName);
                        // A handle owns nothing: never infer a close() on it.
                        e.setDestroyMethodName("");
                        registry.registerBeanDefinition(beanName, e);
                      });
            });
  }
}
