package io.serve4j.aws;

import io.serve4j.BatchJobSpec;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.LifecycleSafetyContract;
import io.serve4j.testkit.LifecycleSafetyFixture;
import io.serve4j.testkit.WireCalls;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.opentest4j.TestAbortedException;

/**
 * The lifecycle-safety contract (cancel a deploy, update or batch job at any step; a failed update)
 * on the {@code aws} provider against {@link FakeAws}, whose every SageMaker, Application Auto
 * Scaling, S3 and STS request goes through {@link WireCalls}.
 */
class AwsLifecycleSafetyTest extends LifecycleSafetyContract {
  /**
   * Cases of the contract that cannot hold on SageMaker, keyed by "contract method / step call",
   * with why; they are reported as skipped (aborted), every other case runs.
   */
  private static final Map<String, String> NOT_APPLICABLE =
      Map.of(
          "cancellingADeploy_atAnyStep_leavesNothing_andCreatesNothingAfter / S3 PUT",
          "the model archive is staged content-addressed and stays in the bucket, so after the"
              + " contract's probe deploy no later deploy uploads it again: the step cannot be"
              + " reached",
          "cancellingAnUpdate_atAnyStep_leavesTheEndpointAsItWas / S3 PUT",
          "the model archive is staged content-addressed and stays in the bucket, so after the"
              + " contract's probe update no later update uploads it again: the step cannot be"
              + " reached",
          "cancellingAnUpdate_atAnyStep_leavesTheEndpointAsItWas / DeleteEndpointConfig",
          "deleting the old endpoint config is after the update's commit point (the endpoint runs"
              + " and is described on the new config); a cancel that arrives then cannot bring"
              + " back what is being deleted",
          "cancellingAnUpdate_atAnyStep_leavesTheEndpointAsItWas / DeleteModel",
          "deleting the old models is after the update's commit point; a cancel that arrives"
              + " then cannot bring back what is being deleted");

  @RegisterExtension
  static final InvocationInterceptor SKIP_NOT_APPLICABLE =
      new InvocationInterceptor() {
        @Override
        public void interceptDynamicTest(
            Invocation<Void> invocation,
            DynamicTestInvocationContext invocationContext,
            ExtensionContext extensionContext)
            throws Throwable {
          String method =
              extensionContext
                  .getParent()
                  .flatMap(ExtensionContext::getTestMethod)
                  .map(java.lang.reflect.Method::getName)
                  .orElse("");
          String name = extensionContext.getDisplayName();
          String step = name.substring(name.indexOf(": ") + 2);
          String why = NOT_APPLICABLE.get(method + " / " + step);
          if (why != null) {
            invocation.skip();
            throw new TestAbortedException(why);
          }
          invocation.proceed();
        }
      };

  @Override
  protected LifecycleSafetyFixture createFixture() {
    FakeAws fake = new FakeAws().bucket("models").deployTime(Duration.ofMillis(100));
    return new LifecycleSafetyFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(AwsContractTest.options(fake).build()).build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.reluOnClasspath();
      }

      @Override
      public Set<String> resources() {
        return fake.resources();
      }

      @Override
      public WireCalls wireCalls() {
        return fake.wireCalls();
      }

      /** SageMaker's Create*, Put*, Register*, and S3 uploads (PUT, multipart POST). */
      @Override
      public boolean creates(String call) {
        String c = call.toLowerCase(Locale.ROOT);
        return c.startsWith("create")
            || c.startsWith("put")
            || c.startsWith("register")
            || c.equals("s3 put")
            || c.equals("s3 post");
      }

      @Override
      public Optional<BatchJobSpec> batchJob(String name) {
        return Optional.of(
            BatchJobSpec.builder()
                .name(name)
                .model(ContractModels.reluOnClasspath())
                .input(URI.create("s3://models/in/"))
                .output(URI.create("s3://models/out/"))
                .contentType("application/jsonlines")
                .splitType(BatchJobSpec.SplitType.LINE)
                .build());
      }

      @Override
      public void close() {
        fake.close();
      }
    };
  }
}
