package org.isqrt4j.testsupport;

import java.util.concurrent.Callable;

import org.isqrt4j.api.Isqrt4jException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for a test that needs an OpenCL back-end or device that is not there: with the environment variable
 * CI set to "true" the test fails (CI installs PoCL, so a missing device is a broken machine), otherwise it is
 * skipped with the reason.
 */
public final class OpenClAvailability {
    private OpenClAvailability() {
    }

    /** @return whether CI=true, where a missing OpenCL device fails the test */
    public static boolean required() {
        return "true".equals(System.getenv("CI"));
    }

    /**
     * Fails the calling test when {@link #required()}, else skips it; never returns normally.
     *
     * @param why   what is missing, e.g. the device selection's message
     * @param cause what failed, or null
     * @return never; declared so that callers can write {@code throw OpenClAvailability.unavailable(...)}
     */
    public static AssertionError unavailable(String why, Throwable cause) {
        failIfRequired(why, cause);
        Assumptions.abort(message(why) + " (set CI=true to make this a failure)");
        return new AssertionError("unreachable");
    }

    /**
     * Fails the calling test when {@link #required()}, else returns: for a test that goes on without OpenCL (for
     * example one that runs every back-end it can load).
     *
     * @param why   what is missing
     * @param cause what failed, or null
     */
    public static void failIfRequired(String why, Throwable cause) {
        if (required()) {
            Assertions.fail("CI=true but " + message(why), cause);
        }
    }

    /**
     * Opens what needs OpenCL, or applies {@link #unavailable} when that throws {@link Isqrt4jException} (no
     * device, no platform) or {@link LinkageError} (no JOCL natives, no ICD loader).
     *
     * @param <T>    what is opened
     * @param opener opens it
     * @return what the opener returned
     */
    public static <T> T open(Callable<T> opener) {
        try {
            return opener.call();
        } catch (Isqrt4jException | LinkageError e) {
            throw unavailable(String.valueOf(e.getMessage()), e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String message(String why) {
        return "no OpenCL back-end or device: " + why;
    }
}
