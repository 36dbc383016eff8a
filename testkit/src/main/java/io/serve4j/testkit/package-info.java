/**
 * The provider contract suite ({@link io.serve4j.testkit.ServingProviderContract}) and the model it
 * deploys ({@link io.serve4j.testkit.ContractModels}).
 */
package io.serve4j.testkit;
