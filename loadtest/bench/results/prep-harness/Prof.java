// c-prep measurement harness (see AB.java): loops one stage of one jar for JFR, e.g.
// java -XX:StartFlightRecording=settings=profile,filename=F.jfr -cp DIR Prof BENCH.jar BODIES 2 20
import java.net.*; import java.nio.file.*; import java.util.function.IntSupplier;
/** java Prof JAR BODIES STAGE SECONDS: loops one stage (0 parse,1 identity,2 features,3 prepare). */
public class Prof { public static void main(String[] a) throws Exception {
  ClassLoader cl = new URLClassLoader(new URL[]{Path.of(a[0]).toUri().toURL(), Path.of(System.getProperty("harness", ".")).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
  IntSupplier op = ((IntSupplier[]) cl.loadClass("PrepOps").getMethod("ops", String.class).invoke(null, a[1]))[Integer.parseInt(a[2])];
  long end = System.nanoTime() + Long.parseLong(a[3]) * 1_000_000_000L; long s = 0;
  while (System.nanoTime() < end) for (int i = 0; i < 1000; i++) s += op.getAsInt();
  System.out.println(s);
}}
