package org.isqrt4j.opencl;

import org.isqrt4j.api.Isqrt4jException;

/** Run in a child JVM by {@link ErrorHandlingTest}: prints what the provider says when no platform exists. */
public final class NoPlatformProbe {
    private NoPlatformProbe() {
    }

    /** @param args unused */
    public static void main(String[] args) {
        OpenClProvider p = new OpenClProvider();
        System.out.println("reason=" + p.unavailableReason());
        System.out.println("priority=" + p.priority());
        try {
            p.create().close();
            System.out.println("create=ok");
        } catch (Isqrt4jException e) {
            System.out.println("create=Isqrt4jException: " + e.getMessage());
        }
    }
}
