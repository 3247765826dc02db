/** dotnet build/test, MSBuild, NuGet. */
import type { Signature } from "../types.js";

export const DOTNET: readonly Signature[] = [
  {
    id: "dotnet.compile",
    ecosystem: "dotnet",
    category: "compilation",
    needle: ": error ",
    pattern:
      /^(?<file>\S.*?\.(?:cs|fs|vb|razor))\((?<line>\d+),\d+\): error (?<code>(?:CS|FS|BC|RZ)\d{4,5}): /,
    role: "decisive",
    weight: 11,
    tool: "dotnet",
    cause: "the code does not compile ({code})",
    example:
      "/src/App/Program.cs(12,17): error CS0103: The name 'foo' does not exist in the current context [/src/App/App.csproj]",
  },
  {
    id: "nuget.not-found",
    ecosystem: "dotnet",
    category: "dependency",
    needle: ["error nu1101", "error nu1102", "error nu1605", "error nu1107"],
    pattern:
      /error (?<code>NU110[12]): Unable to find package (?<package>\S+)|error (?<code2>NU1605|NU1107): /,
    role: "decisive",
    weight: 12,
    tool: "nuget",
    cause: "a NuGet package cannot be resolved ({package})",
    example:
      "/src/App/App.csproj : error NU1101: Unable to find package Newtonsoft.Jsonn. No packages exist with this id in source(s): nuget.org",
  },
  {
    id: "dotnet.sdk",
    ecosystem: "dotnet",
    category: "configuration",
    needle: ["netsdk1045", "a compatible .net sdk was not found"],
    pattern:
      /NETSDK1045: The current \.NET SDK does not support targeting|A compatible \.NET SDK was not found/,
    role: "decisive",
    weight: 12,
    tool: "dotnet",
    cause: "the runner's .NET SDK is not the one the project needs",
    example: "error NETSDK1045: The current .NET SDK does not support targeting .NET 9.0.",
  },
  {
    id: "dotnet.test-failed",
    ecosystem: "dotnet",
    category: "test",
    needle: "failed ",
    pattern: /^Failed (?<test>[\w.]+(?:\(.*\))?) \[[^\]]+\]$/,
    role: "decisive",
    weight: 11,
    tool: "dotnet test",
    cause: "tests fail ({test})",
    example: "Failed App.Tests.CalcTests.Adds [12 ms]",
  },
  {
    id: "dotnet.test-summary",
    ecosystem: "dotnet",
    category: "test",
    needle: "failed!",
    pattern: /^Failed!\s+- Failed:\s+[1-9]\d*/,
    role: "summary",
    tool: "dotnet test",
    cause: "tests fail",
    example:
      "Failed!  - Failed:     1, Passed:    12, Skipped:     0, Total:    13, Duration: 45 ms - App.Tests.dll (net8.0)",
  },
  {
    id: "msbuild.summary",
    ecosystem: "dotnet",
    category: "compilation",
    needle: "build failed.",
    pattern: /^Build FAILED\.$/,
    role: "summary",
    weight: 3,
    tool: "msbuild",
    cause: "the build fails",
    example: "Build FAILED.",
  },
];
