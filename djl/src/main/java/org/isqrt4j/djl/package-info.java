/**
 * The iSQRT-COV layer as a Deep Java Library (DJL) {@link ai.djl.nn.Block}: {@link org.isqrt4j.djl.IsqrtCovBlock}
 * runs isqrt4j's forward and hand-derived backward inside a DJL model, and {@link org.isqrt4j.djl.IsqrtTraining}
 * runs the training step in the two phases that this needs (DJL has no custom autograd function): the engine's
 * backward down to the block's output, then the library's backward and the injection of dL/dX into the graph
 * below the block.
 */
package org.isqrt4j.djl;
