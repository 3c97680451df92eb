package org.isqrt4j.opencl;

import java.nio.charset.StandardCharsets;

import org.isqrt4j.api.Isqrt4jException;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Status checking and info queries. JOCL's process-wide exception mode is deliberately left alone (it would change
 * the behaviour of every other JOCL user in the JVM): every status is checked here instead.
 */
final class Cl {
    private Cl() {
    }

    /**
     * @param status a CL status code
     * @param call   the call that returned it, for the message
     * @throws Isqrt4jException naming the call and the error unless status is CL_SUCCESS
     */
    static void check(int status, String call) {
        if (status != CL.CL_SUCCESS) {
            throw new Isqrt4jException("OpenCL call " + call + " failed: " + errorName(status));
        }
    }

    /** @param status a CL status code  @return its name and number, e.g. "CL_INVALID_VALUE (-30)" */
    static String errorName(int status) {
        String s;
        try {
            s = CL.stringFor_errorCode(status);
        } catch (RuntimeException | LinkageError e) {
            s = null;
        }
        if (s == null || s.isEmpty() || s.startsWith("INVALID_ERROR_CODE")) {
            s = "CL error";
        }
        return s + " (" + status + ")";
    }

    /** @param p platform  @param param a CL_PLATFORM_* string query  @return the answer, trimmed */
    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        check(CL.clGetPlatformInfo(p, param, 0, null, size), "clGetPlatformInfo");
        byte[] buf = new byte[(int) size[0]];
        check(CL.clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null), "clGetPlatformInfo");
        return cString(buf);
    }

    /** @param d device  @param param a CL_DEVICE_* string query  @return the answer, trimmed */
    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        check(CL.clGetDeviceInfo(d, param, 0, null, size), "clGetDeviceInfo");
        byte[] buf = new byte[(int) size[0]];
        check(CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null), "clGetDeviceInfo");
        return cString(buf);
    }

    /** @param d device  @param param a CL_DEVICE_* query of type cl_ulong or cl_bitfield  @return the value */
    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        check(CL.clGetDeviceInfo(d, param, 8, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    /** @param d device  @param param a CL_DEVICE_* query of type cl_uint or cl_bool  @return the value */
    static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        check(CL.clGetDeviceInfo(d, param, 4, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    /** @param d device  @param param a CL_DEVICE_* query of type size_t  @return the value */
    static long deviceSize(cl_device_id d, int param) {
        long[] v = new long[1];
        check(CL.clGetDeviceInfo(d, param, org.jocl.Sizeof.size_t, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    private static String cString(byte[] buf) {
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8).trim();
    }
}
