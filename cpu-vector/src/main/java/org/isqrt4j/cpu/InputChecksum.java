package org.isqrt4j.cpu;

/** A checksum of one sample's input for the saved-input check; see {@code Validation.checksum} in the api. */
interface InputChecksum {
    /**
     * @param x   the array
     * @param off offset of the sample
     * @param len floats in the sample
     * @return the checksum
     */
    long of(float[] x, int off, int len);
}
