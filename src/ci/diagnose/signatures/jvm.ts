/**
 * Maven, Gradle, sbt, javac/kotlinc/scalac, Surefire/JUnit, Checkstyle, license headers, API checks.
 *
 * Maven's decisive line is `[ERROR] Failed to execute goal <plugin>…: <reason>`, and the plugin says
 * what kind of failure it is: one signature per plugin family, all more specific than the generic one.
 * Its footer (`[Help 1]`, `-rf :module`) is noise. Gradle's `BUILD FAILED in 14s` and sbt's
 * `Compilation failed` are summaries weaker than the errors they sum up.
 */
import type { Category, Signature } from "../types.js";

const GOAL = String.raw`^\[ERROR\] Failed to execute goal (?<plugin>[\w.-]+:[\w.-]+)(?::[\w.-]+)?:[\w-]+ \([^)]*\)(?: on project (?<package>[\w.-]+))?: `;

/** One Maven goal signature per plugin family; the plugin (artifactId) decides the category. */
function goal(id: string, category: Category, plugins: string, cause: string, example: string): Signature {
  return {
    id: `maven.goal.${id}`,
    ecosystem: "jvm",
    category,
    needle: "failed to execute goal",
    pattern: new RegExp(
      `${GOAL.replace("(?<plugin>[\\w.-]+:[\\w.-]+)", `(?<plugin>[\\w.-]+:(?:${plugins}))`)}`,
    ),
    role: "decisive",
    weight: 15,
    tool: "maven",
    cause,
    example,
  };
}

