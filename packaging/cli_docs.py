#!/usr/bin/env python3
"""Generates slipway's man page and its bash, zsh and fish completions from the built binary.

The command tree and every option (names, whether it takes a value, its one-line help) are
read from the binary's own `--help` output (CLI11's format: an "Options:" section of
`  -j,--jobs TYPE[ REQUIRED][ Excludes: ...]   help` lines, a "Positionals:" section and a
"Subcommands:" section; an "Examples:" footer is skipped), recursively, so the outputs list
exactly what the binary accepts.
The man page's prose is packaging/slipway.1.in: roff with one block per command, opened by
a `.\\" @COMMAND <path>` line, in which `@OPTIONS@` becomes that command's option list.
Blocks of commands the binary does not have are left out (a block may be written before its
command lands); a command without a block gets its one-line help and a warning, and
`--check` makes that an error (the test that keeps the page true).

  cli_docs.py --binary build/cli/slipway --template packaging/slipway.1.in --version 0.2.0
              --out DIR [--check]
writes DIR/slipway.1, DIR/slipway.1.gz, DIR/slipway.bash, DIR/_slipway, DIR/slipway.fish.
"""

import argparse
import datetime
import gzip
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

# How an option's value is completed, by option name (else by its placeholder, below).
VALUE_KINDS = {
    "--manifest": "file", "--changed-files": "file", "--json-report": "file",
    "--junit": "file", "--write-overrides": "file", "--template": "file",
    "--repo": "dir", "--base": "ref", "--head": "ref",
}


@dataclass
class Option:
    names: list          # e.g. ["-j", "--jobs"]
    value: str           # the value's placeholder ("TEXT", "N"), "" for a flag
    help: str

    def kind(self):
        for name in self.names:
            if name in VALUE_KINDS:
                return VALUE_KINDS[name]
        return {"FILE": "file", "DIR": "dir", "REF": "ref", "ENV": "env",
                "COMPONENT": "component"}.get(self.value, "")


@dataclass
class Command:
    path: list                                   # [] for slipway itself, ["store", "init"]
    help: str = ""
    options: list = field(default_factory=list)
    positionals: list = field(default_factory=list)   # (name, help)
    subcommands: list = field(default_factory=list)   # Command

    def name(self):
        return " ".join(self.path)

    def walk(self):
        yield self
        for sub in self.subcommands:
            yield from sub.walk()


def parse_help(text):
    """Splits CLI11 help text into (description, options, positionals, [(sub, help)])."""
    lines = text.splitlines()
    description = lines[0].strip() if lines and not lines[0].startswith("Usage:") else ""
    section, entries = None, {"Options:": [], "Positionals:": [], "Subcommands:": []}
    for line in lines:
        if line in entries:
            section = line
        elif not line.strip():
            continue
        elif not line.startswith(" "):
            section = None                        # "Examples:" (the footer) or another text
        elif section and re.match(r"^  \S", line):
            left, _, right = line.strip().partition("  ")
            entries[section].append([left.strip(), right.strip()])
        elif section and entries[section] and line.startswith("    "):
            last = entries[section][-1]           # a description on its own or a second line
            last[1] = (last[1] + " " + line.strip()).strip()
    options = []
    for left, right in entries["Options:"]:
        words = left.split()
        names = words[0].split(",")
        if "--help" in names:
            continue
        rest = words[1:]                          # TYPE[=DEFAULT] REQUIRED Excludes: ...
        takes_value = rest and rest[0] not in ("Excludes:", "Needs:") and rest[0][0] != "("
        value = rest[0].split("=")[0].split(":")[0] if takes_value else ""
        options.append(Option(names, value, right))
    positionals = [(left.split()[0], right) for left, right in entries["Positionals:"]]
    subs = [(left.split()[0], right) for left, right in entries["Subcommands:"]]
    return description, options, positionals, subs


def read_command(binary, path, help_text=""):
    out = subprocess.run([binary, *path, "--help"], capture_output=True, text=True, check=True)
    description, options, positionals, subs = parse_help(out.stdout)
    command = Command(path, help_text or description, options, positionals)
    for name, text in subs:
        command.subcommands.append(read_command(binary, path + [name], text))
    return command


# ----------------------------------------------------------------------------- man page

def roff_escape(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text)


def roff_options(command):
    out = []
    for option in command.options:
        spelled = ", ".join(f"\\fB{roff_escape(n)}\\fR" for n in option.names)
        if option.value:
            spelled += f" \\fI{option.value}\\fR"
        out += [".TP", spelled, roff_escape(option.help)]
    for name, text in command.positionals:
        out += [".TP", f"\\fI{roff_escape(name.upper())}\\fR", roff_escape(text)]
    return "\n".join(out)


