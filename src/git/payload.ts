/**
 * A working tree's changed files as the github toolset's `push_files` takes them: contents base64 (any
 * bytes survive), the executable bit as mode 100755, a symbolic link as mode 120000 with its target as
 * content (never followed), deletions apart.
 */
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

export interface PushPayload {
  files: Record<string, unknown>[];
  deletions: string[];
}

/** `files` are paths relative to `root` with git's status letter (D = deleted). */
export async function pushPayload(
  root: string,
  files: readonly { path: string; status: string }[],
): Promise<PushPayload> {
  const out: Record<string, unknown>[] = [];
  const deletions: string[] = [];
  for (const f of files) {
    if (f.status === "D") {
      deletions.push(f.path);
      continue;
    }
    const full = join(root, f.path);
    const st = await lstat(full);
    out.push(
      st.isSymbolicLink()
        ? { path: f.path, content: await readlink(full), mode: "120000" }
        : {
            path: f.path,
            content: (await readFile(full)).toString("base64"),
            encoding: "base64",
            mode: st.mode & 0o111 ? "100755" : "100644",
          },
    );
  }
  return { files: out, deletions };
}
