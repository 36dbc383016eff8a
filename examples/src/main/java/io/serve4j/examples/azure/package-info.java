/** Using serve4j on Azure Machine Learning: {@link io.serve4j.examples.azure.AzureQuickstart}. */
package io.serve4j.examples.azure;
