/**
 * The provider contract suite ({@link io.serve4j.testkit.ServingProviderContract}), the model it
 * deploys ({@link io.serve4j.testkit.ContractModels}), and {@link io.serve4j.testkit.SideBySide},
 * which measures a provider's call beside the raw SDK's against the same fake.
 */
package io.serve4j.testkit;