def split_blocks(template):
    """(head, {path: block}, tail): the blocks between `@COMMAND` and `@END-COMMANDS` lines."""
    marker = re.compile(r'^\.\\" @COMMAND (.+)$', re.M)
    end = template.index('.\\" @END-COMMANDS')
    starts = list(marker.finditer(template, 0, end))
    if not starts:
        return template[:end], {}, template[end:]
    blocks = {}
    for i, m in enumerate(starts):
        stop = starts[i + 1].start() if i + 1 < len(starts) else end
        blocks[m.group(1).strip()] = template[m.end() + 1:stop]
    return template[:starts[0].start()], blocks, template[end:]


def man_page(root, template, version, date):
    head, blocks, tail = split_blocks(template)
    missing, body = [], []
    for command in list(root.walk())[1:]:
        block = blocks.get(command.name())
        if block is None:
            missing.append(command.name())
            block = f'.SS "slipway {command.name()}"\n{roff_escape(command.help)}\n@OPTIONS@\n'
        body.append(block.replace("@OPTIONS@", roff_options(command)))
    page = head + "".join(body) + tail.split("\n", 1)[1]
    page = page.replace("@GLOBAL_OPTIONS@", roff_options(root))
    page = page.replace("@VERSION@", version).replace("@DATE@", date)
    return page, missing


def global_options(root):
    """The options of slipway itself that also work after a subcommand (not --version)."""
    return [o for o in root.options if "--version" not in o.names]


# ----------------------------------------------------------------------------- bash

def bash_completion(root):
    paths = [c for c in root.walk()]
    def table(name, value_of):
        rows = "\n".join(f'        ["{" ".join(["slipway", *c.path])}"]="{value_of(c)}"'
                         for c in paths)
        return f"    local -A {name}=(\n{rows}\n    )"
    globals_ = global_options(root)
    def words(c):
        opts = c.options + ([] if c is root else globals_)
        return " ".join(n for o in opts for n in o.names)
    kinds = {}
    for c in paths:
        for o in c.options:
            if o.value:
                for n in o.names:
                    kinds[n] = o.kind() or "value"
    cases = {}
    for name, kind in sorted(kinds.items()):
        cases.setdefault(kind, []).append(name)
    actions = {
        "file": "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))",
        "dir": "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))",
        "ref": "COMPREPLY=($(compgen -W \"$(git for-each-ref --format='%(refname:short)' "
               "2>/dev/null)\" -- \"$cur\"))",
        "env": "COMPREPLY=($(compgen -W \"$(slipway __complete environments 2>/dev/null)\" "
               "-- \"$cur\"))",
        "component": "COMPREPLY=($(compgen -W \"$(slipway __complete components "
                     "2>/dev/null)\" -- \"$cur\"))",
        "value": "COMPREPLY=()",
    }
    # Commands whose first positional is a component (slipway history COMPONENT).
    component_commands = " ".join(" ".join(["slipway", *c.path]) for c in paths
                                  if c.positionals and c.positionals[0][0].upper() == "COMPONENT")
    case_lines = "\n".join(f"        {'|'.join(names)}) {actions[kind]}; return ;;"
                           for kind, names in sorted(cases.items()))
    return f"""# bash completion for slipway; generated from its --help by packaging/cli_docs.py.
_slipway() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
{table("subs", lambda c: " ".join(s.path[-1] for s in c.subcommands))}
{table("opts", words)}
    # The command path typed so far: the words that name a subcommand of the path before.
    local path=slipway word i
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        [[ " ${{subs[$path]}} " == *" $word "* ]] && path="$path $word"
    done
    case $prev in
{case_lines}
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "${{opts[$path]}}" -- "$cur"))
    elif [[ -z ${{subs[$path]}} && " {component_commands} " == *" $path "* ]]; then
        COMPREPLY=($(compgen -W "$(slipway __complete components 2>/dev/null)" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "${{subs[$path]}}" -- "$cur"))
    fi
}}
complete -F _slipway slipway
"""


# ----------------------------------------------------------------------------- zsh

def zsh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def zsh_spec(option):
    text = re.sub(r"([\[\]:\\])", r"\\\1", option.help)
    action = {"file": "_files", "dir": "_files -/", "ref": "__slipway_refs",
              "env": "__slipway_names environments",
              "component": "__slipway_names components"}.get(option.kind(), "")
    names = option.names
    exclusive = f"({' '.join(names)})" if len(names) > 1 else ""
    value = f":{option.value.lower() or 'value'}:{action}" if option.value else ""
    spelled = [n + ("=" if option.value and n.startswith("--") else "+" if option.value else "")
               for n in names]
    if len(spelled) == 1:
        return zsh_quote(f"{exclusive}{spelled[0]}[{text}]{value}")
    return zsh_quote(exclusive) + "{" + ",".join(spelled) + "}" + zsh_quote(f"[{text}]{value}")


def zsh_name(path):
    return "_slipway" + "".join("_" + re.sub(r"\W", "_", p) for p in path)


