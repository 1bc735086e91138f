#include "deploy/parameters.hpp"

#include <algorithm>
#include <regex>

namespace deploy {

using common::ErrorCode;

std::string_view to_string(ImageSource source) {
    switch (source) {
        case ImageSource::new_image:
            return "new";
        case ImageSource::deployed:
            return "deployed";
        case ImageSource::latest_build:
            return "latest build";
    }
    return "?";
}

namespace {

common::Result<void> check_new_images(const components::Manifest& manifest,
                                      const ParameterInputs& inputs) {
    for (const auto& [name, image] : inputs.new_images) {
        const components::Component* c = manifest.find(name);
        if (!c) {
            return common::fail(ErrorCode::input,
                                "image given for unknown component '" + name + "'");
        }
        if (c->kind != components::ComponentKind::image || c->parameter.empty()) {
            return common::fail(ErrorCode::input, "component '" + name +
                                                      "' has no image parameter (kind " +
                                                      std::string(to_string(c->kind)) + ")");
        }
    }
    return {};
}

common::Result<ImageChoice> choose_image(const components::Component& c,
                                         const components::Environment& env,
                                         const ParameterInputs& inputs) {
    ImageChoice choice{c.name, c.parameter, 0, "", ImageSource::new_image, true};
    const auto deployed = inputs.deployed.find(c.name);
    if (auto found = inputs.new_images.find(c.name); found != inputs.new_images.end()) {
        choice.build_number = found->second.build_number;
        choice.image_uri = found->second.image_uri;
        choice.commit = found->second.commit;
    } else if (deployed != inputs.deployed.end()) {
        choice.build_number = deployed->second.build_number;
        choice.image_uri = deployed->second.image_uri;
        choice.commit = deployed->second.commit;
        choice.source = ImageSource::deployed;
    } else if (auto latest = inputs.latest_built.find(c.name);
               latest != inputs.latest_built.end()) {
        choice.build_number = latest->second.build_number;
        choice.image_uri = latest->second.image_uri;
        choice.commit = latest->second.commit;
        choice.source = ImageSource::latest_build;
    } else {
        return common::fail(ErrorCode::input,
                            "component '" + c.name + "' has no image for environment '" + env.name +
                                "': nothing deployed there and no succeeded build; " +
                                "build it (slipway build --only " + c.name + ") or pass --images " +
                                c.name + "=URI");
    }
    choice.changed =
        deployed == inputs.deployed.end() || deployed->second.image_uri != choice.image_uri;
    return choice;
}

// Why `value` fails `p`'s constraints, or "".
std::string violation(const TemplateParameter& p, const std::string& value) {
    if (!p.allowed_values.empty() && std::find(p.allowed_values.begin(), p.allowed_values.end(),
                                               value) == p.allowed_values.end()) {
        std::string list;
        for (const auto& v : p.allowed_values) list += (list.empty() ? "" : ", ") + v;
        return "not one of its AllowedValues (" + list + ")";
    }
    if (p.allowed_pattern && !std::regex_match(value, std::regex(*p.allowed_pattern)))
        return "does not match its AllowedPattern " + *p.allowed_pattern;
    const auto length = static_cast<long>(value.size());
    if (p.max_length && length > *p.max_length)
        return "is " + std::to_string(length) + " characters, over its MaxLength " +
               std::to_string(*p.max_length);
    if (p.min_length && length < *p.min_length)
        return "is " + std::to_string(length) + " characters, under its MinLength " +
               std::to_string(*p.min_length);
    if (p.type == "Number" || p.min_value || p.max_value) {
        auto n = parse_number(value);
        if (!n) return "is not a number";
        if (p.max_value && *n > *p.max_value) return "is over its MaxValue";
        if (p.min_value && *n < *p.min_value) return "is under its MinValue";
    }
    return "";
}

}  // namespace

common::Result<ParameterSet> compute_parameters(const components::Manifest& manifest,
                                                const components::Environment& env,
                                                const components::Stack& stack,
                                                const ParameterInputs& inputs) {
    if (auto ok = check_new_images(manifest, inputs); !ok) return std::unexpected(ok.error());
    ParameterSet out;
    for (const auto& [name, p] : stack.parameters) {
        if (p.from_output()) {
            out.outputs[name] = p;
        } else {
            out.values[name] = p.value;
        }
    }
    for (const auto& member : stack.members) {
        const components::Component& c = *manifest.find(member);
        if (c.kind != components::ComponentKind::image || c.parameter.empty()) continue;
        auto choice = choose_image(c, env, inputs);
        if (!choice) return std::unexpected(choice.error());
        out.values[c.parameter] = choice->image_uri;
        out.images.push_back(std::move(*choice));
    }
    std::sort(out.images.begin(), out.images.end(),
              [](const ImageChoice& a, const ImageChoice& b) { return a.component < b.component; });
    return out;
}

common::Result<std::vector<std::string>> validate_parameters(
    const Template& t, const std::map<std::string, std::string>& values,
    const std::map<std::string, std::string>& owners, const std::set<std::string>& pending) {
    auto owner = [&](const std::string& name) {
        auto o = owners.find(name);
        return o == owners.end() ? std::string() : " (component '" + o->second + "')";
    };
    std::vector<std::string> warnings;
    std::size_t count = values.size();
    for (const auto& name : pending) count += values.contains(name) ? 0 : 1;
    if (count > k_max_parameters) {
        return common::fail(
            ErrorCode::input,
            t.file + ": " + std::to_string(count) +
                " parameters, over CloudFormation's limit of 200 per stack: split the components "
                "over several stacks (the environment's 'stacks', docs/manifest.md)");
    }
    if (count > k_warn_parameters) {
        warnings.push_back(std::to_string(count) +
                           " parameters: CloudFormation allows 200 per stack; plan a split");
    }
    for (const auto& name : pending) {
        if (values.contains(name)) continue;
        if (!t.parameters.contains(name))
            return common::fail(ErrorCode::input, t.file + ": parameter " + name +
                                                      " (another stack's output) is not declared "
                                                      "in the template's Parameters");
    }
    for (const auto& [name, value] : values) {
        auto p = t.parameters.find(name);
        if (p == t.parameters.end()) {
            return common::fail(ErrorCode::input, t.file + ": parameter " + name + owner(name) +
                                                      " is not declared in the template's "
                                                      "Parameters");
        }
        if (auto why = violation(p->second, value); !why.empty()) {
            const std::string shown = p->second.no_echo ? "(NoEcho value)" : "'" + value + "'";
            return common::fail(ErrorCode::input, t.file + ":" + std::to_string(p->second.line) +
                                                      ": parameter " + name + owner(name) +
                                                      ": value " + shown + " " + why);
        }
    }
    for (const auto& [name, p] : t.parameters) {
        if (!values.contains(name) && !pending.contains(name) && !p.default_value) {
            return common::fail(ErrorCode::input,
                                t.file + ":" + std::to_string(p.line) + ": parameter " + name +
                                    " has no value and no Default: give it in "
                                    "the environment's parameters or a component");
        }
    }
    return warnings;
}

}  // namespace deploy
