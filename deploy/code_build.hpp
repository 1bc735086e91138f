#pragma once
// Whether a Lambda code folder can be zipped as it is. slipway packages a template's `Code`
// / `CodeUri` folders the way `aws cloudformation package` does: the folder's files, nothing
// more. A folder that declares dependencies (requirements.txt, a package.json with
// dependencies, go.mod, ...) without them installed beside it would deploy a function that
// fails on its first import. `sam build` (or the language's own install into the folder)
// makes the deployable folder; slipway does not build it itself, so packaging such a folder
// is refused and `init` and `validate` say so first. Pure: the folder's files listed, one
// read through a function.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deploy {

struct UnbuiltCode {
    std::string manifest;  // the dependency file found ("requirements.txt")
    std::string missing;   // what a built folder would hold ("installed packages (*.dist-info)")
};

/// The dependency file that makes the folder unfit to zip as it is, or nullopt. `files` are
/// the folder's files relative to it ('/'-separated); `read` reads one of them (a
/// package.json without `dependencies` needs no install).
std::optional<UnbuiltCode> unbuilt_code(
    const std::vector<std::string>& files,
    const std::function<std::optional<std::string>(const std::string&)>& read);

/// Whether a template property holds Lambda code or a layer's content (Code, CodeUri,
/// Content, ContentUri): folders zipped as they are.
bool is_code_property(std::string_view property);

/// The one-line reason and remedy for the folder `folder` (as the template names it).
std::string unbuilt_code_message(const std::string& folder, const UnbuiltCode& why);

}  // namespace deploy
