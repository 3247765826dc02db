/** terraform init/validate/plan/fmt. */
import type { Signature } from "../types.js";

export const TERRAFORM: readonly Signature[] = [
  {
    id: "terraform.provider",
    ecosystem: "terraform",
    category: "dependency",
    needle: [
      "failed to query available provider packages",
      "failed to install provider",
      "could not retrieve the list of available versions",
    ],
    pattern:
      /Error: (?:Failed to query available provider packages|Failed to install provider|Incompatible provider version)|Could not retrieve the list of available versions for provider (?<package>\S+)/,
    role: "decisive",
    weight: 12,
    tool: "terraform",
    cause: "a Terraform provider cannot be installed ({package})",
    example: "│ Error: Failed to query available provider packages",
  },
  {
    id: "terraform.error",
    ecosystem: "terraform",
    category: "configuration",
    needle: "error: ",
    pattern: /^(?:│ )?Error: (?<code>[A-Z][^.]{2,80})$/,
    role: "decisive",
    weight: 9,
    tool: "terraform",
    cause: "the Terraform configuration is invalid ({code})",
    example: "│ Error: Unsupported argument",
  },
  {
    id: "terraform.location",
    ecosystem: "terraform",
    category: "configuration",
    needle: ".tf line",
    pattern: /^(?:│ )?\s*on (?<file>\S+\.tf) line (?<line>\d+)/,
    role: "context",
    weight: 3,
    tool: "terraform",
    cause: "where the Terraform error is",
    example: "│   on main.tf line 3, in locals:",
  },
];