def zsh_function(command, globals_):
    fn = zsh_name(command.path)
    specs = [zsh_spec(o) for o in command.options + ([] if not command.path else globals_)]
    for i, (name, _) in enumerate(command.positionals, 1):
        action = "__slipway_names components" if name.upper() == "COMPONENT" else ""
        specs.append(zsh_quote(f"{i}:{name}:{action}"))
    lines = [f"{fn}() {{"]
    if command.subcommands:
        entries = " ".join(zsh_quote(s.path[-1] + ":" + s.help) for s in command.subcommands)
        lines += [f"    local -a commands=({entries})",
                  "    local curcontext=$curcontext state line",
                  "    _arguments -C -s " + " ".join(specs) +
                  " '1:command:->command' '*::arg:->args'",
                  "    case $state in",
                  "        command) _describe -t commands 'slipway command' commands ;;",
                  "        args) case $words[1] in"]
        lines += [f"            {s.path[-1]}) {zsh_name(s.path)} ;;"
                  for s in command.subcommands]
        lines += ["        esac ;;", "    esac", "}"]
    else:
        lines += ["    _arguments -s " + " ".join(specs), "}"]
    out = ["\n".join(lines)]
    for sub in command.subcommands:
        out.append(zsh_function(sub, globals_))
    return "\n".join(out)


def zsh_completion(root):
    return f"""#compdef slipway
# zsh completion for slipway; generated from its --help by packaging/cli_docs.py.
__slipway_refs() {{
    local -a refs
    refs=(${{(f)"$(git for-each-ref --format='%(refname:short)' 2>/dev/null)"}})
    compadd -a refs
}}
__slipway_names() {{
    local -a names
    names=(${{(f)"$(slipway __complete $1 2>/dev/null)"}})
    compadd -a names
}}
{zsh_function(root, global_options(root))}
_slipway "$@"
"""


# ----------------------------------------------------------------------------- fish

def fish_quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_completion(root):
    paths = " ".join(fish_quote(c.name()) for c in list(root.walk())[1:])
    out = [
        "# fish completion for slipway; generated from its --help by packaging/cli_docs.py.",
        f"set -g __slipway_paths {paths}",
        "# True when the command path typed so far is $argv[1] ('' for slipway itself).",
        "function __slipway_at",
        "    set -l path ''",
        "    for word in (commandline -opc)[2..-1]",
        "        set -l next (string trim -- \"$path $word\")",
        "        contains -- $next $__slipway_paths; and set path $next",
        "    end",
        "    test \"$path\" = \"$argv[1]\"",
        "end",
        "complete -c slipway -f",
    ]
    for command in root.walk():
        at = f"-n {fish_quote('__slipway_at ' + fish_quote(command.name()))}"
        for sub in command.subcommands:
            out.append(f"complete -c slipway {at} -a {sub.path[-1]} -d {fish_quote(sub.help)}")
        if command.positionals and command.positionals[0][0].upper() == "COMPONENT":
            out.append(f"complete -c slipway {at} -a '(slipway __complete components "
                       "2>/dev/null)'")
        for option in command.options + ([] if command is root else global_options(root)):
            spelled = " ".join(("-l " + n[2:]) if n.startswith("--") else ("-s " + n[1:])
                               for n in option.names)
            value = ""
            if option.value:
                refs = "(git for-each-ref --format=%\\(refname:short\\) 2>/dev/null)"
                value = {"file": " -r -F", "dir": " -x -a '(__fish_complete_directories)'",
                         "ref": f" -x -a '{refs}'",
                         "env": " -x -a '(slipway __complete environments 2>/dev/null)'",
                         "component": " -x -a '(slipway __complete components 2>/dev/null)'",
                         }.get(option.kind(), " -x")
            out.append(f"complete -c slipway {at} {spelled}{value} -d {fish_quote(option.help)}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- main

def source_date(template_path):
    """The date of the last commit (reproducible), else the template's modification date."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        stamp = int(os.environ["SOURCE_DATE_EPOCH"])
    else:
        git = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(template_path)),
                              "log", "-1", "--format=%ct"], capture_output=True, text=True)
        stamp = int(git.stdout.strip() or os.path.getmtime(template_path))
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).strftime("%Y-%m-%d")


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--check", action="store_true",
                        help="fail when a command has no block in the template")
    args = parser.parse_args()
    root = read_command(os.path.abspath(args.binary), [])
    with open(args.template, encoding="utf-8") as f:
        page, missing = man_page(root, f.read(), args.version, source_date(args.template))
    for name in missing:
        print(f"cli_docs: warning: command '{name}' has no block in {args.template}",
              file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "slipway.1"), page)
    with open(os.path.join(args.out, "slipway.1.gz"), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as z:
            z.write(page.encode("utf-8"))
    write(os.path.join(args.out, "slipway.bash"), bash_completion(root))
    write(os.path.join(args.out, "_slipway"), zsh_completion(root))
    write(os.path.join(args.out, "slipway.fish"), fish_completion(root))
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
