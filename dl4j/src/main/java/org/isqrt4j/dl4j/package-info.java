/**
 * The iSQRT-COV layer for Deeplearning4j: {@link org.isqrt4j.dl4j.IsqrtCovLayer} (the configuration, used in
 * {@code NeuralNetConfiguration} and {@code ComputationGraphConfiguration} builders, with a JSON round trip) and
 * {@link org.isqrt4j.dl4j.IsqrtCovLayerImpl} (the run-time layer, forward and backward by isqrt4j).
 * The module runs on the class path (Deeplearning4j's jars have no module names).
 */
package org.isqrt4j.dl4j;