export const JVM: readonly Signature[] = [
  goal(
    "test",
    "test",
    "maven-surefire-plugin|maven-failsafe-plugin|scalatest-maven-plugin",
    "tests fail (Maven {plugin})",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on project core: There are test failures.",
  ),
  goal(
    "compile",
    "compilation",
    "maven-compiler-plugin|kotlin-maven-plugin|scala-maven-plugin|groovy-maven-plugin",
    "the code does not compile (Maven {plugin})",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:compile (default-compile) on project core: Compilation failure",
  ),
  goal(
    "lint",
    "lint",
    "maven-checkstyle-plugin|maven-pmd-plugin|spotbugs-maven-plugin|findbugs-maven-plugin|forbiddenapis|error-prone",
    "a static check fails (Maven {plugin})",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-checkstyle-plugin:3.3.1:check (validate) on project core: You have 2 Checkstyle violations. -> [Help 1]",
  ),
  goal(
    "format",
    "format",
    "spotless-maven-plugin|fmt-maven-plugin|formatter-maven-plugin|prettier-maven-plugin|sortpom-maven-plugin",
    "files are not formatted (Maven {plugin})",
    "[ERROR] Failed to execute goal com.diffplug.spotless:spotless-maven-plugin:2.43.0:check (default) on project core: The following files had format violations:",
  ),
  goal(
    "license",
    "license",
    "license-maven-plugin|apache-rat-plugin|maven-license-plugin",
    "license headers or licenses are not as required (Maven {plugin})",
    "[ERROR] Failed to execute goal com.mycila:license-maven-plugin:4.3:check (default) on project core: Some files do not have the expected license header. Run license:format to update them.",
  ),
  goal(
    "compat",
    "compatibility",
    "japicmp-maven-plugin|revapi-maven-plugin|animal-sniffer-maven-plugin|clirr-maven-plugin",
    "the API changed incompatibly (Maven {plugin})",
    "[ERROR] Failed to execute goal com.github.siom79.japicmp:japicmp-maven-plugin:0.18.3:cmp (default) on project core: There is at least one incompatibility: com.acme.Api.run():METHOD_REMOVED",
  ),
  goal(
    "docs",
    "documentation",
    "maven-javadoc-plugin|maven-site-plugin|asciidoctor-maven-plugin",
    "the documentation build fails (Maven {plugin})",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-javadoc-plugin:3.6.3:jar (attach-javadocs) on project core: MavenReportException: Error while generating Javadoc:",
  ),
  goal(
    "enforcer",
    "dependency",
    "maven-enforcer-plugin|maven-dependency-plugin",
    "a dependency rule fails (Maven {plugin})",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-enforcer-plugin:3.4.1:enforce (enforce) on project core: Some Enforcer rules have failed.",
  ),
  {
    id: "maven.goal",
    ecosystem: "jvm",
    category: "unknown",
    needle: "failed to execute goal",
    pattern: /^\[ERROR\] Failed to execute goal (?<plugin>[\w.-]+:[\w.-]+)/,
    role: "decisive",
    weight: 12,
    tool: "maven",
    cause: "a Maven goal fails ({plugin})",
    example:
      "[ERROR] Failed to execute goal org.codehaus.mojo:exec-maven-plugin:3.1.0:exec (gen) on project core: Command execution failed.",
  },
  {
    id: "maven.resolve",
    ecosystem: "jvm",
    category: "dependency",
    needle: [
      "could not resolve dependencies",
      "could not find artifact",
      "non-resolvable",
      "could not be resolved",
    ],
    pattern:
      /Could not resolve dependencies for project|Could not find artifact (?<package>\S+)|Non-resolvable (?:parent POM|import POM)|(?:Plugin (?<plugin>\S+) or one of its dependencies could not be resolved)|The following artifacts could not be resolved: (?<package2>[^,\s]+)/,
    role: "decisive",
    weight: 15.5,
    tool: "maven",
    cause: "a Maven dependency cannot be resolved ({package})",
    example:
      "[ERROR] Failed to execute goal on project core: Could not resolve dependencies for project com.acme:core:jar:1.0: Could not find artifact com.acme:util:jar:9.9 in central (https://repo.maven.apache.org/maven2)",
  },
  {
    id: "maven.transfer",
    ecosystem: "jvm",
    category: "infrastructure",
    needle: "could not transfer artifact",
    pattern:
      /Could not transfer artifact (?<package>\S+) from\/to .*(?:Connection reset|timed out|status code: 5\d\d|Remote host terminated|Connection refused|reason phrase: (?:Bad Gateway|Service Unavailable))/i,
    role: "decisive",
    weight: 16,
    tool: "maven",
    cause: "the Maven repository failed while downloading {package}",
    example:
      "[ERROR] Failed to execute goal on project core: Could not transfer artifact junit:junit:pom:4.13.2 from/to central (https://repo.maven.apache.org/maven2): status code: 503, reason phrase: Service Unavailable (503)",
  },
  {
    id: "maven.footer",
    ecosystem: "jvm",
    category: "unknown",
    needle: ["[error]", "[info] build failure"],
    pattern:
      /^\[ERROR\] (?:-> \[Help 1\]|\[Help \d+\] http|Re-run Maven using|To see the full stack trace|For more information about the errors|After correcting the problems|\s*mvn <args> -rf |$)|^\[INFO\] BUILD FAILURE$|^\[ERROR\] *$/,
    role: "noise",
    tool: "maven",
    cause: "Maven's footer",
    example: "[ERROR] -> [Help 1]",
  },
  {
    id: "javac.error",
    ecosystem: "jvm",
    category: "compilation",
    needle: [".java:", ".kt:", ".scala:"],
    pattern:
      /^(?:\[ERROR\] )?(?<file>\S+\.(?:java|kt|scala)):(?:\[(?<line>\d+),\d+\]|(?<line2>\d+): error:)|^\[error\] (?<file2>\S+\.scala):(?<line3>\d+):\d+:|^e: (?:file:\/\/)?(?<file3>\S+\.kts?):(?<line4>\d+):\d+ /,
    role: "decisive",
    weight: 11,
    tool: "javac",
    cause: "the code does not compile ({file})",
    example: "[ERROR] /work/core/src/main/java/com/acme/App.java:[12,5] cannot find symbol",
  },
  {
    id: "maven.compilation-summary",
    ecosystem: "jvm",
    category: "compilation",
    needle: ["compilation error", "compilation failure", "compilation failed"],
    pattern:
      /^\[ERROR\] COMPILATION ERROR :?$|^\[ERROR\] .*Compilation failure|^\[error\] \(.*\) Compilation failed$|^Compilation failed/,
    role: "summary",
    weight: 4,
    cause: "the code does not compile",
    example: "[error] (Compile / compileIncremental) Compilation failed",
  },
  {
    id: "surefire.test",
    ecosystem: "jvm",
    category: "test",
    needle: ["<<< failure", "<<< error"],
    pattern:
      /^\[ERROR\] (?<test>\S+?)(?:\((?<file>[\w.$]+)\))?\s+(?:--\s+)?Time elapsed: .*<<< (?:FAILURE|ERROR)!$/,
    role: "decisive",
    weight: 11,
    tool: "surefire",
    cause: "tests fail ({test})",
    example: "[ERROR] com.acme.AppTest.adds -- Time elapsed: 0.012 s <<< FAILURE!",
  },
  {
    id: "surefire.summary",
    ecosystem: "jvm",
    category: "test",
    needle: ["there are test failures", "tests run:", "failed tests:", "tests in error:"],
    pattern:
      /There are test failures|^\[ERROR\] Tests run: \d+, Failures: \d+, Errors: \d+|^\[ERROR\] (?:Failed tests|Tests in error|Failures|Errors): ?$/,
    role: "summary",
    tool: "surefire",
    cause: "tests fail",
    example: "[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0",
  },
  {
    id: "junit.assertion",
    ecosystem: "jvm",
    category: "test",
    needle: ["assertionerror", "assertionfailederror", "comparisonfailure"],
    pattern:
      /(?<![\w$])(?:java\.lang\.AssertionError|org\.opentest4j\.AssertionFailedError|org\.junit\.ComparisonFailure)(?![\w$])/,
    role: "decisive",
    weight: 9,
    cause: "an assertion fails",
    example: "org.opentest4j.AssertionFailedError: expected: <4> but was: <3>",
    notExamples: [
      "[INFO] Tests run: 4, in org.assertj.core.error.AssertionErrorCreator_multipleAssertionsError_Test",
    ],
  },
  {
    id: "jvm.oom",
    ecosystem: "jvm",
    category: "out_of_memory",
    needle: "outofmemoryerror",
    pattern:
      /(?<![\w$+-])java\.lang\.OutOfMemoryError(?::.*)?$|^Exception in thread ".*" java\.lang\.OutOfMemoryError/,
    role: "decisive",
    weight: 14,
    cause: "the JVM ran out of memory",
    example: 'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
    notExamples: ["[INFO] argLine: -Xmx2g -XX:+HeapDumpOnOutOfMemoryError"],
  },
  {
    id: "gradle.what-went-wrong",
    ecosystem: "jvm",
    category: "unknown",
    needle: "what went wrong",
    pattern: /^\* What went wrong:$/,
    role: "summary",
    next: 2,
    tool: "gradle",
    cause: "the Gradle build fails",
    example: "* What went wrong:",
  },
  ...(
    [
      ["compile", "compilation", "compile\\w*|kapt\\w*|\\w*Kotlin\\w*", "compileJava"],
      ["test", "test", "test|\\w*Test|check|integrationTest", "test"],
      [
        "lint",
        "lint",
        "checkstyle\\w*|pmd\\w*|spotbugs\\w*|detekt|ktlint\\w*|lint\\w*|errorprone\\w*",
        "checkstyleMain",
      ],
      ["format", "format", "spotless\\w*|\\w*format\\w*", "spotlessJavaCheck"],
      ["license", "license", "license\\w*|rat", "licenseMain"],
      ["compat", "compatibility", "apiCheck|japicmp|revapi\\w*|metalava\\w*|\\w*ApiCompat\\w*", "apiCheck"],
      ["docs", "documentation", "javadoc|dokka\\w*|asciidoctor", "javadoc"],
    ] as const
  ).map(
    ([id, category, tasks, task]): Signature => ({
      id: `gradle.task.${id}`,
      ecosystem: "jvm",
      category,
      needle: "execution failed for task",
      pattern: new RegExp(`Execution failed for task '(?<code>(?::[\\w-]+)*:(?:${tasks}))'`),
      role: "decisive",
      weight: 12,
      tool: "gradle",
      cause: "the Gradle task {code} fails",
      example: `Execution failed for task ':app:${task}'.`,
    }),
  ),
  {
    id: "gradle.task",
    ecosystem: "jvm",
    category: "unknown",
    needle: "execution failed for task",
    pattern: /Execution failed for task '(?<code>[^']+)'/,
    role: "decisive",
    weight: 9,
    tool: "gradle",
    cause: "the Gradle task {code} fails",
    example: "Execution failed for task ':app:generateSources'.",
  },
  {
    id: "gradle.failing-tests",
    ecosystem: "jvm",
    category: "test",
    needle: ["there were failing tests", " failed"],
    pattern: /There were failing tests\. See the report at|^(?<test>[\w.$]+ > .+) FAILED$/,
    role: "decisive",
    weight: 11,
    tool: "gradle",
    cause: "tests fail ({test})",
    example: "AppTest > adds() FAILED",
  },
  {
    id: "gradle.resolve",
    ecosystem: "jvm",
    category: "dependency",
    needle: ["could not resolve all", "could not find "],
    pattern:
      /Could not resolve all (?:files|dependencies|artifacts) for configuration|^> Could not find (?<package>[\w.-]+:[\w.-]+:[\w.-]+)\.?$/,
    role: "decisive",
    weight: 12,
    tool: "gradle",
    cause: "a Gradle dependency cannot be resolved ({package})",
    example: "> Could not find com.acme:util:9.9.",
  },
  {
    id: "gradle.summary",
    ecosystem: "jvm",
    category: "unknown",
    needle: ["build failed", "failure: build failed"],
    pattern:
      /^BUILD FAILED in \S+$|^FAILURE: Build failed with an exception\.$|^FAILURE: Build completed with \d+ failures?\.$/,
    role: "context",
    weight: 1.5,
    tool: "gradle",
    cause: "the Gradle build fails",
    example: "BUILD FAILED in 14s",
  },
  {
    id: "sbt.test",
    ecosystem: "jvm",
    category: "test",
    needle: ["*** failed ***", "failed tests:", "tests unsuccessful", "failed: total"],
    pattern:
      /^\[info\] - (?<test>.+) \*\*\* FAILED \*\*\*|^\[error\] Failed tests:$|sbt\.TestsFailedException: Tests unsuccessful|^\[error\] Failed: Total \d+, Failed [1-9]/,
    role: "decisive",
    weight: 10,
    tool: "sbt",
    cause: "tests fail ({test})",
    example: "[info] - adds two numbers *** FAILED ***",
  },
  {
    id: "checkstyle.violation",
    ecosystem: "jvm",
    category: "lint",
    needle: ["[error]", "[warn]"],
    pattern: /^\[(?:ERROR|WARN)\] (?<file>\S+\.java):(?<line>\d+)(?::\d+)?: .+ \[(?<code>\w+)\]$/,
    role: "decisive",
    weight: 12,
    tool: "checkstyle",
    cause: "Checkstyle violations ({code})",
    example:
      "[ERROR] /work/core/src/main/java/com/acme/App.java:7:1: Missing a Javadoc comment. [MissingJavadocType]",
  },
  {
    id: "checkstyle.summary",
    ecosystem: "jvm",
    category: "lint",
    needle: "checkstyle",
    pattern: /You have \d+ Checkstyle violations?|Checkstyle rule violations were found/,
    role: "summary",
    tool: "checkstyle",
    cause: "Checkstyle violations",
    example: "[ERROR] You have 2 Checkstyle violations.",
  },
  {
    id: "license.header",
    ecosystem: "jvm",
    category: "license",
    needle: ["license header", "missing header in", "unapproved license", "unknown license"],
    pattern:
      /Some files do not have the expected license header|^(?:\[\w+\] )?Missing header in: (?<file>\S+)|Too many files with unapproved license|files? with unapproved licenses?|License header (?:missing|check failed)/i,
    role: "decisive",
    weight: 12,
    cause: "license headers are missing ({file})",
    example: "[WARNING] Missing header in: /work/core/src/main/java/com/acme/App.java",
  },
  {
    id: "api.compat",
    ecosystem: "jvm",
    category: "compatibility",
    needle: ["incompatibility", "api problems found", "api check failed", "binary incompatible"],
    pattern:
      /There is at least one incompatibility|API problems found|API check failed for project (?<package>\S+)|is binary incompatible|Binary compatibility check failed/i,
    role: "decisive",
    weight: 12,
    cause: "the public API changed incompatibly ({package})",
    example: "API check failed for project core.",
  },
];
