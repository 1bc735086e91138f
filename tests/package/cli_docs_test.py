#!/usr/bin/env python3
"""Checks the man page and the shell completions packaging/cli_docs.py makes from a binary.

  cli_docs_test.py SLIPWAY PACKAGING_DIR VERSION

- every command of the binary has its block in slipway.1.in (cli_docs.py --check), so the
  page never falls back to a bare one-liner;
- the page renders with groff without a warning, and shows every command and long option;
- bash: the completion function completes commands, nested commands, options and file
  values (it is sourced and called as bash-completion would);
- fish: `complete -C` gives the same answers; zsh: the file parses (`zsh -n`).
A shell that is not installed is left out (scripts/setup.sh installs zsh and fish).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}")


# The completions call `slipway __complete ...`: the binary under test, first on PATH.
ENV = dict(os.environ)


def bash_complete(script, words):
    """COMPREPLY for the command line `words` (the last one being completed)."""
    line = " ".join(f"'{w}'" for w in words)
    out = subprocess.run(["bash", "-c", f". {script}; COMP_WORDS=({line}); "
                          f"COMP_CWORD={len(words) - 1}; _slipway; printf '%s\\n' \"${{COMPREPLY[@]}}\""],
                         capture_output=True, text=True, cwd=os.path.dirname(script), env=ENV)
    return out.stdout.split()


def fish_complete(script, line):
    out = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C '{line}'"],
                         capture_output=True, text=True, cwd=os.path.dirname(script), env=ENV)
    return [entry.split("\t")[0] for entry in out.stdout.splitlines()]


def main():
    binary, packaging, version = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run([sys.executable, os.path.join(packaging, "cli_docs.py"), "--binary",
                              binary, "--template", os.path.join(packaging, "slipway.1.in"),
                              "--version", version, "--out", out, "--check"],
                             capture_output=True, text=True)
        print(run.stderr, end="")
        check(run.returncode == 0, "cli_docs.py --check: a command has no block in slipway.1.in")
        page = os.path.join(out, "slipway.1")
        groff = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", page],
                               capture_output=True, text=True)
        check(groff.returncode == 0 and not groff.stderr, f"groff warns: {groff.stderr}")
        text = subprocess.run(["groff", "-man", "-Tutf8", "-P-cbou", page], capture_output=True,
                              text=True).stdout
        help_text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
        commands = re.findall(r"^  (\w+)  ", help_text.split("Subcommands:")[1], re.M)
        for command in commands:
            check(f"slipway {command}" in text, f"the man page has no section for {command}")
            sub_help = subprocess.run([binary, command, "--help"], capture_output=True,
                                      text=True).stdout
            for option in set(re.findall(r"(?<![\w-])--[a-z][\w-]*", sub_help)):
                check(option in text, f"the man page does not show {command} {option}")
        check(f"slipway {version}" in text, "the man page does not name the version")
        # The store's environment variable, as --help says it (issue 26).
        status_help = subprocess.run([binary, "status", "--help"], capture_output=True,
                                     text=True).stdout
        check("SLIPWAY_STORE" in status_help, "status --help does not name SLIPWAY_STORE")
        check("SLIPWAY_STORE" in text, "the man page does not name SLIPWAY_STORE")

        bash = os.path.join(out, "slipway.bash")
        # A repository whose manifest names components and environments to complete.
        with open(os.path.join(out, "slipway.yml"), "w") as f:
            f.write("image: {repository: r}\ncomponents:\n"
                    "  api: {paths: [api/], parameter: A, build: make}\n"
                    "  web: {paths: [web/], parameter: W, build: make}\n"
                    "environments:\n  test: {stack: s-test}\n  prod: {stack: s-prod}\n")
        subprocess.run(["git", "init", "-q", out], check=True)
        ENV["PATH"] = os.path.dirname(os.path.abspath(binary)) + os.pathsep + ENV["PATH"]
        check(bash_complete(bash, ["slipway", "run", "--env", "t"]) == ["test"],
              "bash: --env completes the manifest's environments")
        check(bash_complete(bash, ["slipway", "promote", "--from", ""]) == ["test", "prod"],
              "bash: promote --from completes environments")
        check(bash_complete(bash, ["slipway", "history", "w"]) == ["web"],
              "bash: history completes components")
        check(bash_complete(bash, ["slipway", "rollback", "--component", "a"]) == ["api"],
              "bash: --component completes components")
        check("run" in bash_complete(bash, ["slipway", "r"]), "bash: slipway r<TAB>")
        check(bash_complete(bash, ["slipway", "store", "i"]) == ["init"],
              "bash: slipway store i<TAB>")
        check("--env" in bash_complete(bash, ["slipway", "run", "--e"]),
              "bash: slipway run --e<TAB>")
        check("--force-deploy" not in bash_complete(bash, ["slipway", "build", "--f"]),
              "bash: build offers run's options")
        check("slipway.yml" in bash_complete(bash, ["slipway", "affected", "--manifest", "sl"]),
              "bash: --manifest completes files")

        if shutil.which("fish"):
            fish = os.path.join(out, "slipway.fish")
            check("run" in fish_complete(fish, "slipway r"), "fish: slipway r<TAB>")
            check(fish_complete(fish, "slipway store i") == ["init"], "fish: slipway store i")
            check("--env" in fish_complete(fish, "slipway run --e"), "fish: slipway run --e")
            check(fish_complete(fish, "slipway run --env t") == ["test"],
                  "fish: --env completes the manifest's environments")
        if shutil.which("zsh"):
            parsed = subprocess.run(["zsh", "-n", os.path.join(out, "_slipway")],
                                    capture_output=True, text=True)
            check(parsed.returncode == 0, f"zsh -n: {parsed.stderr}")
    if failures:
        sys.exit(1)
    print("PASS: the man page and the completions match the binary")


if __name__ == "__main__":
    main()
