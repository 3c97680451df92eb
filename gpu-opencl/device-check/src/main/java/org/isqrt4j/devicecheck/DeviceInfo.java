package org.isqrt4j.devicecheck;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as the check lists it, read through JOCL directly (the back-end's own selector is not public).
 * Only devices that are available and have a compiler are listed, in platform then device order, which is the order
 * in which {@code OpenClMatrixSqrtOp(platformSpec, deviceSpec)} counts them: {@link #platformIndex} and
 * {@link #deviceIndex} are the specs that open this device there.
 */
final class DeviceInfo {
    /** cl_nv_device_attribute_query: CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV and _MINOR_NV. */
    static final int CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV = 0x4000;
    static final int CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV = 0x4001;

    final int platformIndex;
    final int deviceIndex;
    final String platformName;
    final String platformVendor;
    final String name;
    final String vendor;
    final String version;
    final String driver;
    final boolean gpu;
    final boolean cpu;
    final int computeUnits;
    final int clockMhz;
    final long localMemBytes;
    final long globalMemBytes;
    final long maxWorkGroupSize;
    final int nativeFloatWidth;
    /** NVIDIA compute capability, or -1 where the platform does not report one. */
    final int ccMajor;
    final int ccMinor;

    private DeviceInfo(int platformIndex, int deviceIndex, cl_platform_id p, cl_device_id d) {
        this.platformIndex = platformIndex;
        this.deviceIndex = deviceIndex;
        this.platformName = platformString(p, CL.CL_PLATFORM_NAME);
        this.platformVendor = platformString(p, CL.CL_PLATFORM_VENDOR);
        this.name = deviceString(d, CL.CL_DEVICE_NAME);
        this.vendor = deviceString(d, CL.CL_DEVICE_VENDOR);
        this.version = deviceString(d, CL.CL_DEVICE_VERSION);
        this.driver = deviceString(d, CL.CL_DRIVER_VERSION);
        long type = deviceLong(d, CL.CL_DEVICE_TYPE);
        this.gpu = (type & CL.CL_DEVICE_TYPE_GPU) != 0;
        this.cpu = (type & CL.CL_DEVICE_TYPE_CPU) != 0;
        this.computeUnits = deviceInt(d, CL.CL_DEVICE_MAX_COMPUTE_UNITS);
        this.clockMhz = deviceInt(d, CL.CL_DEVICE_MAX_CLOCK_FREQUENCY);
        this.localMemBytes = deviceLong(d, CL.CL_DEVICE_LOCAL_MEM_SIZE);
        this.globalMemBytes = deviceLong(d, CL.CL_DEVICE_GLOBAL_MEM_SIZE);
        this.maxWorkGroupSize = deviceSize(d, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.nativeFloatWidth = deviceInt(d, CL.CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT);
        int major = -1;
        int minor = -1;
        if (isNvidia()) {
            int[] v = new int[1];
            if (CL.clGetDeviceInfo(d, CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV, 4, Pointer.to(v), null) == CL.CL_SUCCESS) {
                major = v[0];
                if (CL.clGetDeviceInfo(d, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV, 4, Pointer.to(v), null) == CL.CL_SUCCESS) {
                    minor = v[0];
                }
            }
        }
        this.ccMajor = major;
        this.ccMinor = minor;
    }

    /** @return whether the platform or device vendor is NVIDIA */
    boolean isNvidia() {
        return (platformName + " " + platformVendor + " " + vendor).toLowerCase(Locale.ROOT).contains("nvidia");
    }

    /**
     * Every available device with a compiler, NVIDIA platforms first, the others in clGetPlatformIDs order.
     *
     * @return the devices; empty when there is no platform (the reason goes to {@code why[0]})
     */
    static List<DeviceInfo> list(String[] why) {
        List<DeviceInfo> out = new ArrayList<>();
        int[] count = new int[1];
        int st;
        try {
            st = CL.clGetPlatformIDs(0, null, count);
        } catch (LinkageError e) {
            why[0] = "the OpenCL library could not be loaded: " + e;
            return out;
        }
        if (st != CL.CL_SUCCESS || count[0] == 0) {
            why[0] = "clGetPlatformIDs: " + (st == CL.CL_SUCCESS ? "0 platforms" : CL.stringFor_errorCode(st));
            return out;
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        List<DeviceInfo> nvidia = new ArrayList<>();
        for (int pi = 0; pi < platforms.length; pi++) {
            int[] nd = new int[1];
            if (CL.clGetDeviceIDs(platforms[pi], CL.CL_DEVICE_TYPE_ALL, 0, null, nd) != CL.CL_SUCCESS || nd[0] == 0) {
                continue;
            }
            cl_device_id[] ids = new cl_device_id[nd[0]];
            CL.clGetDeviceIDs(platforms[pi], CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null);
            int usable = 0;
            for (cl_device_id id : ids) {
                if (deviceInt(id, CL.CL_DEVICE_AVAILABLE) == 0 || deviceInt(id, CL.CL_DEVICE_COMPILER_AVAILABLE) == 0) {
                    continue;
                }
                DeviceInfo info = new DeviceInfo(pi, usable++, platforms[pi], id);
                (info.isNvidia() ? nvidia : out).add(info);
            }
        }
        out.addAll(0, nvidia);
        if (out.isEmpty()) {
            why[0] = platforms.length + " platform(s) but no available device with a compiler";
        }
        return out;
    }

    /** @return a short id for tables and JSON rows: "opencl@" and the device name */
    String id() {
        return "opencl@" + name.trim();
    }

    /** @return what the JSON's "devices" list says about this device */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id());
        m.put("platform_index", platformIndex);
        m.put("device_index", deviceIndex);
        m.put("platform", platformName);
        m.put("platform_vendor", platformVendor);
        m.put("name", name);
        m.put("vendor", vendor);
        m.put("type", gpu ? "GPU" : cpu ? "CPU" : "other");
        m.put("version", version);
        m.put("driver", driver);
        m.put("compute_units", computeUnits);
        m.put("max_clock_mhz", clockMhz);
        m.put("local_mem_bytes", localMemBytes);
        m.put("global_mem_bytes", globalMemBytes);
        m.put("max_work_group_size", maxWorkGroupSize);
        m.put("native_vector_width_float", nativeFloatWidth);
        m.put("compute_capability", ccMajor < 0 ? null : ccMajor + "." + ccMinor);
        PeakModel.Peak peak = PeakModel.of(this);
        m.put("fp32_flops_per_clock_per_unit", peak.flopsPerClockPerUnit());
        m.put("peak_gflops_fp32", peak.gflops());
        m.put("peak_assumption", peak.assumption());
        return m;
    }

    // ------------------------------------------------------------------ JOCL queries

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        if (CL.clGetPlatformInfo(p, param, 0, null, size) != CL.CL_SUCCESS) {
            return "?";
        }
        byte[] buf = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        if (CL.clGetDeviceInfo(d, param, 0, null, size) != CL.CL_SUCCESS) {
            return "?";
        }
        byte[] buf = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        return CL.clGetDeviceInfo(d, param, 8, Pointer.to(v), null) == CL.CL_SUCCESS ? v[0] : -1;
    }

    private static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        return CL.clGetDeviceInfo(d, param, 4, Pointer.to(v), null) == CL.CL_SUCCESS ? v[0] : -1;
    }

    private static long deviceSize(cl_device_id d, int param) {
        long[] v = new long[1];
        return CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null) == CL.CL_SUCCESS ? v[0] : -1;
    }

    private static String cString(byte[] buf) {
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8).trim();
    }
}
