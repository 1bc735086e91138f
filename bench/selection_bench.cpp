// The pure selection step at the headline scale: 10,000 changed paths against 2,000
// components with a dependency graph (no git, no files). Target: under 20 ms.
#include <benchmark/benchmark.h>
#include <yaml.h>

#include <random>
#include <string>

#include "common/yaml.hpp"
#include "components/affected.hpp"

namespace {

// A manifest shaped like bench/gen_monorepo.py's: 2,000 components, one folder each, a
// fifth of them libraries that others depend on, a few floating and negated patterns.
std::string synthetic_manifest(int components) {
    std::mt19937 rng(42);
    std::string m =
        "image: {repository: r}\nglobal_inputs: [slipway.yml]\nignore: "
        "[\"**/*.md\"]\ncomponents:\n";
    for (int i = 0; i < components; ++i) {
        const bool library = i % 5 == 0;
        const std::string name = (library ? "lib" : "svc") + std::to_string(i);
        m += "  " + name + ":\n    paths: [" + (library ? "libs/" : "services/") + name + "/";
        if (i % 50 == 1) m += ", \"**/" + name + ".proto\", \"!services/" + name + "/testdata/\"";
        m += "]\n";
        if (library) {
            m += "    kind: library\n";
        } else {
            m += "    parameter: P" + std::to_string(i) + "\n    build: \"true\"\n";
        }
        std::string deps;
        for (int d = 0; d < 3 && i >= 5; ++d) {
            int lib = static_cast<int>(rng() % static_cast<unsigned>(i / 5)) * 5;
            if (deps.find("lib" + std::to_string(lib) + ",") == std::string::npos)
                deps += "lib" + std::to_string(lib) + ",";
        }
        if (!deps.empty()) m += "    depends_on: [" + deps.substr(0, deps.size() - 1) + "]\n";
    }
    return m;
}

std::vector<std::string> synthetic_paths(int components, int count) {
    std::mt19937 rng(7);
    std::vector<std::string> paths;
    for (int k = 0; k < count; ++k) {
        int i = static_cast<int>(rng() % static_cast<unsigned>(components));
        const bool library = i % 5 == 0;
        const std::string name = (library ? "lib" : "svc") + std::to_string(i);
        paths.push_back(std::string(library ? "libs/" : "services/") + name + "/src/mod" +
                        std::to_string(rng() % 10) + "/file" + std::to_string(k) +
                        (k % 20 == 0 ? ".md" : ".py"));
    }
    return paths;
}

void BM_SelectAffected(benchmark::State& state) {
    const int components = static_cast<int>(state.range(0));
    const int changed = static_cast<int>(state.range(1));
    auto manifest = components::parse_manifest(synthetic_manifest(components), "bench.yml");
    if (!manifest) {
        state.SkipWithError(manifest.error().message.c_str());
        return;
    }
    auto graph = components::build_graph(*manifest);
    components::Selector selector(*manifest, *graph);
    auto paths = synthetic_paths(components, changed);
    std::size_t affected = 0;
    for (auto _ : state) {
        auto selection = selector.select(paths);
        affected = selection.affected.size();
        benchmark::DoNotOptimize(selection);
    }
    state.counters["affected"] = static_cast<double>(affected);
}
BENCHMARK(BM_SelectAffected)->Args({2000, 10000})->Args({2000, 100})->Unit(benchmark::kMillisecond);

void BM_CompileSelector(benchmark::State& state) {
    auto manifest = components::parse_manifest(synthetic_manifest(2000), "bench.yml");
    auto graph = components::build_graph(*manifest);
    for (auto _ : state) {
        components::Selector selector(*manifest, *graph);
        benchmark::DoNotOptimize(selector);
    }
}
BENCHMARK(BM_CompileSelector)->Unit(benchmark::kMillisecond);

// The whole load of a 2,000-component manifest: YAML, every check, the dependency graph.
// The name is a realistic absolute path (every position carries it). Target: under 5 ms.
void BM_ParseManifest(benchmark::State& state) {
    const std::string text = synthetic_manifest(2000);
    state.counters["bytes"] = static_cast<double>(text.size());
    for (auto _ : state) {
        auto manifest = components::parse_manifest(text, "/home/runner/work/monorepo/slipway.yml");
        benchmark::DoNotOptimize(manifest);
    }
}
BENCHMARK(BM_ParseManifest)->Unit(benchmark::kMillisecond);

// Its parts: the document alone (libyaml's events into positioned nodes) ...
void BM_YamlDocument(benchmark::State& state) {
    const std::string text = synthetic_manifest(2000);
    for (auto _ : state) {
        auto doc = common::yaml::parse(text, "slipway.yml");
        benchmark::DoNotOptimize(doc);
    }
}
BENCHMARK(BM_YamlDocument)->Unit(benchmark::kMillisecond);

// ... and the floor: libyaml's event parser reading the text and nothing else.
void BM_LibyamlEvents(benchmark::State& state) {
    const std::string text = synthetic_manifest(2000);
    for (auto _ : state) {
        yaml_parser_t parser;
        yaml_parser_initialize(&parser);
        yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                     text.size());
        std::size_t events = 0;
        for (bool done = false; !done; ++events) {
            yaml_event_t event;
            if (!yaml_parser_parse(&parser, &event)) break;
            done = event.type == YAML_STREAM_END_EVENT;
            yaml_event_delete(&event);
        }
        yaml_parser_delete(&parser);
        benchmark::DoNotOptimize(events);
    }
}
BENCHMARK(BM_LibyamlEvents)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
