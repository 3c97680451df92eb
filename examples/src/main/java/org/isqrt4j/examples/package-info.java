/**
 * A worked example of isqrt4j inside a training loop, written without an ML framework: a 1x1 projection, the
 * iSQRT-COV layer's forward and backward, a softmax classifier, hand-written gradients and Adam, compared with a
 * first-order (average pooling) baseline on data that only second-order statistics separate.
 * Entry point: {@link org.isqrt4j.examples.TrainingLoop}.
 */
package org.isqrt4j.examples;
