package org.isqrt4j.api;

/**
 * A failure inside a back-end that is not the caller's fault: an OpenCL error, a missing device, a failed
 * kernel build. Bad arguments throw {@link IllegalArgumentException}; use of a closed op or handle throws
 * {@link IllegalStateException}.
 */
public class Isqrt4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, and where
     */
    public Isqrt4jException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what failed
     * @param cause   the underlying error
     */
    public Isqrt4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
