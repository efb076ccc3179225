import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import com.sun.source.util.JavacTask;

/**
 * Parses every .java file under a folder with javac's own parser and fails on a syntax error.
 * Parsing needs no class path: the generated code's dependencies (the jsii Java runtime,
 * aws-cdk-lib and constructs jars) come only from Maven Central, which this machine cannot reach,
 * so the types are not resolved here.
 *
 * Usage: java scripts/JavaSyntaxCheck.java <folder>
 */
public class JavaSyntaxCheck {
  public static void main(String[] args) throws IOException {
    List<Path> sources;
    try (Stream<Path> walk = Files.walk(Path.of(args[0]))) {
      sources = walk.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
    if (sources.isEmpty()) {
      System.err.println("java: no .java files under " + args[0]);
      System.exit(1);
    }
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
      JavacTask task = (JavacTask) compiler.getTask(null, files, diagnostics, List.of("-proc:none"), null,
          files.getJavaFileObjectsFromPaths(sources));
      task.parse();
    }
    long errors = 0;
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        errors++;
        System.err.println(d);
      }
    }
    System.out.println("java: parsed " + sources.size() + " generated sources, " + errors + " syntax errors");
    System.exit(errors == 0 ? 0 : 1);
  }
}
