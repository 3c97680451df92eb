package org.isqrt4j.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.isqrt4j.api.Isqrt4jException;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Finds OpenCL devices and picks one: a device named by {@value #DEVICE_PROPERTY} (index or name substring)
 * on the platforms matching {@value #PLATFORM_PROPERTY} (index or name substring), otherwise the first GPU,
 * otherwise the first available device. The devices are enumerated once per JVM, on first use (loading JOCL's
 * native part through {@link JoclNatives}); the selection properties are read on every call. Thread-safe.
 */
final class DeviceSelector {
    /** System property choosing the platform: its index in clGetPlatformIDs order or a substring of its name. */
    static final String PLATFORM_PROPERTY = "isqrt4j.opencl.platform";
    /** System property choosing the device: an index into the candidates or a substring of the device name. */
    static final String DEVICE_PROPERTY = "isqrt4j.opencl.device";

    private DeviceSelector() {
    }

    /**
     * Every available device with a compiler, in platform then device order.
     *
     * @return the devices, never empty
     * @throws Isqrt4jException "no OpenCL device" when the OpenCL library or JOCL's native part cannot be loaded,
     *                          or no platform or device exists
     */
    static List<ClDevice> devices() {
        synchronized (DeviceSelector.class) {
            if (cachedDevices == null && cachedFailure == null) {
                try {
                    cachedDevices = List.copyOf(enumerate());
                } catch (Isqrt4jException e) {
                    cachedFailure = e;
                }
            }
        }
        if (cachedFailure != null) {
            throw new Isqrt4jException(cachedFailure.getMessage(), cachedFailure);
        }
        return cachedDevices;
    }

    /** Enumerated once per JVM (the platforms and devices of an ICD loader do not change while it runs). */
    private static List<ClDevice> cachedDevices;
    private static Isqrt4jException cachedFailure;

    private static List<ClDevice> enumerate() {
        JoclNatives.ensureLoaded();
        try {
            return listDevices();
        } catch (LinkageError e) {
            // UnsatisfiedLinkError (no libOpenCL / no JOCL native library), NoClassDefFoundError after a failed
            // static initialiser: the back-end cannot run here, which is an answer, not a crash.
            throw new Isqrt4jException("no OpenCL device: the OpenCL library could not be loaded (" + e + ")", e);
        } catch (CLException e) {
            // Only reachable if another JOCL user turned on CL.setExceptionsEnabled in this JVM.
            throw new Isqrt4jException("no OpenCL device: " + e.getMessage(), e);
        }
    }

    private static List<ClDevice> listDevices() {
        int[] count = new int[1];
        int st = CL.clGetPlatformIDs(0, null, count);
        if (st == CL.CL_PLATFORM_NOT_FOUND_KHR || (st == CL.CL_SUCCESS && count[0] == 0)) {
            throw new Isqrt4jException("no OpenCL device: no OpenCL platform is installed (clGetPlatformIDs: "
                    + (st == CL.CL_SUCCESS ? "0 platforms" : Cl.errorName(st)) + ")");
        }
        Cl.check(st, "clGetPlatformIDs");
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        Cl.check(CL.clGetPlatformIDs(platforms.length, platforms, null), "clGetPlatformIDs");
        List<ClDevice> out = new ArrayList<>();
        for (int pi = 0; pi < platforms.length; pi++) {
            String pname = Cl.platformString(platforms[pi], CL.CL_PLATFORM_NAME);
            int[] nd = new int[1];
            int ds = CL.clGetDeviceIDs(platforms[pi], CL.CL_DEVICE_TYPE_ALL, 0, null, nd);
            if (ds == CL.CL_DEVICE_NOT_FOUND || nd[0] == 0) {
                continue;
            }
            Cl.check(ds, "clGetDeviceIDs");
            cl_device_id[] ids = new cl_device_id[nd[0]];
            Cl.check(CL.clGetDeviceIDs(platforms[pi], CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null), "clGetDeviceIDs");
            for (int di = 0; di < ids.length; di++) {
                if (Cl.deviceInt(ids[di], CL.CL_DEVICE_AVAILABLE) == 0
                        || Cl.deviceInt(ids[di], CL.CL_DEVICE_COMPILER_AVAILABLE) == 0) {
                    continue;
                }
                long type = Cl.deviceLong(ids[di], CL.CL_DEVICE_TYPE);
                out.add(new ClDevice(platforms[pi], ids[di], pi, di, pname, Cl.deviceString(ids[di], CL.CL_DEVICE_NAME),
                        (type & CL.CL_DEVICE_TYPE_GPU) != 0, Cl.deviceString(ids[di], CL.CL_DEVICE_VERSION)));
            }
        }
        if (out.isEmpty()) {
            throw new Isqrt4jException("no OpenCL device: " + platforms.length
                    + " platform(s) found but no available device with a compiler");
        }
        return out;
    }

    /** @return the device chosen by the system properties, or the default choice */
    static ClDevice selectFromSystemProperties() {
        return select(System.getProperty(PLATFORM_PROPERTY), System.getProperty(DEVICE_PROPERTY));
    }

    /**
     * @param platformSpec null/blank for any platform, else an index or a case-insensitive name substring
     * @param deviceSpec   null/blank for the default choice (first GPU, else first device), else an index into the
     *                     devices of the matching platforms or a case-insensitive name substring
     * @return the chosen device
     * @throws Isqrt4jException when nothing matches, listing what exists
     */
    static ClDevice select(String platformSpec, String deviceSpec) {
        List<ClDevice> all = devices();
        List<ClDevice> candidates = new ArrayList<>();
        if (platformSpec == null || platformSpec.isBlank()) {
            candidates.addAll(all);
        } else {
            String ps = platformSpec.trim();
            Integer idx = parseIndex(ps);
            for (ClDevice d : all) {
                if (idx != null ? d.platformIndex() == idx : contains(d.platformName(), ps)) {
                    candidates.add(d);
                }
            }
            if (candidates.isEmpty()) {
                throw new Isqrt4jException("no OpenCL device on a platform matching " + PLATFORM_PROPERTY + "='" + ps
                        + "'; available: " + describe(all));
            }
        }
        if (deviceSpec == null || deviceSpec.isBlank()) {
            for (ClDevice d : candidates) {
                if (d.gpu()) {
                    return d;
                }
            }
            return candidates.get(0);
        }
        String ds = deviceSpec.trim();
        Integer idx = parseIndex(ds);
        if (idx != null) {
            if (idx < candidates.size()) {
                return candidates.get(idx);
            }
        } else {
            for (ClDevice d : candidates) {
                if (contains(d.name(), ds)) {
                    return d;
                }
            }
        }
        throw new Isqrt4jException("no OpenCL device matching " + DEVICE_PROPERTY + "='" + ds + "'"
                + (platformSpec == null || platformSpec.isBlank() ? "" : " on platform '" + platformSpec.trim() + "'")
                + "; candidates: " + describe(candidates));
    }

    private static Integer parseIndex(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return null;
            }
        }
        return Integer.parseInt(s);
    }

    private static boolean contains(String haystack, String needle) {
        return haystack.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
    }

    private static String describe(List<ClDevice> list) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            sb.append(i == 0 ? "" : "; ").append('#').append(i).append(' ').append(list.get(i).describe());
        }
        return sb.append(']').toString();
    }
}
