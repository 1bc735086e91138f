#pragma once
// The base images of a Dockerfile, as Docker's parser sees its FROM lines: the `escape`
// parser directive (`\` or a backtick), line continuations, comments, instructions in any
// case, `ARG`s before the first FROM (their defaults, overridden by the build's args) and
// variable substitution in FROM (`$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME:+word}`).
// A FROM naming an earlier stage (`FROM build`) or `scratch` is not an image. Pure: text in,
// values out; nothing is pulled or resolved (a tag is what it says; only a digest pins).
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace components {

struct BaseImage {
    std::string reference;  // as resolved: "python:3.12-slim@sha256:..."
    std::string digest;     // "sha256:..." when pinned, else ""
    int line = 0;           // of the FROM instruction
};

/// The images the FROM instructions of `dockerfile` name, in order, with `args` (the
/// build's --build-arg values) applied.
std::vector<BaseImage> base_images(std::string_view dockerfile,
                                   const std::map<std::string, std::string>& args);

}  // namespace components
