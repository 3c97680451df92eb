/**
 * The test kit shared by the modules' tests (a test-scope dependency, never published; the device check also
 * packs it to run {@link org.isqrt4j.testsupport.OpenClCases} without JUnit): {@link
 * org.isqrt4j.testsupport.Dense} float64 matrix helpers, {@link org.isqrt4j.testsupport.RandomData} generators,
 * {@link org.isqrt4j.testsupport.ErrorNorms}, {@link org.isqrt4j.testsupport.FiniteDifferences}, the OpenCL
 * correctness cases {@link org.isqrt4j.testsupport.OpenClCases} (shared with the device check, which runs them
 * without JUnit) and the OpenCL skip-or-fail rule {@link org.isqrt4j.testsupport.OpenClAvailability}. The float64
 * oracle the tests compare with is the reference module's {@code ReferenceMath}, called directly: there is no second
 * copy of the layer here.
 */
package org.isqrt4j.testsupport;
