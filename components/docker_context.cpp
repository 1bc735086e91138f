// See docker_context.hpp.
#include "components/docker_context.hpp"

namespace components {

DockerInput DockerContext::input(std::string_view path) const {
    if (path == build.file) return DockerInput::dockerfile;
    if (path == own_ignore_file || path == context_ignore_file) return DockerInput::ignore_file;
    if (!path.starts_with(prefix)) return DockerInput::none;
    return sends(path.substr(prefix.size())) ? DockerInput::context : DockerInput::none;
}

bool DockerContext::sends(std::string_view relative) const {
    return !ignore || !ignore->excludes(relative);
}

std::vector<DockerContext> docker_contexts(const Manifest& m) {
    std::vector<DockerContext> out;
    for (std::size_t i = 0; i < m.components.size(); ++i) {
        const auto& c = m.components[i];
        if (!c.docker) continue;
        DockerContext d;
        d.component = i;
        d.build = *c.docker;
        d.prefix = c.docker->context == "." ? "" : c.docker->context + "/";
        d.own_ignore_file = c.docker->file + ".dockerignore";
        d.context_ignore_file = d.prefix + ".dockerignore";
        out.push_back(std::move(d));
    }
    return out;
}

common::Result<void> load_ignore_files(std::vector<DockerContext>& contexts,
                                       const ReadTreeFile& read) {
    for (auto& d : contexts) {
        for (const auto* file : {&d.own_ignore_file, &d.context_ignore_file}) {
            auto text = read(*file);
            if (!text) return std::unexpected(text.error());
            if (!*text) continue;
            auto parsed = DockerIgnore::parse(**text, *file);
            if (!parsed) return std::unexpected(parsed.error());
            d.ignore = std::move(*parsed);
            break;
        }
    }
    return {};
}

}  // namespace components
