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
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Disabled;

/**
 * The lifecycle-safety contract (cancel a deploy, update or batch job at any step; a failed update)
 * on the {@code aws} provider against {@link FakeAws}, whose every SageMaker, Application Auto
 * Scaling, S3 and STS request goes through {@link WireCalls}.
 */
@Disabled(
    "not yet run to completion (split-aws session ran out of time; its one run was cut off in the"
        + " batch-job cases): enable after one green run of this class")
class AwsLifecycleSafetyTest extends LifecycleSafetyContract {
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
