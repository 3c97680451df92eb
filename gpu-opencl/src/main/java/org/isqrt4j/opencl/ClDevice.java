package org.isqrt4j.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as found by {@link DeviceSelector}: its handles, where it sits in the platform and device
 * lists, and what it is.
 *
 * @param platform       the platform handle
 * @param device         the device handle
 * @param platformIndex  index of the platform in clGetPlatformIDs order
 * @param deviceIndex    index of the device within its platform
 * @param platformName   CL_PLATFORM_NAME
 * @param name           CL_DEVICE_NAME
 * @param gpu            whether CL_DEVICE_TYPE has the GPU bit
 * @param version        CL_DEVICE_VERSION, e.g. "OpenCL 3.0 PoCL ..."
 */
record ClDevice(cl_platform_id platform, cl_device_id device, int platformIndex, int deviceIndex,
                String platformName, String name, boolean gpu, String version) {

    /** @return the major OpenCL version the device reports, 1 if unreadable */
    int majorVersion() {
        // CL_DEVICE_VERSION is "OpenCL <major>.<minor> <vendor text>".
        String[] parts = version.trim().split("[ .]");
        if (parts.length >= 2) {
            try {
                return Integer.parseInt(parts[1]);
            } catch (NumberFormatException ignored) {
                // fall through to the conservative answer
            }
        }
        return 1;
    }

    /** @return "platform #i (name) / device #j (name), GPU|other" */
    String describe() {
        return "platform #" + platformIndex + " (" + platformName + ") / device #" + deviceIndex + " (" + name + ")"
                + (gpu ? ", GPU" : "");
    }
}
